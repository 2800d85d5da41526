package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// handlePost serves a stored post payload as it was built at index time: a
// lookup and a write.
//
//	@Summary		A post
//	@Description	The post object in one language: the original page's keys first (slug, categorySlug, title, date, category, description, content), then html and the keys geul added. A language the post has no body in falls back to the default language's body; lang says which was served, and so does Content-Language. The payload, its ETag and its gzip form are built at index time; its br form is made on its first br request and kept.
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
	cat, slug, err := postParams(c)
	if err != nil {
		return err
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
	// The body is written before WithPost returns: it may be a buffer the
	// store reuses.
	err = s.store.WithPost(c.Request().Context(), cat+"/"+slug, lang, enc, func(p store.StoredPost) error {
		// Final when it is the form asked for: otherwise (no stored form
		// in that encoding) represent may still compress it, and it must
		// keep the bytes.
		final := p.Encoding == enc
		if !final {
			p.Body = slices.Clone(p.Body)
		}
		return s.writeStored(c, p, final)
	})
	if isNotFound(err) {
		return notFoundf("no post %s/%s", cat, slug)
	}
	return err
}

// postParams are the category and slug of a route under a post, checked
// against CONTENT.md's slug rule.
func postParams(c echo.Context) (cat, slug string, err error) {
	cat, slug = c.Param("category"), c.Param("slug")
	if !content.ValidSlug(cat) || !content.ValidSlug(slug) {
		return "", "", invalidf("malformed slug %q: slugs are lower-case ASCII letters, digits and '-'", cat+"/"+slug)
	}
	return cat, slug, nil
}

func isNotFound(err error) bool { return errorsIs(err, store.ErrNotFound) }

// writeStored writes stored bytes with their validators: the tag of the
// representation served (p.ETag is the identity one's). A final answer (the
// bytes in the form the client asked for) goes out as it is, past the
// represent middleware's buffer; an identity body that is not final is left
// to represent to compress. The fixed headers are shared slices, and those of
// the post are built once per representation (see storedHeaders): a hot post
// costs a lookup and a write.
func (s *Server) writeStored(c echo.Context, p store.StoredPost, final bool) error {
	res := c.Response()
	h := res.Header()
	sh := s.stored.headers(p)
	h["Etag"] = sh.tag
	h["Last-Modified"] = sh.lastModified
	h["Cache-Control"] = s.cacheControl
	h["Content-Language"] = sh.language
	if v, ok := varyStored[strings.Join(h["Vary"], ", ")]; ok {
		h["Vary"] = v
	} else {
		addVary(h, "Accept-Encoding", "Accept-Language")
	}
	if !final && p.Encoding == repr.Identity {
		// represent picks the representation, then answers a 304 with its tag.
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, p.Body)
	}
	if notModified(c.Request(), p.ETag, p.Modified) {
		passThrough(res)
		writeNotModified(res)
		return nil
	}
	passThrough(res)
	h["Content-Type"] = contentTypeJSON
	if p.Encoding != repr.Identity {
		h["Content-Encoding"] = sh.encoding
	}
	h["Content-Length"] = sh.length
	res.WriteHeader(http.StatusOK)
	_, _ = res.Write(p.Body) // a client that went away is no error of ours
	return nil
}

// contentTypeJSON is the Content-Type of a post, assigned as it is: headers
// set through Header.Set are canonicalised and allocated per request.
var contentTypeJSON = []string{echo.MIMEApplicationJSONCharsetUTF8}

// varyStored is the Vary of a post for each Vary it may arrive with (CORS
// names Origin; pickLang adds Accept-Language when lang is absent), so that
// the usual cases assign a shared line rather than build one.
var varyStored = func() map[string][]string {
	m := map[string][]string{}
	for _, in := range []string{"Origin", "Origin, Accept-Language", ""} {
		h := http.Header{}
		if in != "" {
			h.Set("Vary", in)
		}
		addVary(h, "Accept-Encoding", "Accept-Language")
		m[in] = h["Vary"]
	}
	return m
}()
