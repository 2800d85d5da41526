package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// BenchmarkGetPostEncodings measures GET of one post over real HTTP as
// identity, gzip and br in the same run, interleaved request by request so
// that all three see the same machine. Stored forms are served as they are,
// so compressed answers should keep pace with identity ones: the issue's
// target is a ratio of at least 0.9.
func BenchmarkGetPostEncodings(b *testing.B) {
	ctx := context.Background()
	// The repository's own content: the original blog's post, 10 KB of Korean
	// markdown with code, as real a payload as there is.
	dir := "../../content"
	const post = "/posts/cs/multiprocessing-and-multithreading-in-python"
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sum, err := index.New(dir, st).Run(ctx)
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(st, log, server.Config{})
	srv.SetLanguages(sum.Languages)
	srv.SetReady()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}

	encodings := []string{"identity", "gzip", "br"}
	var spent [3]time.Duration
	var size [3]int
	get := func(i int) {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+post, nil)
		req.Header.Set("Accept-Encoding", encodings[i])
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		spent[i] += time.Since(start)
		if resp.StatusCode != http.StatusOK || (i > 0) != (resp.Header.Get("Content-Encoding") == encodings[i]) {
			b.Fatalf("%s: %d %q", encodings[i], resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		size[i] = int(n)
	}
	for i := range encodings { // warm the connection and the caches
		get(i)
	}
	spent = [3]time.Duration{}
	b.ResetTimer()
	for b.Loop() {
		for i := range encodings {
			get(i)
		}
	}
	b.StopTimer()
	rate := func(i int) float64 { return float64(b.N) / spent[i].Seconds() }
	b.ReportMetric(rate(0), "identity-req/s")
	b.ReportMetric(rate(1), "gzip-req/s")
	b.ReportMetric(rate(2), "br-req/s")
	b.ReportMetric(rate(1)/rate(0), "gzip/identity")
	b.ReportMetric(rate(2)/rate(0), "br/identity")
	b.ReportMetric(float64(size[0]), "identity-B")
	b.ReportMetric(float64(size[1]), "gzip-B")
	b.ReportMetric(float64(size[2]), "br-B")
}
