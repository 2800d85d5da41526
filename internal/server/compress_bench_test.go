package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// BenchmarkGetPostEncodings measures GET of one post over real HTTP as
// identity, gzip and br in the same run, interleaved request by request so
// that all three see the same machine. Stored forms are served as they are,
// so compressed answers should keep pace with identity ones: the issue's
// target is a ratio of at least 0.9.
func BenchmarkGetPostEncodings(b *testing.B) {
	hs, _ := seedServer(b)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}

	encodings := []string{"identity", "gzip", "br"}
	var spent [3]time.Duration
	var size [3]int
	get := func(i int) {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+seedPost, nil)
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

// seedPost is the repository's own post: the original blog's post, 10 KB of
// Korean markdown with code, as real a payload as there is.
const seedPost = "/posts/cs/multiprocessing-and-multithreading-in-python"

// seedServer indexes the repository's content and serves it over real HTTP.
func seedServer(b *testing.B) (*httptest.Server, *store.Store) {
	b.Helper()
	st, srv := indexed(b, "../../content", filepath.Join(b.TempDir(), "bench.db"))
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return hs, st
}

// BenchmarkGetPostCached holds one post, answered from the payload cache, to a
// bare echo handler that writes the same brotli bytes from memory, request by
// request in turn on one connection each: what geul's middleware and headers
// cost a GET post (request id, access log, metrics, timeout, CORS, ETag,
// Last-Modified, Cache-Control, Vary, Content-Language, security headers)
// with SQLite out of the picture. cmd/geul's BenchmarkServe/GetPost measures
// the ratio over the whole corpus.
func BenchmarkGetPostCached(b *testing.B) {
	hs, st := seedServer(b)
	sp, err := st.Post(context.Background(), strings.TrimPrefix(seedPost, "/posts/"), "ko", repr.Brotli)
	if err != nil || sp.Encoding != repr.Brotli {
		b.Fatalf("stored br payload: %v, %q", err, sp.Encoding)
	}
	e := echo.New()
	e.GET("/posts/:category/:slug", func(c echo.Context) error {
		c.Response().Header().Set("Content-Encoding", "br")
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, sp.Body)
	})
	bare := httptest.NewServer(e)
	defer bare.Close()
	clients := [2]*http.Client{}
	for i := range clients {
		clients[i] = &http.Client{Transport: &http.Transport{DisableCompression: true}}
	}
	bases := [2]string{hs.URL, bare.URL}
	var spent [2]time.Duration
	get := func(i int) {
		req, _ := http.NewRequest(http.MethodGet, bases[i]+seedPost+"?lang=ko", nil)
		req.Header.Set("Accept-Encoding", "br")
		start := time.Now()
		resp, err := clients[i].Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		spent[i] += time.Since(start)
		if resp.StatusCode != http.StatusOK || n != int64(len(sp.Body)) {
			b.Fatalf("%s: %d, %d bytes, want %d", bases[i], resp.StatusCode, n, len(sp.Body))
		}
	}
	get(0) // warm the connections and the payload cache
	get(1)
	spent = [2]time.Duration{}
	b.ResetTimer()
	for b.Loop() {
		get(0)
		get(1)
	}
	b.StopTimer()
	geul, bareRate := float64(b.N)/spent[0].Seconds(), float64(b.N)/spent[1].Seconds()
	b.ReportMetric(geul, "req/s")
	b.ReportMetric(bareRate, "echo-req/s")
	b.ReportMetric(geul/bareRate, "geul/echo")
}

// discardWriter is an http.ResponseWriter that keeps its header map and
// drops the body, so a benchmark counts the server's allocations only.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkServePostInProcess is what geul allocates to answer a stored
// post, without a connection: its allocs/op are the server's own (request
// id, context, middleware, headers, access log, metrics), the figure the
// per-request garbage of a hot GET is read from. A bare echo handler writing
// the same bytes is its baseline.
func BenchmarkServePostInProcess(b *testing.B) {
	st, srv := indexed(b, "../../content", filepath.Join(b.TempDir(), "bench.db"))
	sp, err := st.Post(context.Background(), strings.TrimPrefix(seedPost, "/posts/"), "ko", repr.Brotli)
	if err != nil {
		b.Fatal(err)
	}
	bare := echo.New()
	bare.GET("/posts/:category/:slug", func(c echo.Context) error {
		c.Response().Header().Set("Content-Encoding", "br")
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, sp.Body)
	})
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"geul", srv}, {"echo", bare}} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, seedPost+"?lang=ko", nil)
			req.Header.Set("Accept-Encoding", "br")
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				tc.h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}
