package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"

	"github.com/geul-dev/geul/internal/store"
)

var errorsIs = errors.Is

func itoa(n int) string { return strconv.Itoa(n) }

// pickLang is the lang query parameter when given (it must be a site language),
// else the best match of Accept-Language, else the default language.
func (s *Server) pickLang(c echo.Context) (string, error) {
	sl := s.langs.Load()
	langs := sl.list
	if q := c.QueryParam("lang"); q != "" || c.QueryParams().Has("lang") {
		for _, l := range langs {
			if q == l {
				return l, nil
			}
		}
		return "", invalidf("unknown lang %q: this site has %s", q, strings.Join(langs, ", "))
	}
	// Without lang, the answer depends on Accept-Language.
	addVary(c.Response().Header(), "Accept-Language")
	if al := c.Request().Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, idx, conf := sl.matcher.Match(tags...)
			if conf != language.No {
				return langs[idx], nil
			}
		}
	}
	return langs[0], nil
}

// negotiateEncoding picks the stored form the client accepts best: brotli, then
// gzip, then identity, honouring q values (q=0 refuses).
func negotiateEncoding(header string) store.Encoding {
	if header == "" {
		return store.Identity
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
		return store.Brotli
	case gz > 0:
		return store.Gzip
	}
	return store.Identity
}

// notModified applies If-None-Match (which wins when present), then
// If-Modified-Since.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
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
