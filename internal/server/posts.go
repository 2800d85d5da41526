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
//
//	@Summary		A post
//	@Description	The post object in one language: the original page's keys first (slug, categorySlug, title, date, category, description, content), then html and the keys geul added. A language the post has no body in falls back to the default language's body; lang says which was served, and so does Content-Language. The payload, its ETag and its gzip and br forms are built at index time.
//	@Tags			posts
//	@ID				getPost
//	@Produce		json
//	@Param			category		path		string	true	"category slug"
//	@Param			slug			path		string	true	"post slug within the category"
//	@Param			lang			query		string	false	"a site language (default: Accept-Language, else the site's default)"
//	@Param			fields			query		string	false	"comma-separated keys of the post object to keep; slug is always kept"
//	@Param			Accept-Language	header		string	false	"picks the language when lang is absent, e.g. en-US,en;q=0.9,ko;q=0.8"
//	@Success		200				{object}	api.PostResponse
//	@Header			200				{string}	Content-Language	"the language of the body served"
//	@Failure		400				{object}	api.Problem	"malformed slug, unknown lang or unknown field"
//	@Failure		404				{object}	api.Problem	"no such post"
//	@Router			/posts/{category}/{slug} [get]
func (s *Server) handlePost(c echo.Context) error {
	cat, slug := c.Param("category"), c.Param("slug")
	if !slugPattern.MatchString(cat) || !slugPattern.MatchString(slug) {
		return invalidf("malformed slug %q: slugs are lower-case ASCII letters, digits and '-'", cat+"/"+slug)
	}
	lang, err := s.pickLang(c)
	if err != nil {
		return err
	}
	if keep, err := parseFields(c, postKeys); err != nil || keep != nil {
		if err != nil {
			return err
		}
		return s.writePostFields(c, cat+"/"+slug, lang, keep)
	}
	enc := negotiateEncoding(c.Request().Header.Get("Accept-Encoding"))
	p, err := s.store.Post(c.Request().Context(), cat+"/"+slug, lang, enc)
	if err != nil {
		if isNotFound(err) {
			return notFoundf("no post %s/%s", cat, slug)
		}
		return err
	}
	return s.writeStored(c, p)
}

func isNotFound(err error) bool { return errorsIs(err, store.ErrNotFound) }

// writeStored writes stored bytes with their validators: the tag of the
// representation served (p.ETag is the identity one's).
func (s *Server) writeStored(c echo.Context, p store.StoredPost) error {
	h := c.Response().Header()
	h.Set("ETag", store.ETagFor(p.ETag, p.Encoding))
	h.Set("Last-Modified", p.Modified.Format(http.TimeFormat))
	h.Set("Cache-Control", s.cfg.CacheControl)
	h.Set("Content-Language", p.Lang)
	addVary(h, "Accept-Encoding", "Accept-Language")
	if notModified(c.Request(), p.ETag, p.Modified) {
		return c.NoContent(http.StatusNotModified)
	}
	if p.Encoding != store.Identity {
		// Compressed at index time. Content-Length marks the bytes as final:
		// the represent middleware passes them through as stored.
		h.Set("Content-Encoding", string(p.Encoding))
		h.Set("Content-Length", itoa(len(p.Body)))
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, p.Body)
}
