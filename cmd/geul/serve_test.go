package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"testing"
)

// TestServePostCacheSetting: GEUL_POST_CACHE_MB takes a number of MiB, 0
// turning the payload cache off; anything else is a usage error at start.
func TestServePostCacheSetting(t *testing.T) {
	for _, v := range []string{"abc", "-1", "1.5"} {
		var stderr bytes.Buffer
		getenv := func(k string) string {
			if k == "GEUL_POST_CACHE_MB" {
				return v
			}
			return ""
		}
		err := run(context.Background(), []string{"serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--addr", "127.0.0.1:0"},
			getenv, io.Discard, &stderr)
		if !errors.Is(err, errUsage) {
			t.Errorf("GEUL_POST_CACHE_MB=%s: %v, want a usage error", v, err)
		}
	}

	// Without a cache every request reads the index, and still gets the post.
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"cs/a.ko.md": "---\ntitle: 가\ndate: 2025-01-01\n---\n\nbody\n"})
	a := startApp(t, dir, map[string]string{"GEUL_POST_CACHE_MB": "0"})
	for range 2 {
		if resp, body := a.get(t, "/posts/cs/a"); resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("body")) {
			t.Fatalf("GET /posts/cs/a without a cache: %d %s", resp.StatusCode, body)
		}
	}
}
