package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestStoredPostAnswers: a stored post goes out as it is stored, past the
// represent middleware's buffer, with headers shared between requests: each
// answer, asked for twice (the second from the memo of its headers), in each
// encoding, by GET and HEAD, from a browser (Origin) or not, carries its own
// exact length, tag, language and Vary, and decodes to the identity bytes.
func TestStoredPostAnswers(t *testing.T) {
	dir := listSite(t)
	long := listPost("긴 글", "2024-01-01", false, "alpha") + strings.Repeat("A paragraph of the long post, long enough to compress.\n\n", 60)
	if err := os.WriteFile(filepath.Join(dir, "cs", "long.ko.md"), []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newListEnvOf(t, dir)
	_, identity := e.request(t, http.MethodGet, "/posts/cs/long?lang=ko", "Accept-Encoding", "identity")
	for _, tc := range []struct {
		name, target, accept, origin, vary string
	}{
		{"identity", "/posts/cs/long?lang=ko", "identity", "", "Origin, Accept-Encoding, Accept-Language"},
		{"gzip", "/posts/cs/long?lang=ko", "gzip", "", "Origin, Accept-Encoding, Accept-Language"},
		{"br", "/posts/cs/long?lang=ko", "br", "", "Origin, Accept-Encoding, Accept-Language"},
		{"br from a browser", "/posts/cs/long?lang=ko", "br", "https://blog.example", "Origin, Accept-Encoding, Accept-Language"},
		{"no lang", "/posts/cs/long", "br", "", "Origin, Accept-Language, Accept-Encoding"},
		{"fields, compressed by represent", "/posts/cs/long?lang=ko&fields=title,content", "gzip", "", "Origin, Accept-Encoding, Accept-Language"},
	} {
		var tags []string
		for round := range 2 {
			header := []string{"Accept-Encoding", tc.accept}
			if tc.origin != "" {
				header = append(header, "Origin", tc.origin)
			}
			get, body := e.request(t, http.MethodGet, tc.target, header...)
			head, hb := e.request(t, http.MethodHead, tc.target, header...)
			if get.StatusCode != http.StatusOK || head.StatusCode != http.StatusOK || len(hb) != 0 {
				t.Fatalf("%s: GET %d, HEAD %d with %d bytes", tc.name, get.StatusCode, head.StatusCode, len(hb))
			}
			for _, k := range []string{"ETag", "Content-Length", "Content-Encoding", "Content-Type", "Content-Language", "Vary", "Last-Modified", "Cache-Control"} {
				if head.Header.Get(k) != get.Header.Get(k) {
					t.Errorf("%s: HEAD %s %q, GET %q", tc.name, k, head.Header.Get(k), get.Header.Get(k))
				}
			}
			if got := get.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("%s: Content-Length %q for %d bytes", tc.name, got, len(body))
			}
			if got := get.Header.Values("Vary"); len(got) != 1 || got[0] != tc.vary {
				t.Errorf("%s (round %d): Vary %q, want %q", tc.name, round, got, tc.vary)
			}
			if got := get.Header.Get("Content-Language"); got != "ko" {
				t.Errorf("%s: Content-Language %q", tc.name, got)
			}
			if got := get.Header.Get("Access-Control-Allow-Origin"); (tc.origin != "") != (got != "") {
				t.Errorf("%s: Access-Control-Allow-Origin %q", tc.name, got)
			}
			if get.Header.Get("X-Request-Id") == "" || get.Header.Get("X-Request-Id") == head.Header.Get("X-Request-Id") {
				t.Errorf("%s: request ids %q and %q", tc.name, get.Header.Get("X-Request-Id"), head.Header.Get("X-Request-Id"))
			}
			decoded := decodeBody(t, get.Header.Get("Content-Encoding"), body)
			if !strings.Contains(tc.target, "fields=") && !bytes.Equal(decoded, identity) {
				t.Errorf("%s: decodes to %d bytes other than the identity %d", tc.name, len(decoded), len(identity))
			}
			tags = append(tags, get.Header.Get("ETag"))
			// The tag it carries makes it a 304, with the tag and no body.
			nm, nb := e.request(t, http.MethodGet, tc.target, append(header, "If-None-Match", tags[0])...)
			if nm.StatusCode != http.StatusNotModified || len(nb) != 0 || nm.Header.Get("ETag") != tags[0] || nm.Header.Get("Content-Length") != "" {
				t.Errorf("%s: If-None-Match: %d, %d bytes, ETag %q, Content-Length %q", tc.name, nm.StatusCode, len(nb), nm.Header.Get("ETag"), nm.Header.Get("Content-Length"))
			}
		}
		if tags[0] != tags[1] || tags[0] == "" {
			t.Errorf("%s: tags %q", tc.name, tags)
		}
	}
}

func decodeBody(t *testing.T, enc string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(r)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
