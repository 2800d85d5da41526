package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// benchPosts is the size of the corpus the list benchmarks serve.
const benchPosts = 10000

// benchCorpus is a 10,000-post corpus indexed once per process: indexing it
// takes a minute or two, every list benchmark shares it.
var benchCorpus struct {
	once sync.Once
	dir  string // removed by TestMain
	srv  *server.Server
	st   *store.Store
	cats []string
	tags []string
	err  error
}

// TestMain removes the benchmark corpus, which outlives any one benchmark's
// TempDir on purpose.
func TestMain(m *testing.M) {
	code := m.Run()
	// Not closed first: closing checkpoints gigabytes of WAL into a file
	// about to be deleted.
	if benchCorpus.dir != "" {
		os.RemoveAll(benchCorpus.dir)
	}
	os.Exit(code)
}

func benchServer(b *testing.B) *server.Server {
	b.Helper()
	c := &benchCorpus
	c.once.Do(func() {
		ctx := context.Background()
		if c.dir, c.err = os.MkdirTemp("", "geul-bench-lists-"); c.err != nil {
			return
		}
		content := filepath.Join(c.dir, "content")
		if _, c.err = corpus.Generate(content, corpus.Options{Posts: benchPosts, Seed: 1}); c.err != nil {
			return
		}
		if c.st, c.err = store.Open(ctx, filepath.Join(c.dir, "index.db")); c.err != nil {
			return
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		start := time.Now()
		sum, err := index.New(content, c.st).Run(ctx)
		if c.err = err; err != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "lists bench: indexed %d posts in %s\n", sum.Total, time.Since(start).Round(time.Millisecond))
		// The content files are not needed to serve.
		os.RemoveAll(content)
		c.srv = server.New(c.st, log, server.Config{})
		c.srv.Publish(ctx, server.Update{Site: sum.Site, Run: server.IndexRun{Generation: sum.Generation, Changed: sum.Changed, Posts: sum.Posts}})
		c.srv.SetReady()
		cats, err := c.st.Categories(ctx)
		if c.err = err; err != nil {
			return
		}
		for _, cat := range cats {
			c.cats = append(c.cats, cat.Slug)
		}
		tags, err := c.st.Tags(ctx)
		if c.err = err; err != nil {
			return
		}
		for _, t := range tags[:min(len(tags), 20)] {
			c.tags = append(c.tags, t.Name)
		}
	})
	if c.err != nil {
		b.Fatal(c.err)
	}
	return c.srv
}

// benchRequests times srv.ServeHTTP on each target in turn and reports the
// median and 99th percentile of a request.
func benchRequests(b *testing.B, srv *server.Server, targets []string) {
	b.Helper()
	for _, t := range targets { // warm the connections and caches
		if rec := serve(srv, t); rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", t, rec.Code, rec.Body)
		}
	}
	var times []time.Duration
	i := 0
	for b.Loop() {
		t := targets[i%len(targets)]
		i++
		start := time.Now()
		rec := serve(srv, t)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", t, rec.Code)
		}
	}
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(float64(len(times))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func serve(srv *server.Server, target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// BenchmarkListPage serves corpus.ListPages: pages 1 to 40 of GET /posts
// (the default 15 posts, newest first) in both languages, and a few other
// sorts and sizes.
func BenchmarkListPage(b *testing.B) {
	benchRequests(b, benchServer(b), corpus.ListPages())
}

// BenchmarkCategoryPage serves pages 1 to 10 of every category.
func BenchmarkCategoryPage(b *testing.B) {
	srv := benchServer(b)
	var targets []string
	for p := 1; p <= 10; p++ {
		for _, c := range benchCorpus.cats {
			targets = append(targets, fmt.Sprintf("/categories/%s?page=%d", c, p))
		}
	}
	benchRequests(b, srv, targets)
}

// BenchmarkTagPage serves pages 1 to 5 of the 20 most used tags.
func BenchmarkTagPage(b *testing.B) {
	srv := benchServer(b)
	var targets []string
	for p := 1; p <= 5; p++ {
		for _, t := range benchCorpus.tags {
			targets = append(targets, fmt.Sprintf("/tags/%s?page=%d", url.PathEscape(t), p))
		}
	}
	benchRequests(b, srv, targets)
}
