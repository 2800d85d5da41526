package server

import (
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/store"
)

// slugPattern is what CONTENT.md allows in a category or slug.
var slugPattern = regexp.MustCompile(`^[a-z0-9-]{1,200}$`)

// handlePost serves a stored post payload as it was built at index time: a
// lookup and a write.
func (s *Server) handlePost(c echo.Context) error {
	cat, slug := c.Param("category"), c.Param("slug")
	if !slugPattern.MatchString(cat) || !slugPattern.MatchString(slug) {
		return invalidf("malformed slug %q: slugs are lower-case ASCII letters, digits and '-'", cat+"/"+slug)
	}
	lang, err := s.pickLang(c)
	if err != nil {
		return err
	}
	enc := negotiateEncoding(c.Request().Header.Get("Accept-Encoding"))
	p, err := s.store.Post(c.Request().Context(), cat+"/"+slug, lang, enc)
	if err != nil {
		if isNotFound(err) {
			return notFoundf("no post %s/%s", cat, slug)
		}
		return err
	}
	return s.writeStored(c, p, lang)
}

func isNotFound(err error) bool { return errorsIs(err, store.ErrNotFound) }

// writeStored writes stored bytes with their validators.
func (s *Server) writeStored(c echo.Context, p store.StoredPost, lang string) error {
	h := c.Response().Header()
	h.Set("ETag", p.ETag)
	h.Set("Last-Modified", p.Modified.Format(http.TimeFormat))
	h.Set("Cache-Control", s.cfg.CacheControl)
	h.Set("Content-Language", lang)
	h.Set("Vary", "Accept-Encoding, Accept-Language")
	if notModified(c.Request(), p.ETag, p.Modified) {
		return c.NoContent(http.StatusNotModified)
	}
	if p.Encoding != store.Identity {
		h.Set("Content-Encoding", string(p.Encoding))
	}
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSONCharsetUTF8)
	if c.Request().Method == http.MethodHead {
		h.Set("Content-Length", itoa(len(p.Body)))
		c.Response().WriteHeader(http.StatusOK)
		return nil
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, p.Body)
}
