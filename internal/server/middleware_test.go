package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"
)

// testServer is a server over an empty index with extra test routes: a large
// and a small JSON body, and handlers that panic.
func testServer(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.AdminToken = "test-admin-token-0123456789abcdef"
	s := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	big := []byte(`{"items":"` + strings.Repeat("geul ", 400) + `"}`)
	s.get("/test/big", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, big) })
	s.get("/test/small", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, []byte(`{"a":1}`)) })
	s.get("/test/panic", func(c echo.Context) error {
		c.Response().Header().Set("ETag", `"x"`)
		_, _ = c.Response().Write([]byte(`{"half":`))
		panic("boom in " + filepath.Join("internal", "server", "x.go"))
	})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return hs
}

func do(t *testing.T, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestCompressionNegotiation(t *testing.T) {
	hs := testServer(t, Config{})
	_, plain := do(t, "GET", hs.URL+"/test/big")
	for _, tc := range []struct {
		path, accept, want string
	}{
		{"/test/big", "", ""},
		{"/test/big", "gzip", "gzip"},
		{"/test/big", "br", "br"},
		{"/test/big", "gzip, br", "br"},
		{"/test/big", "br;q=0.5, gzip", "gzip"},
		{"/test/big", "br;q=0, gzip;q=0", ""},
		{"/test/big", "*", "br"},
		{"/test/big", "identity", ""},
		{"/test/small", "gzip, br", ""}, // under 1 KB: sent as it is
	} {
		resp, body := do(t, "GET", hs.URL+tc.path, "Accept-Encoding", tc.accept)
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("%s with %q: Content-Encoding %q, want %q", tc.path, tc.accept, got, tc.want)
			continue
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q lacks Accept-Encoding", tc.path, resp.Header.Get("Vary"))
		}
		var r io.Reader = bytes.NewReader(body)
		switch tc.want {
		case "gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		case "br":
			r = brotli.NewReader(r)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s %q: %v", tc.path, tc.accept, err)
		}
		if tc.path == "/test/big" && !bytes.Equal(got, plain) {
			t.Errorf("%s %q: decoded body differs from the identity one", tc.path, tc.accept)
		}
		if tc.want != "" && len(body) >= len(plain) {
			t.Errorf("%s %q: %d bytes, not smaller than %d", tc.path, tc.accept, len(body), len(plain))
		}
	}
}

func TestConditionalAndHead(t *testing.T) {
	hs := testServer(t, Config{})
	resp, body := do(t, "GET", hs.URL+"/test/big", "Accept-Encoding", "gzip")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || lm == "" {
		t.Fatalf("ETag %q Last-Modified %q", etag, lm)
	}
	if got, want := resp.Header.Get("Cache-Control"), DefaultCacheControl; got != want {
		t.Errorf("Cache-Control %q, want %q", got, want)
	}
	head, hb := do(t, "HEAD", hs.URL+"/test/big", "Accept-Encoding", "gzip")
	for _, k := range []string{"ETag", "Content-Length", "Content-Encoding", "Content-Type", "Vary", "Last-Modified"} {
		if head.Header.Get(k) != resp.Header.Get(k) {
			t.Errorf("HEAD %s %q, GET %q", k, head.Header.Get(k), resp.Header.Get(k))
		}
	}
	if len(hb) != 0 || resp.Header.Get("Content-Length") != itoa(len(body)) {
		t.Errorf("HEAD body %d bytes; GET Content-Length %q for %d bytes", len(hb), resp.Header.Get("Content-Length"), len(body))
	}
	for _, h := range [][]string{{"If-None-Match", etag}, {"If-None-Match", `"a", ` + etag}, {"If-None-Match", "*"}, {"If-Modified-Since", lm}} {
		r, b := do(t, "GET", hs.URL+"/test/big", h[0], h[1], "Accept-Encoding", "gzip")
		if r.StatusCode != http.StatusNotModified || len(b) != 0 || r.Header.Get("ETag") != etag {
			t.Errorf("%s %s: %d, %d bytes, ETag %q; want 304, no body, %q", h[0], h[1], r.StatusCode, len(b), r.Header.Get("ETag"), etag)
		}
	}
	for _, h := range [][]string{{"If-None-Match", `"other"`}, {"If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}} {
		if r, _ := do(t, "GET", hs.URL+"/test/big", h[0], h[1]); r.StatusCode != http.StatusOK {
			t.Errorf("%s %s: %d, want 200", h[0], h[1], r.StatusCode)
		}
	}
}

func TestCacheControlConfigurable(t *testing.T) {
	hs := testServer(t, Config{CacheControl: "public, max-age=5"})
	if r, _ := do(t, "GET", hs.URL+"/test/small"); r.Header.Get("Cache-Control") != "public, max-age=5" {
		t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}
}

// TestPanicIsAProblem: a panic after a partial write is a generic 500 problem,
// with nothing of the panic, the code or the partial body in it.
func TestPanicIsAProblem(t *testing.T) {
	hs := testServer(t, Config{})
	for _, m := range []string{"GET", "HEAD"} {
		resp, body := do(t, m, hs.URL+"/test/panic")
		if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: %d %q", m, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp.Header.Get("ETag") != "" {
			t.Errorf("%s: the failed handler's ETag %q was sent", m, resp.Header.Get("ETag"))
		}
		for _, leak := range []string{"boom", ".go", "goroutine", "half"} {
			if bytes.Contains(body, []byte(leak)) {
				t.Errorf("%s: body %s shows %q", m, body, leak)
			}
		}
	}
}

