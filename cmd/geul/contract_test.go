package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/geul-dev/geul"
	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// The contract test holds geul to openapi.yaml over real HTTP: every request
// and answer goes through a transport that validates both against the
// document with kin-openapi (objects are closed there, so an undocumented
// field fails), every documented status of every operation must be seen, and
// every registered route must be documented and the reverse. The calls go
// through api.Client, so the client is tested by the same suite.
//
// A route added to the server without annotations fails TestContractRoutes; a
// documented status no case produces fails TestContract. Add a case below.

const contractToken = "contract-test-admin-token-0123456789"

func init() {
	// Bodies the document describes as strings.
	for _, ct := range []string{"text/html", "text/css", "text/xml", "application/xml", "application/rss+xml", "application/atom+xml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("application/feed+json", openapi3filter.JSONBodyDecoder)
}

// contractDoc is openapi.yaml as the binary embeds and serves it.
func contractDoc(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(geul.OpenAPIYAML)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	// The document's server is "/": routes match on the path alone.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("route openapi.yaml: %v", err)
	}
	return doc, router
}

// seenLog records "METHOD /path/{template} STATUS" of every validated answer.
type seenLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (l *seenLog) add(k string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[k] = true
}

// validating is an http.RoundTripper that holds every exchange to the
// document. With probe, every GET is replayed as HEAD, and a 200 with
// If-None-Match and with If-Modified-Since, each of which must match.
type validating struct {
	router routers.Router
	next   http.RoundTripper
	log    *seenLog
	probe  bool
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, raw, err := v.exchange(req)
	if err != nil {
		return nil, err
	}
	if raw == nil { // an event stream: HEAD carries its headers alone
		if v.probe && req.Method == http.MethodGet {
			r := req.Clone(req.Context())
			r.Method = http.MethodHead
			head, _, err := v.exchange(r)
			if err != nil {
				resp.Body.Close()
				return nil, err
			}
			if head.StatusCode != resp.StatusCode || head.Header.Get("Content-Type") != resp.Header.Get("Content-Type") {
				resp.Body.Close()
				return nil, fmt.Errorf("HEAD %s: %d %q, GET answered %d %q", req.URL.RequestURI(),
					head.StatusCode, head.Header.Get("Content-Type"), resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		return resp, nil
	}
	if v.probe && req.Method == http.MethodGet {
		if err := v.probeGET(req, resp, raw); err != nil {
			return nil, err
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp, nil
}

// exchange sends req and validates both sides. raw is the body as sent, nil
// for an event stream, whose body stays open in resp.
func (v *validating) exchange(req *http.Request) (*http.Response, []byte, error) {
	ctx := req.Context()
	// HEAD is documented once, for every GET: it is held to the GET's
	// operation, without a body.
	find := req
	if req.Method == http.MethodHead {
		find = req.Clone(ctx)
		find.Method = http.MethodGet
	}
	route, params, findErr := v.router.FindRoute(find)
	var in *openapi3filter.RequestValidationInput
	var reqErr error
	if findErr == nil {
		in = &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		reqErr = openapi3filter.ValidateRequest(ctx, in)
	}
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	what := req.Method + " " + req.URL.RequestURI()
	stream := strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream")
	var raw []byte
	if !stream {
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: read: %w", what, err)
		}
		if raw == nil {
			raw = []byte{}
		}
	}
	body, err := decodeBody(raw, resp.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := checkEveryAnswer(req, resp, body); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if findErr != nil {
		// Outside the document only geul's own 404 and 405 may answer.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return nil, nil, fmt.Errorf("%s: not in openapi.yaml (%v), yet answered %d", what, findErr, resp.StatusCode)
		}
		return resp, raw, nil
	}
	if req.Method != http.MethodHead {
		v.log.add(req.Method + " " + route.Path + " " + strconv.Itoa(resp.StatusCode))
	}
	if reqErr != nil && resp.StatusCode < 400 {
		return nil, nil, fmt.Errorf("%s: openapi.yaml rejects the request (%v), yet the server answered %d", what, reqErr, resp.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: stream},
	}
	if !stream {
		out.SetBodyBytes(body)
	}
	if req.Method == http.MethodHead {
		out.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return nil, nil, fmt.Errorf("%s: answer %d does not match openapi.yaml: %w", what, resp.StatusCode, err)
	}
	if req.Method == http.MethodGet && resp.StatusCode == http.StatusOK && !stream {
		if err := checkShape(route.Operation, req, body); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	return resp, raw, nil
}

// checkShape holds the answer of a route that takes fields to the one shape
// the request asked for: the document says anyOf the full shape and the
// trimmed one, which a full answer missing a key would still pass.
func checkShape(op *openapi3.Operation, req *http.Request, body []byte) error {
	ok := op.Responses.Status(http.StatusOK)
	if ok == nil || ok.Value == nil {
		return nil
	}
	mt := ok.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || len(mt.Schema.Value.AnyOf) != 2 {
		return nil
	}
	shape := mt.Schema.Value.AnyOf[0] // no fields: every key
	if strings.TrimSpace(strings.ReplaceAll(req.URL.Query().Get("fields"), ",", "")) != "" {
		shape = mt.Schema.Value.AnyOf[1]
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	if err := shape.Value.VisitJSON(v); err != nil {
		return fmt.Errorf("answer is not %s: %w", shape.Ref, err)
	}
	return nil
}

// checkEveryAnswer holds what every answer owes, in the document or not.
func checkEveryAnswer(req *http.Request, resp *http.Response, body []byte) error {
	h := resp.Header
	if h.Get("X-Content-Type-Options") != "nosniff" {
		return fmt.Errorf("X-Content-Type-Options %q, want nosniff", h.Get("X-Content-Type-Options"))
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		return fmt.Errorf("Content-Security-Policy %q, want default-src 'none'", csp)
	}
	if resp.StatusCode == http.StatusNotModified && len(body) > 0 {
		return fmt.Errorf("304 with a body of %d bytes", len(body))
	}
	if req.Method == http.MethodHead && len(body) > 0 {
		return fmt.Errorf("HEAD answered with a body of %d bytes", len(body))
	}
	if resp.StatusCode < 400 {
		return nil
	}
	if ct := h.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("error %d as %q, want application/problem+json", resp.StatusCode, ct)
	}
	if req.Method == http.MethodHead {
		return nil
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("problem body %q: %w", body, err)
	}
	for _, k := range []string{"type", "title", "status", "detail"} {
		if _, ok := p[k]; !ok {
			return fmt.Errorf("problem %s has no %s", body, k)
		}
	}
	if st, _ := p["status"].(float64); int(st) != resp.StatusCode {
		return fmt.Errorf("problem status %v, answered %d", p["status"], resp.StatusCode)
	}
	if bytes.Contains(body, []byte("goroutine")) || bytes.Contains(body, []byte(".go:")) {
		return fmt.Errorf("problem body shows code: %s", body)
	}
	return nil
}

// probeGET replays a GET as HEAD, and a 200 conditionally: the HEAD must
// carry the GET's status and headers, the conditional ones 304.
func (v *validating) probeGET(get *http.Request, resp *http.Response, raw []byte) error {
	replay := func(method string, header ...string) (*http.Response, error) {
		r := get.Clone(get.Context())
		r.Method = method
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		got, _, err := v.exchange(r)
		return got, err
	}
	what := "HEAD " + get.URL.RequestURI()
	head, err := replay(http.MethodHead)
	if err != nil {
		return err
	}
	if head.StatusCode != resp.StatusCode {
		return fmt.Errorf("%s: %d, GET answered %d", what, head.StatusCode, resp.StatusCode)
	}
	same := []string{"Content-Type", "Content-Encoding", "Content-Language", "Cache-Control", "Vary", "Allow"}
	if resp.StatusCode == http.StatusOK && !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		// A no-store answer (metrics) may change between two requests.
		same = append(same, "Content-Length", "Last-Modified", "ETag")
	}
	for _, k := range same {
		if g, w := head.Header.Get(k), resp.Header.Get(k); g != w {
			return fmt.Errorf("%s: %s %q, GET sent %q", what, k, g, w)
		}
	}
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Length") != strconv.Itoa(len(raw)) && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return fmt.Errorf("GET %s: Content-Length %q for %d bytes", get.URL.RequestURI(), resp.Header.Get("Content-Length"), len(raw))
	}
	if resp.StatusCode != http.StatusOK || strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		// No validators to check: the document promises no 304 for no-store answers.
		return nil
	}
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || strings.HasPrefix(etag, "W/") {
		return fmt.Errorf("GET %s: ETag %q, want a strong one", get.URL.RequestURI(), etag)
	}
	if _, err := http.ParseTime(lm); err != nil {
		return fmt.Errorf("GET %s: Last-Modified %q: %v", get.URL.RequestURI(), lm, err)
	}
	for _, c := range [][]string{
		{http.MethodGet, "If-None-Match", etag},
		{http.MethodHead, "If-None-Match", `"other", ` + etag},
		{http.MethodGet, "If-Modified-Since", lm},
		{http.MethodHead, "If-Modified-Since", lm},
	} {
		got, err := replay(c[0], c[1], c[2])
		if err != nil {
			return err
		}
		if got.StatusCode != http.StatusNotModified || got.Header.Get("ETag") != etag {
			return fmt.Errorf("%s %s with %s: %d ETag %q, want 304 ETag %q", c[0], get.URL.RequestURI(), c[1], got.StatusCode, got.Header.Get("ETag"), etag)
		}
	}
	// A validator the server does not hold, or a date before the change, is a 200.
	stale, err := replay(http.MethodGet, "If-None-Match", `"stale"`)
	if err != nil {
		return err
	}
	if stale.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s with a stale If-None-Match: %d, want 200", get.URL.RequestURI(), stale.StatusCode)
	}
	return nil
}

func decodeBody(raw []byte, encoding string) ([]byte, error) {
	switch encoding {
	case "":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(raw)))
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", encoding)
}

