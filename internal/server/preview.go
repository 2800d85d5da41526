package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// previewPath is an author's view of one post as a page, drafts included.
const previewPath = "/preview/:category/:slug"

// handlePreview shows a post file as a plain HTML page for its author: the
// title, the rendered html with its images and the code stylesheet. Drafts
// are shown here and nowhere else. The page listens on /events and reloads
// itself when what it shows changes, as `hugo server` does.
//
// It reads the post's file as last indexed, not its payload: a draft has no
// payload. Its html is the file's own rendering, links as written; the
// page's <base> resolves them to handlePreviewFile. This is an author's
// tool, not a hot path.
//
//	@Summary		An author's preview of a post
//	@Description	The post file in lang (else in the site's other languages) as a plain HTML page: title, the rendered html with its images, /highlight.css. Drafts are shown here and nowhere else. The page listens on /events and reloads itself when the file changes. With GEUL_ADMIN_TOKEN set it asks for the token, as the password of HTTP Basic (a browser prompts) or as a bearer token.
//	@Tags			posts
//	@ID				getPreview
//	@Produce		html
//	@Security		BearerAuth
//	@Param			category	path		string	true	"category slug"
//	@Param			slug		path		string	true	"post slug within the category"
//	@Param			lang		query		string	false	"a site language (default: Accept-Language, else the site's default)"
//	@Success		200			{string}	string	"the page"
//	@Failure		400			{object}	api.Problem	"malformed slug or unknown lang"
//	@Failure		401			{object}	api.Problem	"the admin token is set and was not sent"
//	@Failure		404			{object}	api.Problem	"no file of this post"
//	@Router			/preview/{category}/{slug} [get]
func (s *Server) handlePreview(c echo.Context) error {
	cat, slug, err := postParams(c)
	if err != nil {
		return err
	}
	lang, err := s.pickLang(c)
	if err != nil {
		return err
	}
	rec, err := s.previewFile(c.Request().Context(), cat, slug, lang)
	if err != nil {
		return err
	}
	var meta struct {
		Lang, Date string
		Title      map[string]string
		Draft      bool
	}
	if err := json.Unmarshal(rec.Meta, &meta); err != nil {
		return err
	}
	title := meta.Title[lang]
	if title == "" {
		title = meta.Title[meta.Lang]
	}
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	page := previewPage{
		Lang: meta.Lang, Title: title, Date: meta.Date, Draft: meta.Draft, Path: rec.Path,
		Base:  "/preview/" + cat + "/" + slug + "/",
		HTML:  template.HTML(rec.HTML), // rendered by geul at index time
		Nonce: hex.EncodeToString(nonce),
	}
	// The ETag covers what the page shows, not its nonce, so the page can ask
	// whether it changed.
	etag := repr.ETag([]byte(rec.Path + "\x00" + rec.Hash + "\x00" + rec.HTML + "\x00" + title))
	modified := time.Unix(0, rec.MTime).UTC()
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", modified.Format(http.TimeFormat))
	h.Set("Cache-Control", "no-cache, private")
	h.Set("Content-Language", meta.Lang)
	addVary(h, "Accept-Language")
	if notModified(c.Request(), etag, modified) {
		return c.NoContent(http.StatusNotModified)
	}
	// Its own policy: the page shows the post's images and the stylesheet,
	// and runs only its own script.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' https: data:; media-src 'self' https:; "+
		"style-src 'self' 'nonce-"+page.Nonce+"'; script-src 'nonce-"+page.Nonce+"'; connect-src 'self'; frame-ancestors 'none'")
	page.ETag = etag
	var b bytes.Buffer
	if err := previewTemplate.Execute(&b, page); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// handlePreviewFile serves a file beside a post from the content folder, for
