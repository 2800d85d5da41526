package server

// Feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) and the sitemap link to the public
// site, not to this API, so they need the site's address and the shape of its
// pages.
//
// The base URL is, first found:
//
//  1. Config.BaseURL: `geul serve --base-url` or GEUL_BASE_URL;
//  2. site.yaml's baseURL, handed over by SetSite after every index run;
//  3. the request's scheme and Host, as a last resort for development, when
//     the Host names the address the request came in on (else that
//     address): a proxy or a mistyped Host header changes every link, so set
//     one of the above in production.
//
// A post's public URL is Config.PostURL (--post-url, GEUL_POST_URL) with
// {base}, {lang}, {slug} (the post's slug as the API gives it:
// category/name), {category} and {name} filled in; DefaultPostURL when unset.
// A category's is Config.CategoryURL (--category-url, GEUL_CATEGORY_URL) with
// {base}, {lang} and {category}; DefaultCategoryURL when unset. A template
// without {lang} means one page serves every language: the sitemap then lists
// it once, without alternates.
//
// The feeds' own self links are {base}/feed.xml, {base}/atom.xml and
// {base}/feed.json with ?lang=: the feeds and the sitemap are meant to be
// published under the site's address (a search engine takes only the URLs of
// a sitemap's own host), the frontend passing these paths through to geul.
//
// A feed is built from the store on the first request after the index moved
// to a new generation, and kept as bytes per (kind, language, base URL): every
// other request is a map lookup.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/geul-dev/geul/internal/store"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
)

// The default link templates follow the original blog's page address,
// /blog/cs/multiprocessing-and-multithreading-in-python, with the language as
// a query parameter.
const (
	DefaultPostURL     = "{base}/blog/{slug}?lang={lang}"
	DefaultCategoryURL = "{base}/blog/{category}?lang={lang}"
)

// feedSize is the number of posts a feed carries.
const feedSize = 20

// maxFeedEntries and maxFeedBytes bound the rendered feeds and sitemaps
// kept; past either the cache starts over. Documents are per kind, language
// and base URL, and a base URL from a request is one of this server's own
// addresses (see requestBase), so a real site stays far below both.
const (
	maxFeedEntries = 512
	maxFeedBytes   = 64 << 20
)

// Content types of the feeds and the sitemap.
const (
	mimeRSS     = "application/rss+xml; charset=utf-8"
	mimeAtom    = "application/atom+xml; charset=utf-8"
	mimeJSON    = "application/feed+json; charset=utf-8"
	mimeSitemap = "application/xml; charset=utf-8"
)

// feeds is the server's feed state: link settings, the site's settings and
// the rendered documents.
type feeds struct {
	base         string // from Config.BaseURL, normalized; "" when unset
	post, cat    urlTemplate
	sitemapLimit int // URLs per sitemap file

	site atomic.Pointer[siteInfo]

	mu       sync.Mutex
	cache    map[feedKey]*feedEntry
	bytes    int    // sizes of the built entries
	maxBytes int    // maxFeedBytes; lower in tests
	gen      int64  // newest generation cached
	ver      uint64 // newest site version cached
}

// siteInfo is what SetSite hands over from site.yaml.
type siteInfo struct {
	version     uint64
	langs       []string
	base        string // normalized; "" when absent or unusable
	title       map[string]string
	description map[string]string
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
		if _, err := normalizeBase(cfg.BaseURL); err != nil {
			return err
		}
	}
	if _, err := parsePostURL(cfg.PostURL); err != nil {
		return err
	}
	_, err := parseCategoryURL(cfg.CategoryURL)
	return err
}

// initFeeds reads the link settings of s.cfg. The command line checks them
// with CheckLinks first; a server given bad ones anyway logs and uses the
// defaults.
func (s *Server) initFeeds() {
	f := &s.feeds
	f.cache = map[feedKey]*feedEntry{}
	f.maxBytes = maxFeedBytes
	f.sitemapLimit = sitemapMaxURLs
	var err error
	if s.cfg.BaseURL != "" {
		if f.base, err = normalizeBase(s.cfg.BaseURL); err != nil {
			s.log.Error("base URL ignored", "err", err)
		}
	}
	if f.post, err = parsePostURL(s.cfg.PostURL); err != nil {
		s.log.Error("post URL template ignored", "err", err)
		f.post, _ = parsePostURL("")
	}
	if f.cat, err = parseCategoryURL(s.cfg.CategoryURL); err != nil {
		s.log.Error("category URL template ignored", "err", err)
		f.cat, _ = parseCategoryURL("")
	}
	f.site.Store(&siteInfo{title: map[string]string{}, description: map[string]string{}})
}