// contractContent is a small site: two languages, a post in both (long enough
// to be compressed), one in Korean only (served in English as a fallback),
// one in English only, a bundle post with an image, two categories and a few
// tags.
func contractContent(t *testing.T) string {
	dir := t.TempDir()
	long := strings.Repeat("Processes do not share memory; threads do, under the GIL.\n\n", 60)
	testutil.WriteFiles(t, dir, map[string]string{
		"site.yaml":           "languages: [ko, en]\n",
		"cs/_category.yaml":   "name: {ko: 컴퓨터 공학, en: Computer Science}\ndescription: {ko: 설명, en: About computers}\n",
		"life/_category.yaml": "name: {ko: 일상, en: Life}\n",
		"cs/threads.ko.md": "---\ntitle: 스레드\ndescription: 스레드와 프로세스\ndate: 2025-02-21\ntags: [python, go]\n" +
			"series: basics\n---\n\n## 개요\n" + long + "\n## 끝\n끝.\n",
		"cs/threads.en.md":     "---\ntitle: Threads\ndescription: Threads and processes\ndate: 2025-02-21\nupdated: 2025-03-01\ntags: [python, go]\n---\n\n## Overview\n" + long,
		"cs/short.ko.md":       "---\ntitle: 짧은 글\ndate: 2025-01-05\ntags: [python]\n---\n\n짧습니다.\n",
		"life/hello.en.md":     "---\ntitle: Hello\ndate: 2024-12-31\n---\n\nHello.\n",
		"life/pic/index.en.md": "---\ntitle: A picture\ndate: 2024-12-30\n---\n\n![a diagram](diagram.png)\n",
		"life/pic/diagram.png": pngOf(t, 16, 8),
	})
	return dir
}

