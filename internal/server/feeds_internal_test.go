package server

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"
)

// feedEnv is a server over a generated corpus, indexed for real.
type feedEnv struct {
	dir string
	st  *store.Store
	ix  *index.Indexer
	srv *Server
	hs  *httptest.Server
}

// smallSite writes n short posts in two languages over two categories; the
// third is a draft.
func smallSite(n int) func(dir string) error {
	return func(dir string) error {
		files := map[string]string{"a/_category.yaml": "name: {ko: 가, en: A}\n", "b/_category.yaml": "name: {ko: 나, en: B}\n"}
		for i := 1; i <= n; i++ {
			cat := []string{"a", "b"}[i%2]
			draft := ""
			if i == 3 {
				draft = "draft: true\n"
			}
			for _, lang := range []string{"ko", "en"} {
				files[fmt.Sprintf("%s/p%d.%s.md", cat, i, lang)] = fmt.Sprintf("---\ntitle: 글 %d %s\ndate: 2025-01-%02d\n%s---\n\n본문 %d\n", i, lang, i, draft, i)
			}
		}
		for p, data := range files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

func newFeedEnv(tb testing.TB, write func(dir string) error, cfg Config) *feedEnv {
	tb.Helper()
	ctx := context.Background()
	e := &feedEnv{dir: tb.TempDir()}
	if err := write(e.dir); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "index.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.st, e.ix = st, index.New(e.dir, st)
	e.srv = New(st, log, cfg)
	e.reindex(tb)
	e.srv.SetReady()
	e.hs = httptest.NewServer(e.srv)
	tb.Cleanup(e.hs.Close)
	return e
}

func (e *feedEnv) reindex(tb testing.TB) index.Summary {
	tb.Helper()
	sum, err := e.ix.Run(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	e.srv.publish(context.Background(), sum.Site, store.Release{})
	return sum
}

// identityClient asks for uncompressed answers, so that benchmarks time the
// server rather than the client's gunzip.
var identityClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func (e *feedEnv) get(tb testing.TB, path string) []byte {
	tb.Helper()
	resp, err := identityClient.Get(e.hs.URL + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// TestSitemapIndex cuts a sitemap into files of a few URLs: /sitemap.xml is
// then an index of them, and together they list every URL once.
func TestSitemapIndex(t *testing.T) {
	e := newFeedEnv(t, smallSite(6), Config{BaseURL: "https://b.example"})
	whole := e.get(t, "/sitemap.xml")
	var all struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(whole, &all); err != nil {
		t.Fatal(err)
	}
	// 6 posts, one a draft, in two languages, and their two categories.
	if n := len(all.URLs); n != 5*2+2 {
		t.Fatalf("%d URLs in the sitemap, want 5 posts × 2 languages and 2 categories", n)
	}

	e.srv.feeds.sitemapLimit = 4
	e.srv.feeds.mu.Lock()
	clear(e.srv.feeds.cache)
	e.srv.feeds.mu.Unlock()
	var idx struct {
		XMLName  xml.Name `xml:"sitemapindex"`
		Sitemaps []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
		} `xml:"sitemap"`
	}
	if err := xml.Unmarshal(e.get(t, "/sitemap.xml"), &idx); err != nil {
		t.Fatal(err)
	}
	if want := (len(all.URLs) + 3) / 4; len(idx.Sitemaps) != want {
		t.Fatalf("index lists %d files, want %d", len(idx.Sitemaps), want)
	}
	var locs []string
	for i, sm := range idx.Sitemaps {
		if want := "https://b.example/sitemap.xml?page=" + strconv.Itoa(i+1); sm.Loc != want || sm.LastMod == "" {
			t.Errorf("file %d: %q lastmod %q, want %q", i, sm.Loc, sm.LastMod, want)
		}
		var part struct {
			URLs []struct {
				Loc string `xml:"loc"`
			} `xml:"url"`
		}
		if err := xml.Unmarshal(e.get(t, "/sitemap.xml?page="+strconv.Itoa(i+1)), &part); err != nil {
			t.Fatal(err)
		}
		if len(part.URLs) == 0 || len(part.URLs) > 4 {
			t.Errorf("file %d has %d URLs", i+1, len(part.URLs))
		}
		for _, u := range part.URLs {
			locs = append(locs, u.Loc)
		}
	}
	for i, u := range all.URLs {
		if i >= len(locs) || locs[i] != u.Loc {
			t.Fatalf("the files list %d URLs, differing at %d from the whole sitemap's %d", len(locs), i, len(all.URLs))
		}
	}
	for _, q := range []string{"?page=0", "?page=x", "?page=" + strconv.Itoa(len(idx.Sitemaps)+1)} {
		resp, err := http.Get(e.hs.URL + "/sitemap.xml" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 4 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("/sitemap.xml%s: %d %s, want a 4xx problem", q, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// TestFeedCache checks that a feed is built once per generation and site
// settings, and that waiting requests share one build.
func TestFeedCache(t *testing.T) {
	e := newFeedEnv(t, smallSite(2), Config{BaseURL: "https://b.example"})
	first := e.get(t, "/feed.xml?lang=en")
	key := func() *feedEntry {
		e.srv.feeds.mu.Lock()
		defer e.srv.feeds.mu.Unlock()
		for k, v := range e.srv.feeds.cache {
			if k.kind == "rss" && k.lang == "en" {
				return v
			}
		}
		return nil
	}
	before := key()
	if before == nil {
		t.Fatal("no rss entry cached")
	}
	if again := e.get(t, "/feed.xml?lang=en"); !bytes.Equal(again, first) || key() != before {
		t.Fatal("a second request built the feed again")
	}
	e.srv.publish(context.Background(), site.New(0, content.Site{Languages: []string{"ko", "en"}, Title: map[string]string{"en": "Renamed"}}, nil), store.Release{})
	if got := e.get(t, "/feed.xml?lang=en"); !bytes.Contains(got, []byte("<title>Renamed</title>")) {
		t.Errorf("new site title not in the feed: %.300s", got)
	}
	if key() == before {
		t.Error("the feed of the old settings is still cached")
	}

	// Builds are shared: many waiters, one build.
	builds := 0
	gate := make(chan struct{})
	k := feedKey{kind: "test", gen: 1 << 40}
	done := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := e.srv.feeds.cached(context.Background(), k, time.Second, func(context.Context) (any, error) {
				builds++
				<-gate
				return &feedDoc{}, nil
			})
			done <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if builds != 1 {
		t.Errorf("%d builds, want 1", builds)
	}
	// A failure of ours is not kept.
	k.kind = "failing"
	boom := errors.New("boom")
	for range 2 {
		if _, err := e.srv.feeds.cached(context.Background(), k, time.Second, func(context.Context) (any, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
	}
	e.srv.feeds.mu.Lock()
	_, kept := e.srv.feeds.cache[k]
	e.srv.feeds.mu.Unlock()
	if kept {
		t.Error("a failed build stays cached")
	}
}

// BenchmarkFeed compares a feed request answered from the cache with one
// that builds the feed (cache dropped before each request), over real HTTP
// and a corpus of 300 posts, interleaved so both see the same machine.
func BenchmarkFeed(b *testing.B) {
	e := newFeedEnv(b, func(dir string) error {
		_, err := corpus.Generate(dir, corpus.Options{Posts: 300, Seed: 3, DraftEvery: 7})
		return err
	}, Config{BaseURL: "https://b.example"})
	for _, path := range []string{"/feed.xml?lang=ko", "/atom.xml?lang=en", "/feed.json?lang=ko", "/sitemap.xml"} {
		b.Run(strings.NewReplacer("/", "", "?lang=", "-").Replace(path), func(b *testing.B) {
			var cached, built []time.Duration
			size := len(e.get(b, path))
			for b.Loop() {
				start := time.Now()
				e.get(b, path)
				cached = append(cached, time.Since(start))
				e.srv.feeds.mu.Lock()
				clear(e.srv.feeds.cache)
				e.srv.feeds.mu.Unlock()
				start = time.Now()
				e.get(b, path)
				built = append(built, time.Since(start))
			}
			mc, mb := median(cached), median(built)
			b.ReportMetric(float64(mc.Microseconds()), "cached-µs")
			b.ReportMetric(float64(mb.Microseconds()), "built-µs")
			b.ReportMetric(float64(mb)/float64(mc), "built/cached")
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
