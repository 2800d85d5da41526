package server

import (
	"errors"
	"net/http"
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
	q := c.QueryParam("lang")
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
// gzip, then identity, honouring q values (q=0 refuses).
func negotiateEncoding(header string) repr.Encoding {
	if header == "" {
		return repr.Identity
	}
	q := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		v := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					v = f
				}
			}
		}
		q[name] = v
	}
	get := func(name string) float64 {
		if v, ok := q[name]; ok {
			return v
		}
		if v, ok := q["*"]; ok {
			return v
		}
		return 0
	}
	br, gz := get("br"), get("gzip")
	switch {
	case br > 0 && br >= gz:
		return repr.Brotli
	case gz > 0:
		return repr.Gzip
	}
	return repr.Identity
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