// bareServer is geul before its first index, with admin routes but nothing
// to reindex with, over an index that keeps one generation of changes and
// has had two: the states the running app does not show.
func bareServer(t *testing.T) (*server.Server, *httptest.Server) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bare.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetKeepGenerations(1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	ix := index.New(dir, st)
	for _, title := range []string{"one", "two"} {
		testutil.WriteFiles(t, dir, map[string]string{"cs/a.ko.md": goodPost(title)})
		if _, err := ix.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	srv := server.New(st, log, server.Config{AdminToken: contractToken})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs
}

// contractCase is one call whose status the test checks; the validating
// transport checks the rest.
type contractCase struct {
	name string
	want int
	call func(ctx context.Context, c *api.Client, raw func(method, path string, header ...string) (*http.Response, error)) error
}

// statusOf is the status a call ended with: 200 for success, the problem's
// status for an error.
func statusOf(err error) (int, error) {
	if err == nil {
		return http.StatusOK, nil
	}
	var p *api.Problem
	if errors.As(err, &p) {
		return p.Status, nil
	}
	return 0, err
}

func rawStatus(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		return &api.Problem{Status: resp.StatusCode}
	}
	return nil
}

type rawFunc = func(method, path string, header ...string) (*http.Response, error)

func get(raw rawFunc, path string, header ...string) error {
	return rawStatus(raw(http.MethodGet, path, header...))
}

