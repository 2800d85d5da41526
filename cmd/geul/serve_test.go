package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
)

// TestServePostCacheSetting: GEUL_POST_CACHE_MB takes a number of MiB (0
// turns the payload cache off, which store's TestPostCacheFollowsCommits
// covers); anything else is a usage error at start.
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
}
