package server

// The feeds and the sitemap are rendered by internal/feeds; the server picks
// their links and caches what it renders.
//
// The base URL of their links is, first found:
//
//  1. Config.BaseURL: `geul serve --base-url` or GEUL_BASE_URL;
//  2. site.yaml's baseURL, from the site snapshot Publish hands over;
//  3. the request's scheme and Host, as a last resort for development, when
//     the Host names the address the request came in on (else that
//     address): a proxy or a mistyped Host header changes every link, so set
//     one of the above in production.
//
// A post's public URL is Config.PostURL (--post-url, GEUL_POST_URL), a
// category's Config.CategoryURL (--category-url, GEUL_CATEGORY_URL): see
// feeds.ParsePostURL and feeds.ParseCategoryURL.
//
// A feed is built from the store on the first request after the index moved
// to a new generation, and kept as bytes per (kind, language, base URL): every
// other request is a map lookup.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geul-dev/geul/internal/feeds"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"

	"github.com/labstack/echo/v4"
)

// maxFeedEntries and maxFeedBytes bound the rendered feeds and sitemaps
// kept; past either the cache starts over. Documents are per kind, language
// and base URL, and a base URL from a request is one of this server's own
// addresses (see requestBase), so a real site stays far below both.
const (
	maxFeedEntries = 512
	maxFeedBytes   = 64 << 20
)

// feedCache is the server's feed state: link settings, the site's settings and
// the rendered documents.
type feedCache struct {
	base         string // from Config.BaseURL, normalized; "" when unset
	post, cat    feeds.Template
	sitemapLimit int // URLs per sitemap file

	site atomic.Pointer[siteInfo]

	mu       sync.Mutex
	cache    map[feedKey]*feedEntry
	bytes    int    // sizes of the built entries
	maxBytes int    // maxFeedBytes; lower in tests
	gen      int64  // newest generation cached
	ver      uint64 // newest site version cached
}

// siteInfo is what the feeds take from the site snapshot (see setSite).
type siteInfo struct {
	version uint64
	langs   []string
	base    string // normalized; "" when absent or unusable
	site    feeds.Site
}

type feedKey struct {
	kind, lang, base string
	gen              int64
	site             uint64
}

// feedEntry is a document being built or built. done closes when val or err
// is set.
type feedEntry struct {
	done chan struct{}
	val  any
	err  error
	size int // bytes held, once built
}

// sized is a cached document that knows the bytes it holds.
type sized interface{ size() int }

func (d *feedDoc) size() int { return len(d.body) + len(d.etag) }

// feedDoc is a rendered document with its ETag: a feed, a sitemap file, a
// stylesheet.
type feedDoc struct {
	body []byte
	etag string
}

// CheckLinks reports whether cfg's base URL and link templates are usable,
// for the command line to refuse them before serving.
func CheckLinks(cfg Config) error {
	if cfg.BaseURL != "" {
		if _, err := feeds.NormalizeBase(cfg.BaseURL); err != nil {
			return err
		}
	}
	if _, err := feeds.ParsePostURL(cfg.PostURL); err != nil {
		return err
	}
	_, err := feeds.ParseCategoryURL(cfg.CategoryURL)
	return err
}

// initFeeds reads the link settings of s.cfg. The command line checks them
// with CheckLinks first; a server given bad ones anyway logs and uses the
// defaults.
func (s *Server) initFeeds() {
	f := &s.feeds
	f.cache = map[feedKey]*feedEntry{}
	f.maxBytes = maxFeedBytes
	f.sitemapLimit = feeds.SitemapMaxURLs
	var err error
	if s.cfg.BaseURL != "" {
		if f.base, err = feeds.NormalizeBase(s.cfg.BaseURL); err != nil {
			s.log.Error("base URL ignored", "err", err)
		}
	}
	if f.post, err = feeds.ParsePostURL(s.cfg.PostURL); err != nil {
		s.log.Error("post URL template ignored", "err", err)
		f.post, _ = feeds.ParsePostURL("")
	}
	if f.cat, err = feeds.ParseCategoryURL(s.cfg.CategoryURL); err != nil {
		s.log.Error("category URL template ignored", "err", err)
		f.cat, _ = feeds.ParseCategoryURL("")
	}
	f.site.Store(&siteInfo{site: feeds.Site{Title: map[string]string{}, Description: map[string]string{}}})
}

