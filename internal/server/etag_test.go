package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepresentationETags: identity, gzip and br forms of an answer each have
// their own ETag, and a conditional request with any of them, weak or
// strong, is a 304 carrying the tag of the form it would have sent.
func TestRepresentationETags(t *testing.T) {
	dir := listSite(t)
	// A post long enough to be stored compressed at index time.
	long := listPost("긴 글", "2024-01-01", false, "alpha") + strings.Repeat("A paragraph of the long post, long enough to compress.\n\n", 60)
	if err := os.WriteFile(filepath.Join(dir, "cs", "long.ko.md"), []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newListEnvOf(t, dir)
	encodings := []string{"identity", "gzip", "br"}
	for _, target := range []string{
		"/posts/cs/long",  // stored compressed at index time
		"/posts?limit=20", // compressed by the middleware
		"/posts?limit=20&fields=title,description,tags",
		"/feed.xml",
		"/openapi.json",
	} {
		tags := map[string]string{} // by encoding
		for _, enc := range encodings {
			resp, _ := e.request(t, http.MethodGet, target, "Accept-Encoding", enc)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s (%s): %d", target, enc, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != strings.TrimPrefix(enc, "identity") {
				t.Fatalf("GET %s (%s): Content-Encoding %q", target, enc, got)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("GET %s (%s): Vary %q", target, enc, resp.Header.Get("Vary"))
			}
			tags[enc] = resp.Header.Get("ETag")
		}
		if tags["identity"] == tags["gzip"] || tags["identity"] == tags["br"] || tags["gzip"] == tags["br"] {
			t.Errorf("GET %s: one ETag for two representations: %v", target, tags)
		}
		for _, held := range encodings {
			for _, tag := range []string{tags[held], "W/" + tags[held], `"other", ` + tags[held]} {
				for _, enc := range encodings {
					resp, body := e.request(t, http.MethodGet, target, "Accept-Encoding", enc, "If-None-Match", tag)
					if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
						t.Errorf("GET %s (%s) If-None-Match %s: %d, %d bytes; want 304", target, enc, tag, resp.StatusCode, len(body))
					}
					if got := resp.Header.Get("ETag"); got != tags[enc] {
						t.Errorf("GET %s (%s) If-None-Match %s: 304 with ETag %s, want %s", target, enc, tag, got, tags[enc])
					}
				}
			}
		}
		if resp, _ := e.request(t, http.MethodGet, target, "If-None-Match", strings.TrimSuffix(tags["identity"], `"`)+`-zz"`); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s with an unknown suffix: %d, want 200", target, resp.StatusCode)
		}
	}
}
