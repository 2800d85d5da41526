package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/geul-dev/geul/internal/testutil"
)

// TestServePostCacheSetting: GEUL_POST_CACHE_MB and GEUL_POST_SPILL_MB take
// a number of MiB (0 turns the payload cache or spill off, which store's
// TestPostCacheFollowsCommits and TestPostSpill cover); anything else is a
// usage error at start.
func TestServePostCacheSetting(t *testing.T) {
	for _, name := range []string{"GEUL_POST_CACHE_MB", "GEUL_POST_SPILL_MB"} {
		for _, v := range []string{"abc", "-1", "1.5"} {
			var stderr bytes.Buffer
			getenv := func(k string) string {
				if k == name {
					return v
				}
				return ""
			}
			err := run(context.Background(), []string{"serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--addr", "127.0.0.1:0"},
				getenv, io.Discard, &stderr)
			if !errors.Is(err, errUsage) {
				t.Errorf("%s=%s: %v, want a usage error", name, v, err)
			}
		}
	}
}

// TestServeEdgeSettings: --trusted-proxies and --events-per-client (and
// their variables) reach the server; bad values are usage errors at start.
func TestServeEdgeSettings(t *testing.T) {
	for _, args := range [][]string{{"--trusted-proxies", "10.0.0.0/33"}, {"--events-per-client", "0"}, {"--events-per-client", "x"}} {
		err := run(context.Background(), append([]string{"serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--addr", "127.0.0.1:0"}, args...),
			func(string) string { return "" }, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Errorf("serve %v: %v, want a usage error", args, err)
		}
	}
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{"cs/a.ko.md": goodPost("가")})
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": "edge-token-0123456789", "GEUL_TRUSTED_PROXIES": "127.0.0.1,::1"}, "--events-per-client", "1")
	get := func(path string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", a.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for range 6 {
		get("/admin/status", "X-Forwarded-For", "203.0.113.7", "Authorization", "Bearer wrong")
	}
	if resp := get("/admin/status", "X-Forwarded-For", "198.51.100.1", "Authorization", "Bearer edge-token-0123456789"); resp.StatusCode != 200 {
		t.Errorf("the admin behind the proxy after another client's failures: %d", resp.StatusCode)
	}
	if resp := get("/events"); resp.StatusCode != 200 {
		t.Fatalf("first stream: %d", resp.StatusCode)
	}
	if resp := get("/events"); resp.StatusCode != 429 {
		t.Errorf("second stream with --events-per-client 1: %d", resp.StatusCode)
	}
}
