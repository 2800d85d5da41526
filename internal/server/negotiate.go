package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/site"
)

var errorsIs = errors.Is

func itoa(n int) string { return strconv.Itoa(n) }

// pickLang is the site language the lang query parameter names (see
// queryLang), else the best match of Accept-Language, else the default
// language.
func (s *Server) pickLang(c echo.Context) (string, error) {
	sn := s.site()
	if lang, ok, err := queryLang(c, sn); ok || err != nil {
		return lang, err
	}
	// Without lang, the answer depends on Accept-Language.
	addVary(c.Response().Header(), "Accept-Language")
	if al := c.Request().Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			if lang, _, conf := sn.Match(tags...); conf != language.No {
				return lang, nil
			}
		}
	}
	return sn.Default(), nil
}

// maxLangParam bounds a lang parameter: real tags are far shorter.
const maxLangParam = 64

// queryLang reads the lang query parameter, which every route taking a
// language shares: ok is false when it is absent or empty. It is a BCP 47
// tag, case-insensitive, matched to the site's languages by the matcher
// Accept-Language uses (en-US and EN are en, ko-KR is ko). Where Accept-Language
// settles for any match, lang names one language, so only a sure match of the
// same base language counts: the matcher would otherwise answer fr, or zh-Hans
// for zh-hant, with a low-confidence guess.
func queryLang(c echo.Context, sn *site.Snapshot) (lang string, ok bool, err error) {
	q := queryParam(c, "lang")
	if q == "" {
		return "", false, nil
	}
	// A site language as it is written, the usual case, needs no parsing:
	// it is the sure match of itself.
	langs := sn.Languages()
	for _, l := range langs {
		if q == l {
			return l, true, nil
		}
	}
	tag, perr := language.Parse(q)
	if len(q) > maxLangParam || perr != nil {
		return "", true, invalidf("malformed lang %.64q: want a language tag such as %s", q, strings.Join(langs, " or "))
	}
	lang, stag, conf := sn.Match(tag)
	qbase, _ := tag.Base()
	sbase, _ := stag.Base()
	if conf < language.High || qbase != sbase {
		return "", true, invalidf("unknown lang %.64q: this site has %s", q, strings.Join(langs, ", "))
	}
	return lang, true, nil
}

// negotiateEncoding picks the stored form the client accepts best: brotli, then
// gzip, then identity, honouring q values (q=0 refuses). A coding named twice
// takes its last q. It reads the header in place: it runs on every request.
func negotiateEncoding(header string) repr.Encoding {
	if header == "" {
		return repr.Identity
	}
	type weight struct {
		q     float64
		named bool
	}
	var br, gz, star weight
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		w := weight{q: 1, named: true}
		for p := range strings.SplitSeq(params, ";") {
			k, val, ok := strings.Cut(p, "=")
			if ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					w.q = f
				}
			}
		}
		switch {
		case strings.EqualFold(name, "br"):
			br = w
		case strings.EqualFold(name, "gzip"):
			gz = w
		case name == "*":
			star = w
		}
	}
	q := func(w weight) float64 {
		if !w.named {
			w = star
		}
		return w.q // 0 when neither it nor * is named
	}
	brq, gzq := q(br), q(gz)
	switch {
	case brq > 0 && brq >= gzq:
		return repr.Brotli
	case gzq > 0:
		return repr.Gzip
	}
	return repr.Identity
}

// queryParam is c.QueryParam(name), the first value of name in the query,
// read from the raw query in place: echo's parses the whole query into a
// map, and the hot routes read one or two parameters. A value is unescaped
// only when it holds an escape; a pair url.ParseQuery would drop (a ';', a
// bad escape) is skipped as it is there.
func queryParam(c echo.Context, name string) string {
	raw := c.Request().URL.RawQuery
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, val, _ := strings.Cut(pair, "=")
		if key != name {
			if !strings.ContainsAny(key, "%+") {
				continue
			}
			if k, err := url.QueryUnescape(key); err != nil || k != name {
				continue
			}
		}
		if !strings.ContainsAny(val, "%+") {
			return val
		}
		if v, err := url.QueryUnescape(val); err == nil {
			return v
		}
	}
	return ""
}

// notModified applies If-None-Match (which wins when present), then
// If-Modified-Since. etag is the identity representation's tag; a tag of any
// of its representations matches (see repr.SameEntity).
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || repr.SameEntity(t, etag) {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !modified.Truncate(time.Second).After(t) {
			return true
		}
	}
	return false
}
