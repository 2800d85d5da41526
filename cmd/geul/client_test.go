package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

// These tests hold api.Client to what a frontend written in Go expects of it,
// against `geul serve` over a real index. TestContract also drives every
// client method through the document.

// exchangeLog is an http.RoundTripper that records each request's
// If-None-Match, Last-Event-ID and the status it got.
type exchangeLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []exchange
}

type exchange struct {
	path, ifNoneMatch, lastEventID string
	status                         int
}

func (l *exchangeLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, exchange{req.URL.Path, req.Header.Get("If-None-Match"), req.Header.Get("Last-Event-ID"), resp.StatusCode})
	return resp, nil
}

func (l *exchangeLog) last() exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[len(l.seen)-1]
}

func (l *exchangeLog) all() []exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

func logClient(t *testing.T, base string, opts ...api.Option) (*api.Client, *exchangeLog) {
	t.Helper()
	log := &exchangeLog{next: http.DefaultTransport}
	c, err := api.NewClient(base, append([]api.Option{api.WithHTTPClient(&http.Client{Transport: log})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, log
}

// TestClientConditional: a second GET sends the ETag it kept and a 304
// returns the kept answer; a change is a 200 again; a cache of 0 bytes (or
// too small for the answer) sends no If-None-Match.
func TestClientConditional(t *testing.T) {
	ctx := context.Background()
	dir := contractContent(t)
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": contractToken})
	c, log := logClient(t, a.URL, api.WithAdminToken(contractToken))

	first, err := c.Post(ctx, "cs/threads", &api.PostOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if got := log.last(); got.ifNoneMatch != "" || got.status != 200 {
		t.Fatalf("first GET: %+v, want 200 without If-None-Match", got)
	}
	again, err := c.Post(ctx, "cs/threads", &api.PostOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if got := log.last(); got.ifNoneMatch == "" || got.status != 304 {
		t.Errorf("second GET: %+v, want 304 to If-None-Match", got)
	}
	if again.Post.Title.Get("en") != "Threads" || again.Post.HTML != first.Post.HTML || again == first {
		t.Errorf("304 gave title %q, html equal %v: want the kept answer, decoded anew", again.Post.Title.Get("en"), again.Post.HTML == first.Post.HTML)
	}
	// Another language is another answer: no validator of the first is sent.
	if _, err := c.Post(ctx, "cs/threads", &api.PostOptions{Lang: "ko"}); err != nil {
		t.Fatal(err)
	}
	if got := log.last(); got.ifNoneMatch != "" || got.status != 200 {
		t.Errorf("GET in ko: %+v, want 200 without If-None-Match", got)
	}

	testutil.WriteFiles(t, dir, map[string]string{"cs/threads.en.md": "---\ntitle: Threads, again\ndate: 2025-02-21\n---\n\nChanged.\n"})
	if _, err := c.Reindex(ctx, ""); err != nil {
		t.Fatal(err)
	}
	changed, err := c.Post(ctx, "cs/threads", &api.PostOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if got := log.last(); got.ifNoneMatch == "" || got.status != 200 || changed.Post.Title.Get("en") != "Threads, again" {
		t.Errorf("GET after a change: %+v title %q, want 200 with the new title", got, changed.Post.Title.Get("en"))
	}

	for _, n := range []int{0, 100} { // none, and less than one answer
		c, log := logClient(t, a.URL, api.WithCacheBytes(n))
		for range 2 {
			if _, err := c.Post(ctx, "cs/threads", nil); err != nil {
				t.Fatal(err)
			}
		}
		if got := log.last(); got.ifNoneMatch != "" || got.status != 200 {
			t.Errorf("WithCacheBytes(%d): %+v, want no conditional request", n, got)
		}
	}
}

// TestClientSlugsAndFields: Post takes the slug lists give; fields= calls say
// which keys came.
func TestClientSlugsAndFields(t *testing.T) {
	ctx := context.Background()
	a := startApp(t, contractContent(t), nil)
	c, log := logClient(t, a.URL)

	page, err := c.PostsFields(ctx, []string{"title", "date"}, &api.ListOptions{Lang: "en", Category: "cs"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 2 || page.Meta.Pagination.Total != 2 {
		t.Fatalf("cs posts: %d of %d, want 2", len(page.Posts), page.Meta.Pagination.Total)
	}
	for _, item := range page.Posts {
		if got := item.Keys(); !slices.Equal(got, []string{"date", "slug", "title"}) {
			t.Errorf("%s: keys %v, want date slug title", item.Slug, got)
		}
		var title api.Localized
		if err := item.Decode("title", &title); err != nil || title.Get("en") == "" && title.Get("ko") == "" {
			t.Errorf("%s: title %v: %v", item.Slug, title, err)
		}
		if err := item.Decode("content", new(string)); err == nil {
			t.Errorf("%s: Decode of a key that did not come succeeds", item.Slug)
		}
		full, err := c.Post(ctx, item.Slug, nil)
		if err != nil {
			t.Errorf("Post(%q) of a list's slug: %v", item.Slug, err)
			continue
		}
		if full.Post.Slug != item.Slug || full.Post.Content == "" {
			t.Errorf("Post(%q): slug %q, %d bytes of content", item.Slug, full.Post.Slug, len(full.Post.Content))
		}
	}
	one, err := c.PostFields(ctx, "cs/threads", []string{"toc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := one.Post.Post(); err != nil || len(p.TOC) == 0 || p.Slug != "cs/threads" || p.Title != nil || !one.Post.Has("toc") || one.Post.Has("title") {
		t.Errorf("PostFields toc: %+v keys %v: %v", p, one.Post.Keys(), err)
	}

	sent := len(log.all())
	for _, bad := range []string{"threads", "cs/", "/threads", "cs/threads/x"} {
		_, err := c.Post(ctx, bad, nil)
		var p *api.Problem
		if err == nil || errors.As(err, &p) {
			t.Errorf("Post(%q): %v, want a client error", bad, err)
		}
	}
	if n := len(log.all()); n != sent {
		t.Errorf("malformed slugs sent %d requests", n-sent)
	}
}

// TestClientEvents: the stream greets, and when the connection drops it
// reconnects with Last-Event-ID and gets what it missed as typed changes.
func TestClientEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := contractContent(t)
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": contractToken})
	admin, _ := logClient(t, a.URL, api.WithAdminToken(contractToken))

	// A proxy between client and server, to cut the connection.
	target, _ := url.Parse(a.URL)
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
		FlushInterval: -1,
	})
	defer proxy.Close()
	c, log := logClient(t, proxy.URL)

	s, err := c.Events(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hello, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	if hello.Type != api.EventHello || hello.ID != strconv.FormatInt(hello.Generation, 10) || hello.Generation < 1 {
		t.Fatalf("first event %+v, want hello with the generation as id", hello)
	}

	proxy.CloseClientConnections()
	testutil.WriteFiles(t, dir, map[string]string{"cs/threads.en.md": "---\ntitle: Threads, missed\ndate: 2025-02-21\n---\n\nChanged.\n"})
	run, err := admin.Reindex(ctx, "")
	if err != nil || !run.Changed {
		t.Fatalf("reindex: %+v %v", run, err)
	}
	ev, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != api.EventGeneration || ev.Changes == nil || ev.Generation != run.Generation || ev.Changes.Since != hello.Generation {
		t.Fatalf("after reconnecting: %+v, want the generation event from %d to %d", ev, hello.Generation, run.Generation)
	}
	if !slices.ContainsFunc(ev.Changes.Updated, func(c api.ChangedPost) bool {
		return c.Slug == "cs/threads" && c.Lang == "en" && c.Generation == run.Generation
	}) {
		t.Errorf("missed changes %+v lack cs/threads en", ev.Changes)
	}
	if got := log.last(); got.path != "/events" || got.lastEventID != hello.ID || got.status != 200 {
		t.Errorf("reconnect: %+v, want GET /events with Last-Event-ID %s", got, hello.ID)
	}
	if s.LastEventID() != ev.ID {
		t.Errorf("LastEventID %q, want %q", s.LastEventID(), ev.ID)
	}
	s.Close()
	if _, err := s.Next(); err == nil {
		t.Errorf("Next after Close succeeds")
	}
}