// the preview page, whose relative links resolve here (its <base>): an
// author sees a draft's images, which the index does not keep, and a file
// the moment it is saved. Unlike the rest of the server it reads the content
// folder, through an os.Root, so neither ".." nor a symlink leads out of the
// post's folder.
//
//	@Summary		A file beside a post, for its preview
//	@Description	A file of the post's folder in the content folder, as the preview page links it: drafts' files included, read from disk, never cached. Names as for GET /posts/{category}/{slug}/{file}. 404 on a server without a content folder.
//	@Tags			posts
//	@ID				getPreviewFile
//	@Produce		*/*
//	@Security		BearerAuth
//	@x-uncached		true
//	@Param			category	path		string	true	"category slug"
//	@Param			slug		path		string	true	"post slug within the category"
//	@Param			file		path		string	true	"the file's name in the post's folder, e.g. diagram.png"
//	@Success		200			{file}		file
//	@Failure		400			{object}	api.Problem	"malformed slug or file name"
//	@Failure		401			{object}	api.Problem	"the admin token is set and was not sent"
//	@Failure		404			{object}	api.Problem	"no such file"
//	@Router			/preview/{category}/{slug}/{file} [get]
func (s *Server) handlePreviewFile(c echo.Context) error {
	cat, slug, err := postParams(c)
	if err != nil {
		return err
	}
	name, err := bundleName(c.Request().URL, "/preview/", cat, slug)
	if err != nil {
		return err
	}
	if s.cfg.ContentDir == "" {
		return notFoundf("no content folder here: the preview's files are read from one")
	}
	root, err := os.OpenRoot(filepath.Join(s.cfg.ContentDir, cat, slug))
	if err != nil {
		return notFoundf("no folder for post %s/%s", cat, slug)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return notFoundf("no file %q beside post %s/%s", name, cat, slug)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return notFoundf("no file %q beside post %s/%s", name, cat, slug)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return serveContent(c, name, fi.ModTime(), f)
}

// previewFile finds the file of the post in lang, else in the site's other
// languages in order: the page shows what the author wrote, never a fallback
// body under another language's name.
func (s *Server) previewFile(ctx context.Context, cat, slug, lang string) (store.FileRecord, error) {
	for _, l := range s.site().Fallbacks(lang) {
		for _, p := range []string{cat + "/" + slug + "." + l + ".md", cat + "/" + slug + "/index." + l + ".md"} {
			rec, err := s.store.FileRecord(ctx, p)
			if err == nil && rec.Kind == "post" && rec.HTML != "" {
				return rec, nil
			}
			if err != nil && !isNotFound(err) {
				return rec, err
			}
		}
	}
	return store.FileRecord{}, notFoundf("no post file for %s/%s", cat, slug)
}

// previewAuth asks for the admin token when one is set, as a browser can
// send it: HTTP Basic with the token as the password (any user name), or a
// bearer token. Failures count against the address as admin's do.
func (s *Server) previewAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.guard == nil {
			return next(c)
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		ip, now := s.clientIP(c), time.Now()
		if wait, ok := s.guard.blocked(ip, now); ok {
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return &Error{Code: ETooMany, Message: "too many failed authentications from this address; retry later"}
		}
		token := ""
		if _, pass, ok := c.Request().BasicAuth(); ok {
			token = pass
		} else if scheme, t, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " "); strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(t)
		}
		if token == "" || !s.guard.match(token) {
			if token != "" {
				s.guard.fail(ip, now)
			}
			h.Set(echo.HeaderWWWAuthenticate, `Basic realm="geul preview", charset="UTF-8"`)
			return &Error{Code: EUnauthorized, Message: "the preview needs the admin token: as the password of HTTP Basic, or Authorization: Bearer <token>"}
		}
		s.guard.succeed(ip)
		return next(c)
	}
}

type previewPage struct {
	Lang, Title, Date, Path, Nonce, ETag string
	Base                                 string // the post's folder under /preview/
	Draft                                bool
	HTML                                 template.HTML
}

// previewTemplate is the author's page. Its script asks the page's own URL
// with If-None-Match after every index run that /events announces, and
// reloads when the answer is no longer 304.
var previewTemplate = template.Must(template.New("preview").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · preview</title>
<base href="{{.Base}}">
<link rel="stylesheet" href="/highlight.css">
<style nonce="{{.Nonce}}">
body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; font: 17px/1.7 system-ui, sans-serif; }
img, video { max-width: 100%; height: auto; }
pre { padding: 1rem; overflow: auto; border-radius: 6px; }
table { border-collapse: collapse; } td, th { border: 1px solid #8884; padding: .2rem .5rem; }
.meta { color: #777; font-size: .9rem; } .draft { background: #fd3; color: #000; padding: 0 .4rem; }
</style>
</head>
<body>
<p class="meta">{{.Path}}{{with .Date}} · {{.}}{{end}}{{if .Draft}} · <span class="draft">draft</span>{{end}}</p>
<h1>{{.Title}}</h1>
<article>
{{.HTML}}
</article>
<script nonce="{{.Nonce}}">
(function () {
  var etag = {{.ETag}}, busy = false;
  function check() {
    if (busy) return;
    busy = true;
    fetch(location.href, { headers: { "If-None-Match": etag }, cache: "no-store" })
      .then(function (r) { if (r.status === 200) location.reload(); })
      .finally(function () { busy = false; });
  }
  var es = new EventSource("/events");
  es.addEventListener("run", check);
  es.addEventListener("generation", check);
})();
</script>
</body>
</html>
`))