// setSite takes from snap the site's languages, and from site.yaml its base
// URL ("" when it has none), title and description per language. A change
// of any moves the site version, so feeds built before are dropped.
func (f *feedCache) setSite(snap *site.Snapshot, log *slog.Logger) {
	settings := snap.Settings()
	si := &siteInfo{langs: slices.Clone(snap.Languages()), site: feeds.Site{Title: maps.Clone(settings.Title), Description: maps.Clone(settings.Description)}}
	if si.site.Title == nil {
		si.site.Title = map[string]string{}
	}
	if si.site.Description == nil {
		si.site.Description = map[string]string{}
	}
	if settings.BaseURL != "" {
		b, err := feeds.NormalizeBase(settings.BaseURL)
		if err != nil {
			log.Warn("site.yaml baseURL ignored", "err", err)
		}
		si.base = b
	}
	old := f.site.Load()
	if slices.Equal(old.langs, si.langs) && old.base == si.base && maps.Equal(old.site.Title, si.site.Title) &&
		maps.Equal(old.site.Description, si.site.Description) {
		return
	}
	si.version = old.version + 1
	f.site.Store(si)
}

// baseFor is the base URL of a request: configured, else site.yaml's, else
// the request's own scheme and host if it names this server (see
// requestBase).
func (s *Server) baseFor(c echo.Context, si *siteInfo) string {
	if s.feeds.base != "" {
		return s.feeds.base
	}
	if si.base != "" {
		return si.base
	}
	return requestBase(c)
}

// requestOrigin is the scheme and host the request was sent to, for links
// that go back to geul itself (pagination); a Host that is not a plain name
// or address is taken as localhost. It is never cached.
func requestOrigin(c echo.Context) string {
	host := strings.ToLower(c.Request().Host)
	if !validHost(host) {
		host = "localhost"
	}
	scheme := "http"
	if c.Scheme() == "https" {
		scheme = "https"
	}
	return scheme + "://" + host
}

// validHost accepts a host[:port] of plain name or IP characters only, so a
// forged Host header cannot put markup or another path into links.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// feedLang is the site language the lang query parameter names (see
// queryLang), else the default language. Accept-Language is not consulted: a
// feed's URL names one document, which feed readers and caches keep as it is.
func (s *Server) feedLang(c echo.Context) (string, error) {
	sn := s.site()
	if lang, ok, err := queryLang(c, sn); ok || err != nil {
		return lang, err
	}
	return sn.Default(), nil
}

// cached returns the document of key, building it on the first request for
// key: the key holds the generation and the site settings' version, so a
// change of either builds anew. Concurrent requests for the same document
// wait for one build.
func (f *feedCache) cached(ctx context.Context, key feedKey, timeout time.Duration, build func(context.Context) (any, error)) (any, error) {
	f.mu.Lock()
	e, ok := f.cache[key]
	if !ok {
		e = &feedEntry{done: make(chan struct{})}
		f.admit(key, e)
	}
	f.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			return e.val, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// Built apart from this request's cancellation: others may be waiting.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	func() {
		defer func() {
			if r := recover(); r != nil {
				e.err = fmt.Errorf("build %s: panic: %v", key.kind, r)
			}
			close(e.done)
		}()
		e.val, e.err = build(bctx)
	}()
	var ce *Error
	f.mu.Lock()
	defer f.mu.Unlock()
	if e.err != nil && !errors.As(e.err, &ce) {
		// A failure of ours is not kept: the next request tries again.
		if f.cache[key] == e {
			delete(f.cache, key)
		}
	} else if v, ok := e.val.(sized); ok && f.cache[key] == e {
		e.size = v.size()
		f.bytes += e.size
		if f.bytes > f.maxBytes {
			f.reset()
			f.cache[key] = e
			f.bytes = e.size
		}
	}
	return e.val, e.err
}

// reset empties the cache. Called with f.mu held.
func (f *feedCache) reset() {
	clear(f.cache)
	f.bytes = 0
}

// admit adds an entry, first dropping what a newer generation or site
// version made stale. Called with f.mu held.
func (f *feedCache) admit(key feedKey, e *feedEntry) {
	if key.gen > f.gen || key.site > f.ver {
		f.gen, f.ver = max(f.gen, key.gen), max(f.ver, key.site)
		for k, old := range f.cache {
			if k.gen < f.gen || k.site < f.ver {
				f.bytes -= old.size
				delete(f.cache, k)
			}
		}
	}
	if len(f.cache) >= maxFeedEntries {
		f.reset()
	}
	f.cache[key] = e
}

