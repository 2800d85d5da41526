package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Client calls a geul server. Every method takes a context first and returns
// the decoded body; an answer of 400 or more is returned as a *Problem error.
// It is safe for concurrent use.
//
// A Client keeps the newest answers of its GETs with their ETags, up to
// DefaultCacheBytes (see WithCacheBytes), and asks again with If-None-Match:
// a 304 Not Modified returns the kept answer, decoded anew, without the
// server sending it again.
type Client struct {
	base  *url.URL
	hc    *http.Client
	token string
	lang  string
	cache *etagCache
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithAdminToken authenticates the admin methods with the server's
// GEUL_ADMIN_TOKEN. The token is sent only to /admin routes.
func WithAdminToken(token string) Option { return func(c *Client) { c.token = token } }

// WithCacheBytes bounds the answers a Client keeps for If-None-Match to n
// bytes (bodies, URLs and ETags counted); 0 keeps none and sends no
// conditional requests.
func WithCacheBytes(n int) Option {
	return func(c *Client) {
		c.cache = nil
		if n > 0 {
			c.cache = newETagCache(n)
		}
	}
}

// WithAcceptLanguage sends Accept-Language with every request, so the server
// picks the language wherever a call gives none.
func WithAcceptLanguage(header string) Option { return func(c *Client) { c.lang = header } }

// NewClient returns a client of the geul server at baseURL, such as
// "http://localhost:8080" or "https://api.example/geul" (routes are resolved
// below its path).
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("geul client: base url %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("geul client: base url %q: want http or https", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c := &Client{base: u, hc: http.DefaultClient, cache: newETagCache(DefaultCacheBytes)}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Error makes a problem an error: what the server said, with its status.
func (p *Problem) Error() string {
	return fmt.Sprintf("geul: %d %s: %s", p.Status, p.Title, p.Detail)
}

// PostOptions are the optional query parameters of Client.Post and
// Client.PostFields.
type PostOptions struct {
	// Lang is a site language; empty lets the server pick (Accept-Language,
	// else the site's default).
	Lang string
}

func (o *PostOptions) query() url.Values {
	q := url.Values{}
	if o != nil {
		set(q, "lang", o.Lang)
	}
	return q
}

// ListOptions are the optional query parameters of the lists of posts.
type ListOptions struct {
	Lang string
	// Category and Tag filter Client.Posts; the other lists ignore them.
	Category, Tag string
	// Page counts from 1; Limit is capped at 100 by the server. Zero leaves
	// the server's default.
	Page, Limit int
	// Sort is -date (the default), date, title or -title.
	Sort string
}

func (o *ListOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	set(q, "lang", o.Lang)
	set(q, "category", o.Category)
	set(q, "tag", o.Tag)
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	set(q, "sort", o.Sort)
	return q
}

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func langQuery(lang string) url.Values {
	q := url.Values{}
	set(q, "lang", lang)
	return q
}

// Health calls GET /healthz: the process answers.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	return getJSON[Health](ctx, c, "/healthz", nil)
}

// Index calls GET /: the API's name, languages and the paths of its routes.
func (c *Client) Index(ctx context.Context) (*Index, error) {
	return getJSON[Index](ctx, c, "/", nil)
}

// Ready calls GET /readyz: the first index is complete. Before that it
// returns a *Problem with status 503.
func (c *Client) Ready(ctx context.Context) (*Health, error) {
	return getJSON[Health](ctx, c, "/readyz", nil)
}

// Post calls GET /posts/{category}/{slug}: the whole post object. slug is
// the post's slug as the API gives it, category/slug (Post.Slug,
// PostItem.Slug, ChangedPost.Slug). opts may be nil. PostFields asks for
// some keys only.
func (c *Client) Post(ctx context.Context, slug string, opts *PostOptions) (*PostResponse, error) {
	path, err := postPath(slug)
	if err != nil {
		return nil, err
	}
	return getJSON[PostResponse](ctx, c, path, opts.query())
}

// PostFile calls GET /posts/{category}/{slug}/{file} and returns a file of a
// bundle post, as its files field names it (nested names such as
// "images/a.png" included).
func (c *Client) PostFile(ctx context.Context, category, slug, name string) ([]byte, error) {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return c.getBytes(ctx, "/posts/"+url.PathEscape(category)+"/"+url.PathEscape(slug)+"/"+strings.Join(segs, "/"), nil)
}

// Posts calls GET /posts: one page of every post, or of a category's or a
// tag's. opts may be nil.
func (c *Client) Posts(ctx context.Context, opts *ListOptions) (*ListResponse, error) {
	return getJSON[ListResponse](ctx, c, "/posts", opts.query())
}

// Categories calls GET /categories. lang may be empty.
func (c *Client) Categories(ctx context.Context, lang string) (*CategoriesResponse, error) {
	return getJSON[CategoriesResponse](ctx, c, "/categories", langQuery(lang))
}

// Category calls GET /categories/{category}: the category and one page of its
// posts. opts may be nil.
func (c *Client) Category(ctx context.Context, category string, opts *ListOptions) (*CategoryResponse, error) {
	q := opts.query()
	q.Del("category")
	q.Del("tag")
	return getJSON[CategoryResponse](ctx, c, "/categories/"+url.PathEscape(category), q)
}

// Tags calls GET /tags.
func (c *Client) Tags(ctx context.Context) (*TagsResponse, error) {
	return getJSON[TagsResponse](ctx, c, "/tags", nil)
}

// Tag calls GET /tags/{tag}: the tag and one page of its posts. opts may be nil.
func (c *Client) Tag(ctx context.Context, tag string, opts *ListOptions) (*TagResponse, error) {
	q := opts.query()
	q.Del("category")
	q.Del("tag")
	return getJSON[TagResponse](ctx, c, "/tags/"+url.PathEscape(tag), q)
}

// Changes calls GET /changes: what changed after generation since. A
// generation no longer kept is a *Problem with status 410: resync from the
// lists.
func (c *Client) Changes(ctx context.Context, since int64) (*Changes, error) {
	q := url.Values{"since": {strconv.FormatInt(since, 10)}}
	return getJSON[Changes](ctx, c, "/changes", q)
}

// JSONFeed calls GET /feed.json. lang may be empty.
func (c *Client) JSONFeed(ctx context.Context, lang string) (*JSONFeed, error) {
	return getJSON[JSONFeed](ctx, c, "/feed.json", langQuery(lang))
}

// RSS calls GET /feed.xml and returns the RSS 2.0 document. lang may be empty.
func (c *Client) RSS(ctx context.Context, lang string) ([]byte, error) {
	return c.getBytes(ctx, "/feed.xml", langQuery(lang))
}

// Atom calls GET /atom.xml and returns the Atom document. lang may be empty.
func (c *Client) Atom(ctx context.Context, lang string) ([]byte, error) {
	return c.getBytes(ctx, "/atom.xml", langQuery(lang))
}

// Sitemap calls GET /sitemap.xml and returns the sitemap (or, for a large site
// without page, the sitemap index). page 0 asks for no page.
func (c *Client) Sitemap(ctx context.Context, page int) ([]byte, error) {
	q := url.Values{}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	return c.getBytes(ctx, "/sitemap.xml", q)
}

// Metrics calls GET /metrics and returns the Prometheus text exposition.
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	return c.getBytes(ctx, "/metrics", nil)
}