func TestCORS(t *testing.T) {
	hs := testServer(t, Config{})
	resp, _ := do(t, "GET", hs.URL+"/test/small", "Origin", "https://blog.example")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("GET from an origin: ACAO %q, expose %q", resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Expose-Headers"))
	}
	if v := resp.Header.Get("Vary"); !strings.Contains(v, "Origin") || !strings.Contains(v, "Accept-Encoding") {
		t.Errorf("Vary %q, want Origin and Accept-Encoding", v)
	}
	pre, _ := do(t, "OPTIONS", hs.URL+"/posts", "Origin", "https://blog.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "GET") || pre.Header.Get("Access-Control-Max-Age") == "" {
		t.Errorf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
	for _, m := range []string{"GET", "OPTIONS"} {
		adm, _ := do(t, m, hs.URL+"/admin/status", "Origin", "https://blog.example", "Access-Control-Request-Method", "GET")
		if adm.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s /admin/status from an origin: ACAO %q, want none", m, adm.Header.Get("Access-Control-Allow-Origin"))
		}
	}

	only := testServer(t, Config{CORSOrigins: []string{"https://blog.example"}})
	if r, _ := do(t, "GET", only.URL+"/test/small", "Origin", "https://blog.example"); r.Header.Get("Access-Control-Allow-Origin") != "https://blog.example" {
		t.Errorf("configured origin: ACAO %q", r.Header.Get("Access-Control-Allow-Origin"))
	}
	if r, _ := do(t, "GET", only.URL+"/test/small", "Origin", "https://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin: ACAO %q, want none", r.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestSecurityHeadersAndTimeouts(t *testing.T) {
	hs := testServer(t, Config{})
	for _, p := range []string{"/test/small", "/nope", "/docs"} {
		r, _ := do(t, "GET", hs.URL+p)
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: nosniff %q CSP %q", p, r.Header.Get("X-Content-Type-Options"), r.Header.Get("Content-Security-Policy"))
		}
	}
	s := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})
	h := s.HTTPServer(":0")
	if h.ReadHeaderTimeout == 0 || h.ReadTimeout == 0 || h.WriteTimeout == 0 || h.IdleTimeout == 0 {
		t.Errorf("timeouts: %v %v %v %v", h.ReadHeaderTimeout, h.ReadTimeout, h.WriteTimeout, h.IdleTimeout)
	}
}

func TestPickLanguage(t *testing.T) {
	s := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})
	s.publish(context.Background(), site.New(0, content.Site{Languages: []string{"ko", "en"}}, nil), store.Release{})
	for _, tc := range []struct{ header, want string }{
		{"en-US,en;q=0.9,ko;q=0.8", "en"},
		{"ko-KR,ko;q=0.9,en;q=0.5", "ko"},
		{"fr-FR,fr;q=0.9", "ko"},
		{"fr, en;q=0.1", "en"},
		{"", "ko"},
		{"garbage;;q=x", "ko"},
	} {
		req := httptest.NewRequest("GET", "/posts", nil)
		req.Header.Set("Accept-Language", tc.header)
		c := s.echo.NewContext(req, httptest.NewRecorder())
		got, err := s.pickLang(c)
		if err != nil || got != tc.want {
			t.Errorf("Accept-Language %q: %q %v, want %q", tc.header, got, err, tc.want)
		}
	}
}