// getting is a contract call that GETs path with header.
func getting(path string, header ...string) func(context.Context, *api.Client, rawFunc) error {
	return func(_ context.Context, _ *api.Client, raw rawFunc) error { return get(raw, path, header...) }
}

// gettingAuthed is getting with the admin token.
func gettingAuthed(path string) func(context.Context, *api.Client, rawFunc) error {
	return getting(path, "Authorization", "Bearer "+contractToken)
}

// appCases run against the app as `geul serve` runs it.
var appCases = []contractCase{
	{"bundle file", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		b, err := c.PostFile(ctx, "life", "pic", "diagram.png")
		if err == nil && !bytes.HasPrefix(b, []byte("\x89PNG")) {
			return fmt.Errorf("diagram.png: %.8q", b)
		}
		return err
	}},
	{"bundle file missing", 404, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.PostFile(ctx, "life", "pic", "missing.png")
		return err
	}},
	{"bundle file with an encoded slash", 400, getting("/posts/life/pic/a%2Fdiagram.png")},
	{"bundle file past its end", 416, getting("/posts/life/pic/diagram.png", "Range", "bytes=999999-")},
	{"bundle file of another version", 412, getting("/posts/life/pic/diagram.png", "If-Match", `"other"`)},
	{"healthz", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Health(ctx); return err }},
	{"readyz", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Ready(ctx); return err }},
	{"post", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		p, err := c.Post(ctx, "cs/threads", nil)
		if err == nil && p.Post.Slug != "cs/threads" {
			return fmt.Errorf("post slug %q", p.Post.Slug)
		}
		return err
	}},
	{"post in english", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Post(ctx, "cs/threads", &api.PostOptions{Lang: "en"})
		return err
	}},
	{"post falling back", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		p, err := c.Post(ctx, "cs/short", &api.PostOptions{Lang: "en"})
		if err == nil && p.Post.Lang != "ko" {
			return fmt.Errorf("fallback served lang %q, want ko", p.Post.Lang)
		}
		return err
	}},
	{"post trimmed", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		p, err := c.PostFields(ctx, "cs/threads", []string{"title", "toc"}, nil)
		if err == nil && (!p.Post.Has("title") || p.Post.Has("content") || p.Post.Slug != "cs/threads") {
			return fmt.Errorf("trimmed post has keys %v", p.Post.Keys())
		}
		return err
	}},
	{"post with Accept-Language", 200, func(ctx context.Context, _ *api.Client, raw rawFunc) error {
		resp, err := raw(http.MethodGet, "/posts/cs/threads", "Accept-Language", "en-US,en;q=0.9,ko;q=0.8")
		if err == nil && resp.Header.Get("Content-Language") != "en" {
			return fmt.Errorf("Accept-Language en-US,en;q=0.9,ko;q=0.8: Content-Language %q, want en", resp.Header.Get("Content-Language"))
		}
		return rawStatus(resp, err)
	}},
	{"post malformed slug", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Post(ctx, "cs/Bad_Slug", nil)
		return err
	}},
	{"post unknown lang", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Post(ctx, "cs/threads", &api.PostOptions{Lang: "fr"})
		return err
	}},
	{"post missing", 404, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Post(ctx, "cs/nope", nil)
		return err
	}},
	{"posts", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		l, err := c.Posts(ctx, nil)
		if err == nil && len(l.Posts) != 4 {
			return fmt.Errorf("posts: %d, want 4", len(l.Posts))
		}
		return err
	}},
	{"posts paged and trimmed", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.PostsFields(ctx, []string{"title"}, &api.ListOptions{Lang: "en", Tag: "python", Page: 2, Limit: 1, Sort: "title"})
		return err
	}},
	{"posts bad sort", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Posts(ctx, &api.ListOptions{Sort: "size"})
		return err
	}},
	{"categories", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Categories(ctx, ""); return err }},
	{"categories unknown lang", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Categories(ctx, "fr")
		return err
	}},
	{"category", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Category(ctx, "cs", nil)
		return err
	}},
	{"category bad page", 400, getting("/categories/cs?page=0")},
	{"category missing", 404, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Category(ctx, "nope", nil)
		return err
	}},
	{"tags", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Tags(ctx); return err }},
	{"tag", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Tag(ctx, "python", nil)
		return err
	}},
	{"tag bad limit", 400, getting("/tags/python?limit=x")},
	{"tag missing", 404, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Tag(ctx, "nope", nil)
		return err
	}},
	{"search", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		r, err := c.Search(ctx, "threads", &api.SearchOptions{Lang: "en", Limit: 5})
		if err == nil && len(r.Hits) == 0 {
			return fmt.Errorf("search threads: no hits")
		}
		return err
	}},
	{"search without q", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Search(ctx, "", nil)
		return err
	}},
	{"changes", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Changes(ctx, 0); return err }},
	{"changes ahead", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Changes(ctx, 1<<40); return err }},
	{"json feed", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.JSONFeed(ctx, "en"); return err }},
	{"json feed unknown lang", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.JSONFeed(ctx, "fr"); return err }},
	{"rss", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.RSS(ctx, ""); return err }},
	{"rss unknown lang", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.RSS(ctx, "fr"); return err }},
	{"atom", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Atom(ctx, "ko"); return err }},
	{"atom unknown lang", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Atom(ctx, "fr"); return err }},
	{"sitemap", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Sitemap(ctx, 0); return err }},
	{"sitemap bad page", 400, getting("/sitemap.xml?page=x")},
	{"sitemap page past the end", 404, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Sitemap(ctx, 99); return err }},
	{"metrics", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Metrics(ctx); return err }},
	{"events", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		s, err := c.Events(ctx, "")
		if err != nil {
			return err
		}
		defer s.Close()
		ev, err := s.Next()
		if err == nil && (ev.Type != api.EventHello || ev.ID == "") {
			return fmt.Errorf("first event %q id %q, want hello with an id", ev.Type, ev.ID)
		}
		return err
	}},
	{"openapi.yaml", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		b, err := c.OpenAPI(ctx)
		if err == nil && !bytes.Equal(b, geul.OpenAPIYAML) {
			return fmt.Errorf("/openapi.yaml is not the embedded openapi.yaml")
		}
		return err
	}},
	{"openapi.json", 200, getting("/openapi.json")},
	{"docs", 200, getting("/docs")},
	{"preview", 200, gettingAuthed("/preview/cs/threads?lang=en")},
	{"preview without the token", 401, getting("/preview/cs/threads")},
	{"preview bad slug", 400, gettingAuthed("/preview/cs/Bad_Slug")},
	{"preview file", 200, gettingAuthed("/preview/life/pic/diagram.png")},
	{"preview file without the token", 401, getting("/preview/life/pic/diagram.png")},
	{"preview file encoded slash", 400, gettingAuthed("/preview/life/pic/a%2Fdiagram.png")},
	{"preview file missing", 404, gettingAuthed("/preview/life/pic/none.png")},
	{"preview of no post", 404, gettingAuthed("/preview/cs/none")},
	{"index", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		idx, err := c.Index(ctx)
		if err == nil && idx.Links.Posts != "/posts" {
			return fmt.Errorf("index: posts at %q", idx.Links.Posts)
		}
		return err
	}},
	{"highlight.css", 200, getting("/highlight.css?style=monokai")},
	{"highlight.css unknown style", 400, getting("/highlight.css?style=no-such-style")},
	{"admin status", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		s, err := c.AdminStatus(ctx)
		if err == nil && !s.Ready {
			return fmt.Errorf("admin status: not ready")
		}
		return err
	}},
	{"reindex", 200, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Reindex(ctx, ""); return err }},
	{"reindex bad path", 400, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Reindex(ctx, "../etc/passwd")
		return err
	}},
	{"reindex a missing file", 404, func(ctx context.Context, c *api.Client, _ rawFunc) error {
		_, err := c.Reindex(ctx, "cs/no-such-post.ko.md")
		return err
	}},
}

