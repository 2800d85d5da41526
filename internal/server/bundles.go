package server

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/semaphore"

	"github.com/geul-dev/geul/internal/content"
)

// bundleCacheControl is the Cache-Control of bundle files. A file keeps its
// URL when its bytes change (diagram.png is edited in place), so it cannot be
// "immutable" for a year: a day fresh, then a week served stale while the
// cache revalidates with the ETag, which a changed file fails.
const bundleCacheControl = "public, max-age=86400, stale-while-revalidate=604800"

// bundleBytesInFlight bounds the bytes of bundle files held in memory by
// requests at once: a file is read whole from the index (up to
// content.MaxBundleFileSize), and many clients asking for big files at once
// must wait rather than exhaust memory.
var bundleBytesInFlight = semaphore.NewWeighted(64 << 20)

// handleBundleFile serves one file of a post's bundle from the index.
//
//	@Summary		A file of a post's bundle
//	@Description	An image or other file kept beside a bundle post (content/{category}/{slug}/index.{lang}.md), as the post's html and its files field link to it. Served with its Content-Type, a strong ETag (the SHA-256 of its bytes), Last-Modified (set like a post's from its date and the release clock when its bytes are indexed: the same in every build of the same content, moved forward when the bytes change, kept while they do not), Range requests and conditional requests; never compressed on the fly. Names are as in the folder, nested folders included (images/a.png); markdown sources, hidden names and names with . or .. segments are 404, encoded slashes or backslashes 400. A draft's files are 404.
//	@Tags			posts
//	@ID				getPostFile
//	@Produce		*/*
//	@Param			category	path		string	true	"category slug"
//	@Param			slug		path		string	true	"post slug within the category"
//	@Param			file		path		string	true	"the file's name in the post's folder, e.g. diagram.png"
//	@Success		200			{file}		file
//	@Failure		400			{object}	api.Problem	"malformed slug or file name"
//	@Failure		404			{object}	api.Problem	"no such post or file"
//	@Failure		412			{object}	api.Problem	"If-Match or If-Unmodified-Since does not hold"
//	@Failure		416			{object}	api.Problem	"Range malformed, or past the file's end"
//	@Router			/posts/{category}/{slug}/{file} [get]
func (s *Server) handleBundleFile(c echo.Context) error {
	req := c.Request()
	cat, slug, err := postParams(c)
	if err != nil {
		return err
	}
	name, err := bundleName(req.URL, "/posts/", cat, slug)
	if err != nil {
		return err
	}
	id := cat + "/" + slug
	ctx := req.Context()
	f, err := s.store.BundleFileInfo(ctx, id, name)
	if isNotFound(err) {
		return notFoundf("no file %q in post %s", name, id)
	}
	if err != nil {
		return err
	}
	etag := `"` + f.Hash + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set(echo.HeaderContentType, f.Type)
	h.Set("Cache-Control", bundleCacheControl)
	// Answered before the bytes are read: most requests of a cached image
	// are revalidations.
	if notModified(req, etag, f.Modified) {
		return c.NoContent(http.StatusNotModified)
	}
	if err := bundleBytesInFlight.Acquire(ctx, max(f.Size, 1)); err != nil {
		return err
	}
	defer bundleBytesInFlight.Release(max(f.Size, 1))
	data, err := s.store.BundleFileData(ctx, id, name, f.Hash)
	if isNotFound(err) {
		return notFoundf("no file %q in post %s", name, id)
	}
	if err != nil {
		return err
	}
	// ServeContent answers Range, If-Range and If-Match, and sets
	// Content-Length before it writes, which has the represent middleware
	// pass the bytes through as they are.
	return serveContent(c, "", f.Modified, bytes.NewReader(data))
}

// bundleName is the file name a request asks for, from the escaped path, so
// that an encoded slash cannot pass for a folder: malformed names are 400,
// names that cannot be a bundle file 404.
func bundleName(u *url.URL, route, cat, slug string) (string, error) {
	rest, ok := strings.CutPrefix(u.EscapedPath(), route+cat+"/"+slug+"/")
	if !ok {
		return "", notFoundf("no such file")
	}
	lower := strings.ToLower(rest)
	for _, bad := range []string{"%2f", "%5c", "%00", "\\"} {
		if strings.Contains(lower, bad) {
			return "", invalidf("malformed file name %q: no encoded slashes, backslashes or NUL", rest)
		}
	}
	name, err := url.PathUnescape(rest)
	if err != nil {
		return "", invalidf("malformed file name %q: %v", rest, err)
	}
	if _, _, ok := content.BundleFileOf(cat + "/" + slug + "/" + name); !ok {
		return "", notFoundf("no file %q in post %s/%s", name, cat, slug)
	}
	return name, nil
}
