package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
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