// document returns the cached document kind for this request, building it
// with build when needed.
func (s *Server) document(c echo.Context, kind, lang string, build func(context.Context, feeds.Doc) (any, error)) (any, error) {
	ctx := c.Request().Context()
	si := s.feeds.site.Load()
	base := s.baseFor(c, si)
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	key := feedKey{kind: kind, lang: lang, base: base, gen: gen, site: si.version}
	r := feeds.Doc{Lang: lang, Langs: s.languages(), Site: si.site, Links: feeds.Links{Base: base, Post: s.feeds.post, Category: s.feeds.cat}}
	return s.feeds.cached(ctx, key, s.cfg.RequestTimeout, func(ctx context.Context) (any, error) {
		return build(ctx, r)
	})
}

// serveFeed answers with the feed kind in the requested language, rendered
// by render from the newest posts.
func (s *Server) serveFeed(c echo.Context, kind, contentType string, render func(feeds.Doc, []store.FeedPost) ([]byte, error)) error {
	lang, err := s.feedLang(c)
	if err != nil {
		return err
	}
	v, err := s.document(c, kind, lang, func(ctx context.Context, d feeds.Doc) (any, error) {
		f, err := s.store.Feed(ctx, d.Lang, feeds.Size)
		if err != nil {
			return nil, err
		}
		body, err := render(d, f.Posts)
		if err != nil {
			return nil, err
		}
		return &feedDoc{body: body, etag: repr.ETag(body)}, nil
	})
	if err != nil {
		return err
	}
	doc := v.(*feedDoc)
	c.Response().Header().Set("Content-Language", lang)
	return writeDoc(c, contentType, doc)
}

// writeDoc writes a rendered document; the represent middleware adds
// Last-Modified, answers conditional requests and compresses.
func writeDoc(c echo.Context, contentType string, doc *feedDoc) error {
	c.Response().Header().Set("ETag", doc.etag)
	return c.Blob(http.StatusOK, contentType, doc.body)
}

// handleRSS serves the RSS feed.
//
//	@Summary		RSS 2.0 feed
//	@Description	The newest 20 posts that have a body in the language, newest first, with their full HTML (content:encoded) and absolute links to the public site. Drafts never appear. Built once per index generation.
//	@Tags			feeds
//	@ID				getFeedRSS
//	@Produce		application/rss+xml
//	@Param			lang	query		string	false	"a site language (default: the site's default language)"
//	@Success		200		{string}	string	"RSS 2.0 document"
//	@Failure		400		{object}	api.Problem
//	@Router			/feed.xml [get]
func (s *Server) handleRSS(c echo.Context) error {
	return s.serveFeed(c, "rss", feeds.MIMERSS, feeds.RSS)
}

// handleAtom serves the Atom feed.
//
//	@Summary		Atom 1.0 feed
//	@Description	The newest 20 posts that have a body in the language, newest first, with their full HTML and absolute links to the public site; xml:lang names the language. Drafts never appear.
//	@Tags			feeds
//	@ID				getFeedAtom
//	@Produce		application/atom+xml
//	@Param			lang	query		string	false	"a site language (default: the site's default language)"
//	@Success		200		{string}	string	"Atom 1.0 document"
//	@Failure		400		{object}	api.Problem
//	@Router			/atom.xml [get]
func (s *Server) handleAtom(c echo.Context) error {
	return s.serveFeed(c, "atom", feeds.MIMEAtom, feeds.Atom)
}

// handleJSONFeed serves the JSON Feed.
//
//	@Summary		JSON Feed 1.1
//	@Description	The newest 20 posts that have a body in the language, newest first, with their full HTML (content_html) and absolute links to the public site. Drafts never appear. Served as application/feed+json.
//	@Tags			feeds
//	@ID				getFeedJSON
//	@Produce		application/feed+json
//	@Param			lang	query		string	false	"a site language (default: the site's default language)"
//	@Success		200		{object}	api.JSONFeed
//	@Failure		400		{object}	api.Problem
//	@Router			/feed.json [get]
func (s *Server) handleJSONFeed(c echo.Context) error {
	return s.serveFeed(c, "json", feeds.MIMEJSON, feeds.JSONFeed)
}