// SetSite sets the site's languages (the first is the default, as
// SetLanguages), and from site.yaml its base URL ("" when it has none), title
// and description per language. Call it after every index run; feeds built
// with other settings are dropped.
func (s *Server) SetSite(langs []string, site content.Site) {
	s.SetLanguages(langs)
	si := &siteInfo{langs: slices.Clone(langs), title: maps.Clone(site.Title), description: maps.Clone(site.Description)}
	if si.title == nil {
		si.title = map[string]string{}
	}
	if si.description == nil {
		si.description = map[string]string{}
	}
	if site.BaseURL != "" {
		b, err := normalizeBase(site.BaseURL)
		if err != nil {
			s.log.Warn("site.yaml baseURL ignored", "err", err)
		}
		si.base = b
	}
	old := s.feeds.site.Load()
	if slices.Equal(old.langs, si.langs) && old.base == si.base && maps.Equal(old.title, si.title) &&
		maps.Equal(old.description, si.description) {
		return
	}
	si.version = old.version + 1
	s.feeds.site.Store(si)
}

// LoadSite hands site.yaml's settings, as the index last read them, to
// SetSite with the languages SetLanguages set. Call it after every index run,
// after SetLanguages; a failure is logged and leaves the settings as they
// were.
func (s *Server) LoadSite(ctx context.Context) {
	raw, err := s.store.SiteMeta(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "site settings not loaded", "err", err)
		return
	}
	var site content.Site
	if raw != nil {
		if err := json.Unmarshal(raw, &site); err != nil {
			s.log.ErrorContext(ctx, "site settings not loaded", "err", fmt.Errorf("site meta: %w", err))
			return
		}
	}
	s.SetSite(s.languages(), site)
}

// normalizeBase checks an absolute http(s) URL without query or fragment and
// drops its trailing slashes.
func normalizeBase(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("base URL %q: want http:// or https://, a host and an optional path, no query or fragment", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// urlTemplate is a link pattern such as "{base}/blog/{slug}?lang={lang}".
type urlTemplate struct {
	parts []tplPart
	uses  map[string]bool
}

// tplPart is literal text, or a placeholder when name is set.
type tplPart struct{ lit, name string }

func parsePostURL(raw string) (urlTemplate, error) {
	if raw == "" {
		raw = DefaultPostURL
	}
	t, err := parseURLTemplate("post URL", raw, "base", "lang", "slug", "category", "name")
	if err == nil && !t.uses["slug"] && !t.uses["name"] {
		err = fmt.Errorf("post URL %q: it needs {slug}, or {category} and {name}", raw)
	}
	return t, err
}

func parseCategoryURL(raw string) (urlTemplate, error) {
	if raw == "" {
		raw = DefaultCategoryURL
	}
	t, err := parseURLTemplate("category URL", raw, "base", "lang", "category")
	if err == nil && !t.uses["category"] {
		err = fmt.Errorf("category URL %q: it needs {category}", raw)
	}
	return t, err
}

// parseURLTemplate splits raw into literals and the placeholders names
// allows, and checks that it expands to an absolute http(s) URL.
func parseURLTemplate(what, raw string, names ...string) (urlTemplate, error) {
	t := urlTemplate{uses: map[string]bool{}}
	rest := raw
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			t.parts = append(t.parts, tplPart{lit: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: rest[:i]})
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return t, fmt.Errorf("%s %q: unclosed {", what, raw)
		}
		name := rest[i+1 : i+j]
		if !slices.Contains(names, name) {
			return t, fmt.Errorf("%s %q: unknown placeholder {%s}; it may use {%s}", what, raw, name, strings.Join(names, "}, {"))
		}
		t.parts = append(t.parts, tplPart{name: name})
		t.uses[name] = true
		rest = rest[i+j+1:]
	}
	sample := t.expand(func(string) string { return "x" })
	if t.uses["base"] {
		sample = t.expand(func(n string) string {
			if n == "base" {
				return "https://example.com"
			}
			return "x"
		})
	}
	if u, err := url.Parse(sample); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return t, fmt.Errorf("%s %q: it must give an absolute http(s) URL; start it with {base}", what, raw)
	}
	return t, nil
}