// OpenAPI calls GET /openapi.yaml and returns the OpenAPI document.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	return c.getBytes(ctx, "/openapi.yaml", nil)
}

// AdminStatus calls GET /admin/status (needs WithAdminToken).
func (c *Client) AdminStatus(ctx context.Context) (*Status, error) {
	return getJSON[Status](ctx, c, "/admin/status", nil)
}

// Reindex calls POST /admin/reindex (needs WithAdminToken): the index is
// brought up to date now. path, a content file, may be empty.
func (c *Client) Reindex(ctx context.Context, path string) (*ReindexResult, error) {
	q := url.Values{}
	set(q, "path", path)
	resp, err := c.do(ctx, http.MethodPost, "/admin/reindex", q, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out ReindexResult
	if err := decodeJSON(resp, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func getJSON[T any](ctx context.Context, c *Client, path string, q url.Values) (*T, error) {
	var out T
	if err := c.getJSON(ctx, path, q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	body, err := c.get(ctx, path, q, "application/json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("geul: GET %s: decode: %w", path, err)
	}
	return nil
}

func (c *Client) getBytes(ctx context.Context, path string, q url.Values) ([]byte, error) {
	body, err := c.get(ctx, path, q, "")
	if err != nil {
		return nil, err
	}
	return slices.Clone(body), nil // the cache keeps its own
}

// maxBody bounds the body of one answer the client reads.
const maxBody = 64 << 20

// get sends a GET and returns its body: with If-None-Match when the cache
// holds an answer of the same request, whose body a 304 returns. The body
// may be the cache's: do not change it.
func (c *Client) get(ctx context.Context, path string, q url.Values, accept string) ([]byte, error) {
	var key, etag string
	var kept []byte
	resp, err := c.do(ctx, http.MethodGet, path, q, func(r *http.Request) {
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		// The request's URL and the headers the answer varies on.
		key = r.URL.String() + "\n" + r.Header.Get("Accept") + "\n" + r.Header.Get("Accept-Language")
		var ok bool
		if etag, kept, ok = c.cache.get(key); ok {
			r.Header.Set("If-None-Match", etag)
		}
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && kept != nil {
		return kept, nil
	}
	if err := checkStatus(resp); err != nil {
		c.cache.drop(key)
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("geul: GET %s: %w", path, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("geul: GET %s: answer over %d bytes", path, maxBody)
	}
	if tag := resp.Header.Get("ETag"); tag != "" && resp.StatusCode == http.StatusOK && !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		c.cache.put(key, tag, body)
	} else {
		c.cache.drop(key)
	}
	return body, nil
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, edit func(*http.Request)) (*http.Response, error) {
	// path comes escaped (a tag may hold '/' or spaces): keep it as sent.
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	var err error
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return nil, fmt.Errorf("geul: %s %s: %w", method, path, err)
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("geul: %s %s: %w", method, path, err)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	if c.token != "" && strings.HasPrefix(path, "/admin/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("geul: %s %s: %w", method, path, err)
	}
	return resp, nil
}

// checkStatus turns an answer of 400 or more into its *Problem.
func checkStatus(resp *http.Response) error {
	if resp.StatusCode < 400 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p := &Problem{}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/problem+json" || json.Unmarshal(body, p) != nil || p.Status == 0 {
		// Not geul's answer (a proxy's, say): keep what can be said.
		p = &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode), Detail: strings.TrimSpace(string(body))}
	}
	return p
}

func decodeJSON(resp *http.Response, out any) error {
	if err := checkStatus(resp); err != nil {
		return err
	}
	dec := json.NewDecoder(resp.Body)
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("geul: %s %s: decode: %w", resp.Request.Method, resp.Request.URL.Path, err)
	}
	return nil
}