// bareCases run against bareServer, in order: the last ones close what
// earlier ones use.
var bareCases = []contractCase{
	{"readyz before the first index", 503, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Ready(ctx); return err }},
	{"changes pruned", 410, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Changes(ctx, 0); return err }},
	{"reindex without an indexer", 503, func(ctx context.Context, _ *api.Client, raw rawFunc) error {
		return rawStatus(raw(http.MethodPost, "/admin/reindex", "Authorization", "Bearer "+contractToken))
	}},
	{"admin status without a token", 401, getting("/admin/status")},
	{"reindex with a wrong token", 401, func(ctx context.Context, _ *api.Client, raw rawFunc) error {
		return rawStatus(raw(http.MethodPost, "/admin/reindex", "Authorization", "Bearer wrong"))
	}},
	{"admin status after many failures", 429, func(ctx context.Context, _ *api.Client, raw rawFunc) error {
		return untilStatus(429, 100, func() error { return get(raw, "/admin/status", "Authorization", "Bearer wrong") })
	}},
	{"reindex after many failures", 429, func(ctx context.Context, _ *api.Client, raw rawFunc) error {
		return rawStatus(raw(http.MethodPost, "/admin/reindex", "Authorization", "Bearer wrong"))
	}},
}

// untilStatus repeats call, at most n times, until it ends with want.
func untilStatus(want, n int, call func() error) error {
	var err error
	for range n {
		err = call()
		if st, _ := statusOf(err); st == want {
			return err
		}
	}
	return err
}