// expand fills in the placeholders. Every value geul puts in (slugs,
// languages, the base URL) is already safe in a URL.
func (t urlTemplate) expand(get func(name string) string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name != "" {
			b.WriteString(get(p.name))
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// links makes the absolute links of one document.
type links struct {
	base      string
	post, cat urlTemplate
}

func (l links) postURL(id, lang string) string {
	cat, name, _ := strings.Cut(id, "/")
	return l.post.expand(func(n string) string {
		switch n {
		case "base":
			return l.base
		case "lang":
			return lang
		case "slug":
			return id
		case "category":
			return cat
		case "name":
			return name
		}
		return ""
	})
}

func (l links) categoryURL(slug, lang string) string {
	return l.cat.expand(func(n string) string {
		switch n {
		case "base":
			return l.base
		case "lang":
			return lang
		case "category":
			return slug
		}
		return ""
	})
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
	sl := s.langs.Load()
	if lang, ok, err := sl.queryLang(c); ok || err != nil {
		return lang, err
	}
	return sl.list[0], nil
}

// docRequest is what a document is built from.
type docRequest struct {
	lang  string
	langs []string // site languages, the default first
	site  *siteInfo
	links links
}

// defaultTitle names a site whose site.yaml has no title. Never the host
// name: a feed reader shows it as the site's name.
const defaultTitle = "geul"

// title is site.yaml's title in lang, else in the first site language that
// has one, else defaultTitle.
func (r docRequest) title() string {
	if t := r.siteText(r.site.title); t != "" {
		return t
	}
	return defaultTitle
}

// description is site.yaml's description as title picks the title, else the
// title.
func (r docRequest) description() string {
	if d := r.siteText(r.site.description); d != "" {
		return d
	}
	return r.title()
}

// siteText is the text of a site.yaml map in lang, else in the first site
// language that has one.
func (r docRequest) siteText(m map[string]string) string {
	if t := m[r.lang]; t != "" {
		return t
	}
	for _, l := range r.langs {
		if t := m[l]; t != "" {
			return t
		}
	}
	return ""
}

// cached returns the document of key, building it on the first request for
// key: the key holds the generation and the site settings' version, so a
// change of either builds anew. Concurrent requests for the same document
// wait for one build.
func (f *feeds) cached(ctx context.Context, key feedKey, timeout time.Duration, build func(context.Context) (any, error)) (any, error) {
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
func (f *feeds) reset() {
	clear(f.cache)
	f.bytes = 0
}

// admit adds an entry, first dropping what a newer generation or site
// version made stale. Called with f.mu held.
func (f *feeds) admit(key feedKey, e *feedEntry) {
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
func (s *Server) document(c echo.Context, kind, lang string, build func(context.Context, docRequest) (any, error)) (any, error) {
	ctx := c.Request().Context()
	si := s.feeds.site.Load()
	base := s.baseFor(c, si)
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	key := feedKey{kind: kind, lang: lang, base: base, gen: gen, site: si.version}
	r := docRequest{lang: lang, langs: s.languages(), site: si, links: links{base: base, post: s.feeds.post, cat: s.feeds.cat}}
	return s.feeds.cached(ctx, key, s.cfg.RequestTimeout, func(ctx context.Context) (any, error) {
		return build(ctx, r)
	})
}

// serveFeed answers with the feed kind in the requested language.
func (s *Server) serveFeed(c echo.Context, kind, contentType string, build func(context.Context, docRequest) ([]byte, error)) error {
	lang, err := s.feedLang(c)
	if err != nil {
		return err
	}
	v, err := s.document(c, kind, lang, func(ctx context.Context, r docRequest) (any, error) {
		body, err := build(ctx, r)
		if err != nil {
			return nil, err
		}
		return &feedDoc{body: body, etag: store.ETag(body)}, nil
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

// feedItem is a post as every feed format needs it.
type feedItem struct {
	url                string
	title, summary     string
	html               string
	category           string // the category's name in the feed's language
	categorySlug       string
	tags               []string
	published, updated time.Time
}

// storedPost is the part of a stored payload the feeds read.
type storedPost struct {
	Post struct {
		Slug         string        `json:"slug"`
		CategorySlug string        `json:"categorySlug"`
		Title        api.Localized `json:"title"`
		Date         string        `json:"date"`
		Category     api.Localized `json:"category"`
		Description  api.Localized `json:"description"`
		HTML         string        `json:"html"`
		Tags         []string      `json:"tags"`
		Updated      *string       `json:"updated"`
	} `json:"post"`
}

// loadFeed reads the newest posts with a body in r.lang.
func (s *Server) loadFeed(ctx context.Context, r docRequest) ([]feedItem, error) {
	f, err := s.store.Feed(ctx, r.lang, feedSize)
	if err != nil {
		return nil, err
	}
	items := make([]feedItem, 0, len(f.Posts))
	for _, p := range f.Posts {
		var sp storedPost
		if err := json.Unmarshal(p.Body, &sp); err != nil {
			return nil, fmt.Errorf("feed %s: post %s: stored payload: %w", r.lang, p.ID, err)
		}
		pp := sp.Post
		it := feedItem{
			url:          r.links.postURL(p.ID, r.lang),
			title:        textFor(pp.Title, r.lang, r.langs),
			summary:      textFor(pp.Description, r.lang, r.langs),
			html:         pp.HTML,
			category:     textFor(pp.Category, r.lang, r.langs),
			categorySlug: pp.CategorySlug,
			tags:         pp.Tags,
			published:    parsePostDate(pp.Date),
		}
		if it.category == "" {
			it.category = pp.CategorySlug
		}
		it.updated = it.published
		if pp.Updated != nil {
			if u := parsePostDate(*pp.Updated); !u.IsZero() {
				it.updated = u
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// textFor is l's text in lang, else in the first site language that has one.
func textFor(l api.Localized, lang string, langs []string) string {
	if t := l.Get(lang); t != "" {
		return t
	}
	for _, sl := range langs {
		if t := l.Get(sl); t != "" {
			return t
		}
	}
	for _, t := range l {
		if t.Text != "" {
			return t.Text
		}
	}
	return ""
}

// parsePostDate reads a front matter date: YYYY-MM-DD (midnight UTC) or RFC
// 3339. The indexer accepted it already; anything else is the zero time.
func parsePostDate(s string) time.Time {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	return time.Time{}
}

// newest is the latest updated time of items, or the zero time.
func newest(items []feedItem) time.Time {
	var t time.Time
	for _, it := range items {
		if it.updated.After(t) {
			t = it.updated
		}
	}
	return t
}

func (r docRequest) selfURL(path string) string {
	return r.links.base + path + "?lang=" + r.lang
}

func (r docRequest) homeURL() string { return r.links.base + "/" }

// xmlDoc renders v as an XML document with its declaration.
func xmlDoc(v any) ([]byte, error) {
	var b strings.Builder
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

// cdata is character data written as a CDATA section: HTML stays readable
// instead of turning into entities.
type cdata struct {
	Text string `xml:",cdata"`
}

// xmlSafe replaces what XML 1.0 cannot carry (control characters other than
// tab and newlines, stray surrogates, U+FFFE and U+FFFF) with U+FFFD.
// encoding/xml does this for text and attributes, but not inside CDATA.
func xmlSafe(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !xmlChar(r) }) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// RSS 2.0, with the content module for the full HTML and an atom:link to
// itself as the RSS Advisory Board recommends.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	NSAtom  string     `xml:"xmlns:atom,attr"`
	NSCont  string     `xml:"xmlns:content,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	Generator     string    `xml:"generator"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	Description string   `xml:"description,omitempty"`
	Content     cdata    `xml:"content:encoded"`
	PubDate     string   `xml:"pubDate"`
	Categories  []string `xml:"category"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName   xml.Name    `xml:"feed"`
	NS        string      `xml:"xmlns,attr"`
	Lang      string      `xml:"xml:lang,attr"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Link       atomLink       `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Summary    string         `xml:"summary,omitempty"`
	Content    atomContent    `xml:"content"`
	Categories []atomCategory `xml:"category"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Text string `xml:",cdata"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func (s *Server) buildRSS(ctx context.Context, r docRequest) ([]byte, error) {
	items, err := s.loadFeed(ctx, r)
	if err != nil {
		return nil, err
	}
	title := r.title()
	ch := rssChannel{
		Title: title, Link: r.homeURL(), Description: r.description(), Language: r.lang, Generator: "geul",
		Self:  atomLink{Href: r.selfURL("/feed.xml"), Rel: "self", Type: "application/rss+xml"},
		Items: make([]rssItem, 0, len(items)),
	}
	if t := newest(items); !t.IsZero() {
		ch.LastBuildDate = t.Format(time.RFC1123Z)
	}
	for _, it := range items {
		ch.Items = append(ch.Items, rssItem{
			Title: it.title, Link: it.url, GUID: rssGUID{IsPermaLink: "true", Value: it.url},
			Description: it.summary, Content: cdata{xmlSafe(it.html)},
			PubDate:    it.published.Format(time.RFC1123Z),
			Categories: append([]string{it.category}, it.tags...),
		})
	}
	body, err := xmlDoc(rssDoc{
		Version: "2.0", NSAtom: "http://www.w3.org/2005/Atom", NSCont: "http://purl.org/rss/1.0/modules/content/",
		Channel: ch,
	})
	if err != nil {
		return nil, fmt.Errorf("rss %s: %w", r.lang, err)
	}
	return body, nil
}

func (s *Server) buildAtom(ctx context.Context, r docRequest) ([]byte, error) {
	items, err := s.loadFeed(ctx, r)
	if err != nil {
		return nil, err
	}
	self := r.selfURL("/atom.xml")
	updated := newest(items)
	if updated.IsZero() {
		updated = time.Unix(0, 0).UTC() // an empty feed has no time of its own
	}
	feed := atomFeed{
		NS: "http://www.w3.org/2005/Atom", Lang: r.lang, ID: self, Title: r.title(), Subtitle: r.siteText(r.site.description),
		Updated: updated.Format(time.RFC3339),
		Links: []atomLink{
			{Href: r.homeURL(), Rel: "alternate", Type: "text/html"},
			{Href: self, Rel: "self", Type: "application/atom+xml"},
		},
		// Atom needs an author; content files name none, so the site is.
		Author: atomPerson{Name: r.title()}, Generator: "geul",
		Entries: make([]atomEntry, 0, len(items)),
	}
	for _, it := range items {
		cats := []atomCategory{{Term: it.categorySlug, Label: it.category}}
		for _, t := range it.tags {
			cats = append(cats, atomCategory{Term: t})
		}
		feed.Entries = append(feed.Entries, atomEntry{
			ID: it.url, Title: it.title, Link: atomLink{Href: it.url, Rel: "alternate", Type: "text/html"},
			Published: it.published.Format(time.RFC3339), Updated: it.updated.Format(time.RFC3339),
			Summary: it.summary, Content: atomContent{Type: "html", Text: xmlSafe(it.html)},
			Categories: cats,
		})
	}
	body, err := xmlDoc(feed)
	if err != nil {
		return nil, fmt.Errorf("atom %s: %w", r.lang, err)
	}
	return body, nil
}

func (s *Server) buildJSONFeed(ctx context.Context, r docRequest) ([]byte, error) {
	items, err := s.loadFeed(ctx, r)
	if err != nil {
		return nil, err
	}
	feed := api.JSONFeed{
		Version: api.JSONFeedVersion, Title: r.title(), Description: r.siteText(r.site.description), HomePageURL: r.homeURL(),
		FeedURL: r.selfURL("/feed.json"), Language: r.lang,
		Items: make([]api.JSONFeedItem, 0, len(items)),
	}
	for _, it := range items {
		feed.Items = append(feed.Items, api.JSONFeedItem{
			ID: it.url, URL: it.url, Title: it.title, ContentHTML: it.html, Summary: it.summary,
			DatePublished: it.published.Format(time.RFC3339), DateModified: it.updated.Format(time.RFC3339),
			Tags: append([]string{it.category}, it.tags...), Language: r.lang,
		})
	}
	body, err := encodeJSON(feed)
	if err != nil {
		return nil, fmt.Errorf("json feed %s: %w", r.lang, err)
	}
	return body, nil
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
	return s.serveFeed(c, "rss", mimeRSS, s.buildRSS)
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
	return s.serveFeed(c, "atom", mimeAtom, s.buildAtom)
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
	return s.serveFeed(c, "json", mimeJSON, s.buildJSONFeed)
}