func runCases(t *testing.T, baseURL string, cases []contractCase, log *seenLog, router routers.Router, opts ...api.Option) {
	tr := &validating{router: router, next: &http.Transport{DisableCompression: true}, log: log, probe: true}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	c, err := api.NewClient(baseURL, append([]api.Option{api.WithHTTPClient(hc)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	raw := func(method, path string, header ...string) (*http.Response, error) {
		req, err := http.NewRequest(method, baseURL+path, nil)
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close() // the transport holds the bytes already
		}
		return resp, err
	}
	for _, tc := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		got, err := statusOf(tc.call(ctx, c, raw))
		cancel()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestContract calls every documented operation for each of its documented
// statuses, over real HTTP, validating each exchange against openapi.yaml.
func TestContract(t *testing.T) {
	doc, router := contractDoc(t)
	log := &seenLog{seen: map[string]bool{}}

	a := startApp(t, contractContent(t), map[string]string{"GEUL_ADMIN_TOKEN": contractToken})
	runCases(t, a.URL, appCases, log, router, api.WithAdminToken(contractToken))

	bare, hs := bareServer(t)
	runCases(t, hs.URL, bareCases, log, router)

	// A disk that fills at 1 MiB, and a post that does not fit.
	full := t.TempDir()
	faultPosts(t, full, 1)
	fa := startServe(t, map[string]string{"GEUL_ADMIN_TOKEN": contractToken, "GEUL_DB_MAX_MB": "1"},
		"--content", full, "--db", filepath.Join(t.TempDir(), "index.db"))
	testutil.WriteFiles(t, full, map[string]string{"cs/bulky.ko.md": bulkyPost(128 << 10)})
	runCases(t, fa.URL, []contractCase{
		{"reindex on a full disk", 507, func(ctx context.Context, c *api.Client, _ rawFunc) error { _, err := c.Reindex(ctx, ""); return err }},
	}, log, router, api.WithAdminToken(contractToken))
	runCases(t, hs.URL, []contractCase{
		{"events past the streams of one client", 429, func(ctx context.Context, c *api.Client, _ rawFunc) error {
			// The client's share of streams, opened outside the validating
			// transport: its HEAD probe of an open stream would already be
			// one past the share.
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			for range server.DefaultEventsPerClient {
				req, _ := http.NewRequestWithContext(sctx, "GET", hs.URL+"/events", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
			}
			s, err := c.Events(ctx, "")
			if err == nil {
				s.Close()
			}
			return err
		}},
	}, log, router)
	// With the event hub closed (as at shutdown), /events is unavailable.
	bare.Events().Close()
	runCases(t, hs.URL, []contractCase{
		{"events after shutdown", 503, func(ctx context.Context, c *api.Client, _ rawFunc) error {
			s, err := c.Events(ctx, "")
			if err == nil {
				s.Close()
			}
			return err
		}},
	}, log, router)

	var missing []string
	for _, path := range doc.Paths.Keys() {
		for method, op := range doc.Paths.Value(path).Operations() {
			for code := range op.Responses.Map() {
				if k := method + " " + path + " " + code; !log.seen[k] {
					missing = append(missing, k)
				}
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("documented but never answered by a case: %s", m)
	}
}

// TestContractRoutes holds the registered routes and the document's
// operations to each other, both ways.
func TestContractRoutes(t *testing.T) {
	doc, _ := contractDoc(t)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "routes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The admin token mounts every optional route.
	srv := server.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Config{AdminToken: contractToken})

	registered := map[string]bool{}
	for _, r := range srv.Routes() {
		k := r.Method + " " + r.Path
		if slices.Contains(server.UndocumentedRoutes, k) || strings.HasPrefix(r.Path, "/*") {
			continue
		}
		registered[r.Method+" "+echoToOpenAPI(r.Path)] = true
	}
	documented := map[string]bool{}
	for _, path := range doc.Paths.Keys() {
		for method := range doc.Paths.Value(path).Operations() {
			documented[method+" "+path] = true
			if method == http.MethodGet { // the info description says every GET answers HEAD
				documented[http.MethodHead+" "+path] = true
			}
		}
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %s is served but not in openapi.yaml: annotate its handler for swag and run make docs", k)
		}
	}
	for k := range documented {
		if !registered[k] && !strings.HasPrefix(k, http.MethodHead+" ") {
			t.Errorf("openapi.yaml documents %s, which no route serves", k)
		}
		if method, path, _ := strings.Cut(k, " "); method == http.MethodGet && !registered[http.MethodHead+" "+path] {
			t.Errorf("GET %s does not answer HEAD, which the info description promises", path)
		}
	}
}

// echoToOpenAPI turns echo's "/posts/:category/:slug" into "/posts/{category}/{slug}",
// and the rest of a path ("*", a bundle file's name) into "{file}".
func echoToOpenAPI(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
		if s == "*" {
			segs[i] = "{file}"
		}
	}
	return strings.Join(segs, "/")
}

// TestContractErrors: unknown routes, wrong methods and panics are problems.
func TestContractErrors(t *testing.T) {
	_, router := contractDoc(t)
	a := startApp(t, contractContent(t), nil)
	tr := &validating{router: router, next: &http.Transport{DisableCompression: true}, log: &seenLog{seen: map[string]bool{}}}
	for _, tc := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{http.MethodGet, "/nope", 404, ""},
		{http.MethodHead, "/nope", 404, ""},
		{http.MethodDelete, "/posts/cs/threads", 405, "GET, HEAD"},
		{http.MethodPost, "/posts", 405, "GET, HEAD"},
	} {
		req, _ := http.NewRequest(tc.method, a.URL+tc.path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
		if tc.allow != "" && !sameMethods(resp.Header.Get("Allow"), tc.allow) {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, resp.Header.Get("Allow"), tc.allow)
		}
	}
}

// sameMethods compares Allow lists as sets, OPTIONS aside (echo answers it
// for every route).
func sameMethods(got, want string) bool {
	set := func(s string) []string {
		var out []string
		for _, m := range strings.Split(s, ",") {
			if m = strings.TrimSpace(m); m != "" && m != http.MethodOptions {
				out = append(out, m)
			}
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(set(got), set(want))
}

// TestSpecIsServed: the three forms of the description agree.
func TestSpecIsServed(t *testing.T) {
	a := startApp(t, contractContent(t), nil)
	resp, body := a.get(t, "/openapi.json")
	if resp.StatusCode != 200 {
		t.Fatalf("/openapi.json: %d", resp.StatusCode)
	}
	fromJSON, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatalf("/openapi.json: %v", err)
	}
	fromYAML, _ := openapi3.NewLoader().LoadFromData(geul.OpenAPIYAML)
	gj, _ := json.Marshal(fromJSON)
	wj, _ := json.Marshal(fromYAML)
	if !bytes.Equal(gj, wj) {
		t.Errorf("/openapi.json and openapi.yaml differ")
	}
	resp, body = a.get(t, "/docs")
	if !bytes.Contains(body, []byte("swagger-ui-bundle.js")) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("/docs: %.200s CSP %q", body, resp.Header.Get("Content-Security-Policy"))
	}
	for _, f := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "geul-docs.js"} {
		if resp, _ := a.get(t, "/docs/"+f); resp.StatusCode != 200 {
			t.Errorf("/docs/%s: %d", f, resp.StatusCode)
		}
	}
	if resp, _ := a.get(t, "/docs/index.html"); resp.StatusCode != 404 {
		t.Errorf("/docs/index.html: %d, want 404 (only the files /docs loads are served)", resp.StatusCode)
	}
}

// TestContractShippedContent holds what geul answers over the repository's
// own content/ to openapi.yaml: every post in each language it has, full and
// trimmed, every list page, category and tag, a search for a word of each
// title, and the JSON feed. Every required key of a schema must be there and
// every key there must be in the schema, whatever the content grows to.
func TestContractShippedContent(t *testing.T) {
	_, router := contractDoc(t)
	a := startApp(t, "../../content", nil)
	tr := &validating{router: router, next: &http.Transport{DisableCompression: true}, log: &seenLog{seen: map[string]bool{}}}
	c, err := api.NewClient(a.URL, api.WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var items []api.PostItem
	for page := 1; ; page++ {
		l, err := c.Posts(ctx, &api.ListOptions{Page: page, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, l.Posts...)
		if l.Meta.Pagination.Next == nil {
			break
		}
	}
	if len(items) == 0 {
		t.Fatal("content/ serves no post")
	}
	for _, it := range items {
		if _, err := c.Post(ctx, it.Slug, nil); err != nil {
			t.Errorf("post %s: %v", it.Slug, err)
		}
		for _, lang := range it.Translations {
			if _, err := c.Post(ctx, it.Slug, &api.PostOptions{Lang: lang}); err != nil {
				t.Errorf("post %s in %s: %v", it.Slug, lang, err)
			}
		}
		if _, err := c.PostFields(ctx, it.Slug, []string{"title", "prev", "toc"}, nil); err != nil {
			t.Errorf("post %s trimmed: %v", it.Slug, err)
		}
		word := strings.Fields(it.Title.Get(it.Lang))
		if len(word) == 0 {
			continue
		}
		r, err := c.Search(ctx, word[0], &api.SearchOptions{Lang: it.Lang})
		if err != nil || len(r.Hits) == 0 {
			t.Errorf("search %q in %s: %d hits, %v", word[0], it.Lang, len(r.Hits), err)
		}
	}
	if _, err := c.PostsFields(ctx, []string{"title", "date"}, nil); err != nil {
		t.Errorf("posts trimmed: %v", err)
	}
	cats, err := c.Categories(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, cat := range cats.Categories {
		if _, err := c.Category(ctx, cat.Slug, nil); err != nil {
			t.Errorf("category %s: %v", cat.Slug, err)
		}
	}
	tags, err := c.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags.Tags {
		if _, err := c.Tag(ctx, tag.Name, nil); err != nil {
			t.Errorf("tag %s: %v", tag.Name, err)
		}
	}
	if _, err := c.JSONFeed(ctx, ""); err != nil {
		t.Errorf("json feed: %v", err)
	}
}
