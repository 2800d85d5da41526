package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

// pngOf is a real PNG of the given size.
func pngOf(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

const bundlePost = "---\ntitle: 그림\ndate: 2025-05-06\n---\n\n## 그림\n\n![다이어그램](diagram.png)\n\n![중첩](./images/nested.png)\n\n[노트](notes.pdf) and [other post](../other)\n\n![없는 그림](missing.png)\n"

// bundleContent is a folder with a bundle post, a draft bundle and the
// files a bundle must not serve.
func bundleContent(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"cs/_category.yaml":         "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/pic/index.ko.md":        bundlePost,
		"cs/pic/index.en.md":        "---\ntitle: Pictures\n---\n\n![diagram](diagram.png)\n",
		"cs/pic/diagram.png":        pngOf(t, 64, 32),
		"cs/pic/images/nested.png":  pngOf(t, 8, 4),
		"cs/pic/notes.pdf":          "%PDF-1.4 not much of a pdf\n",
		"cs/pic/.hidden.png":        pngOf(t, 1, 1),
		"cs/pic/draft-notes.md":     "not served",
		"cs/secret/index.ko.md":     "---\ntitle: 비밀\ndate: 2025-05-06\ndraft: true\n---\n\n![x](diagram.png)\n",
		"cs/secret/diagram.png":     pngOf(t, 2, 2),
		"cs/outside/index.ko.md":    goodPost("밖"),
		"cs/outside/not-yours.png":  pngOf(t, 3, 3),
		"cs/flat.ko.md":             goodPost("평평"),
		"cs/shared-images/logo.png": pngOf(t, 5, 5),
	}
	testutil.WriteFiles(t, dir, files)
	if err := os.Symlink("../outside/not-yours.png", filepath.Join(dir, "cs", "pic", "stolen.png")); err != nil {
		t.Fatal(err)
	}
	return dir, files
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestBundleFilesServed: a bundle's files are served from the index with
// their type, validators and ranges, and nothing else under a post is.
func TestBundleFilesServed(t *testing.T) {
	dir, files := bundleContent(t)
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": testAdminToken})
	diagram := files["cs/pic/diagram.png"]

	resp, body := a.get(t, "/posts/cs/pic/diagram.png", "Accept-Encoding", "gzip, br")
	h := resp.Header
	if resp.StatusCode != 200 || string(body) != diagram {
		t.Fatalf("GET diagram.png: %d, %d bytes (want %d)", resp.StatusCode, len(body), len(diagram))
	}
	etag := `"` + sha(diagram) + `"`
	for k, want := range map[string]string{
		"Content-Type": "image/png", "ETag": etag, "Content-Encoding": "",
		"Cache-Control":               "public, max-age=86400, stale-while-revalidate=604800",
		"Access-Control-Allow-Origin": "",
		"Content-Length":              itoaTest(len(diagram)),
		"X-Content-Type-Options":      "nosniff",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if _, err := http.ParseTime(h.Get("Last-Modified")); err != nil {
		t.Errorf("Last-Modified %q: %v", h.Get("Last-Modified"), err)
	}
	resp, _ = a.get(t, "/posts/cs/pic/diagram.png", "Origin", "https://blog.example")
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("CORS: Access-Control-Allow-Origin %q", got)
	}
	resp, body = a.get(t, "/posts/cs/pic/diagram.png", "If-None-Match", etag)
	if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d, %d bytes, ETag %q", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	resp, body = a.get(t, "/posts/cs/pic/diagram.png", "Range", "bytes=0-7")
	if resp.StatusCode != 206 || string(body) != diagram[:8] || resp.Header.Get("Content-Range") != "bytes 0-7/"+itoaTest(len(diagram)) {
		t.Errorf("Range: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Range"))
	}
	// What ServeContent refuses is a problem like every other error.
	for _, tc := range []struct {
		header, value string
		status        int
	}{
		{"Range", "bytes=999999-", 416},
		{"Range", "pages=1-2", 416},
		{"If-Match", `"other"`, 412},
		{"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT", 412},
	} {
		resp, body := a.get(t, "/posts/cs/pic/diagram.png", tc.header, tc.value)
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), `"status":`) {
			t.Errorf("%s: %s: %d %q %.200s; want %d problem+json", tc.header, tc.value, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status)
		}
	}
	resp, body = a.get(t, "/posts/cs/pic/images/nested.png")
	if resp.StatusCode != 200 || string(body) != files["cs/pic/images/nested.png"] {
		t.Errorf("nested file: %d", resp.StatusCode)
	}
	resp, _ = a.get(t, "/posts/cs/pic/notes.pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("notes.pdf: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/posts/cs/pic/..%2Fouter%2Fnot-yours.png", 400},
		{"/posts/cs/pic/images%2Fnested.png", 400},
		{"/posts/cs/pic/images%5cnested.png", 400},
		{"/posts/cs/pic/a\\b.png", 400},
		{"/posts/cs/pic/../outside/not-yours.png", 404},
		{"/posts/cs/pic/./diagram.png", 404},
		{"/posts/cs/pic/images//nested.png", 404},
		{"/posts/cs/pic/.hidden.png", 404},
		{"/posts/cs/pic/index.ko.md", 404},
		{"/posts/cs/pic/draft-notes.md", 404},
		{"/posts/cs/pic/stolen.png", 404},
		{"/posts/cs/pic/missing.png", 404},
		{"/posts/cs/secret/diagram.png", 404},
		{"/posts/cs/shared-images/logo.png", 404},
		{"/posts/cs/Pic/diagram.png", 400},
	} {
		resp, body := a.get(t, tc.path)
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s %.200s; want %d problem+json", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status)
		}
	}

	// The symlink out of the bundle is an error; the missing picture a
	// warning at its line; neither keeps the post from being served.
	st := a.status(t)
	var sawLink, sawMissing bool
	for _, e := range st.Errors {
		switch {
		case e.File == "cs/pic/stolen.png" && e.Severity == "error":
			sawLink = true
		case e.File == "cs/pic/index.ko.md" && e.Line == 14 && e.Severity == "warning" && strings.Contains(e.Reason, "missing.png"):
			sawMissing = true
		case e.Severity == "warning" && !strings.Contains(e.Reason, "missing.png"):
			t.Errorf("unexpected warning %+v", e)
		}
	}
	if !sawLink || !sawMissing {
		t.Errorf("errors %+v: want the symlink's error and missing.png's warning at line 14", st.Errors)
	}
}

// TestBundlePostPayload: the html links to the served files with their
// sizes, content stays as written, and files lists them last.
func TestBundlePostPayload(t *testing.T) {
	dir, _ := bundleContent(t)
	for _, tc := range []struct {
		name, base string
		args       []string
	}{
		{"root-relative", "", nil},
		{"base URL", "https://api.example", []string{"--base-url", "https://api.example/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startApp(t, dir, nil, tc.args...)
			resp, raw := a.get(t, "/posts/cs/pic?lang=ko")
			if resp.StatusCode != 200 {
				t.Fatalf("GET post: %d %s", resp.StatusCode, raw)
			}
			var out struct {
				Post api.Post `json:"post"`
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			p := out.Post
			u := tc.base + "/posts/cs/pic/"
			for _, want := range []string{
				`<img src="` + u + `diagram.png" alt="다이어그램" width="64" height="32">`,
				`<img src="` + u + `images/nested.png" alt="중첩" width="8" height="4">`,
				`<a href="` + u + `notes.pdf">노트</a>`,
				`<a href="../other">other post</a>`,
				`<img src="missing.png" alt="없는 그림">`,
			} {
				if !strings.Contains(p.HTML, want) {
					t.Errorf("html lacks %s:\n%s", want, p.HTML)
				}
			}
			if p.Content != strings.SplitN(bundlePost, "---\n", 3)[2] {
				t.Errorf("content changed: %q", p.Content)
			}
			want := []api.PostFile{
				{Name: "diagram.png", URL: u + "diagram.png", Type: "image/png", Bytes: int64(len(pngOf(t, 64, 32))), Width: 64, Height: 32},
				{Name: "images/nested.png", URL: u + "images/nested.png", Type: "image/png", Bytes: int64(len(pngOf(t, 8, 4))), Width: 8, Height: 4},
				{Name: "notes.pdf", URL: u + "notes.pdf", Type: "application/pdf", Bytes: 27},
			}
			if got, _ := json.Marshal(p.Files); string(got) != mustJSON(t, want) {
				t.Errorf("files %s\nwant  %s", got, mustJSON(t, want))
			}
			keys := testutil.JSONKeys(t, raw[len(`{"post":`):len(raw)-2])
			if keys[len(keys)-1] != "files" {
				t.Errorf("keys %v: files must come last", keys)
			}
			// A post without a bundle lists no files.
			_, raw = a.get(t, "/posts/cs/flat?lang=ko")
			if !bytes.HasSuffix(bytes.TrimSpace(raw), []byte(`"files":[]}}`)) {
				t.Errorf("flat post: %.300s", raw[max(0, len(raw)-300):])
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoaTest(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestWatchBundleFiles: adding, replacing and removing a bundle file under
// --watch is served like a post edit.
func TestWatchBundleFiles(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/_category.yaml":  "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/pic/index.ko.md": "---\ntitle: 그림\ndate: 2025-05-06\n---\n\n![d](diagram.png)\n",
	})
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": testAdminToken}, "--watch")
	eventually(t, "the first index", a.serves(t, "/posts/cs/pic?lang=ko", 200, `<img src=\"diagram.png\" alt=\"d\">`))
	if e := a.errorFor(t, "cs/pic/index.ko.md"); e == nil || e.Severity != "warning" || e.Line != 6 {
		t.Errorf("missing file: %+v, want a warning at line 6", e)
	}

	testutil.WriteFiles(t, dir, map[string]string{"cs/pic/diagram.png": pngOf(t, 10, 20)})
	eventually(t, "an added file", a.serves(t, "/posts/cs/pic?lang=ko", 200, `<img src=\"/posts/cs/pic/diagram.png\" alt=\"d\" width=\"10\" height=\"20\">`))
	eventually(t, "an added file served", a.serves(t, "/posts/cs/pic/diagram.png", 200, "PNG"))
	if e := a.errorFor(t, "cs/pic/index.ko.md"); e != nil {
		t.Errorf("the warning stays: %+v", e)
	}

	added := a.lastModified(t, "/posts/cs/pic/diagram.png")

	replaced := pngOf(t, 30, 40)
	testutil.WriteFiles(t, dir, map[string]string{"cs/pic/diagram.png": replaced})
	eventually(t, "a replaced file", a.serves(t, "/posts/cs/pic?lang=ko", 200, `width=\"30\" height=\"40\"`))
	eventually(t, "a replaced file served", func() string {
		resp, body := a.get(t, "/posts/cs/pic/diagram.png")
		if resp.Header.Get("ETag") != `"`+sha(replaced)+`"` || string(body) != replaced {
			return "old bytes: ETag " + resp.Header.Get("ETag")
		}
		return ""
	})
	// New bytes move Last-Modified forward, with the post's; an edit of the
	// post alone keeps the file's, so caches keep their copy.
	lm := a.lastModified(t, "/posts/cs/pic/diagram.png")
	if !lm.After(added) || !lm.Equal(a.lastModified(t, "/posts/cs/pic?lang=ko")) {
		t.Errorf("replaced file: Last-Modified %v after %v, want later and the post's", lm, added)
	}
	testutil.WriteFiles(t, dir, map[string]string{"cs/pic/index.ko.md": "---\ntitle: 그림\ndate: 2025-05-06\n---\n\n![d](diagram.png) edited\n"})
	eventually(t, "an edited post", a.serves(t, "/posts/cs/pic?lang=ko", 200, "edited"))
	if got := a.lastModified(t, "/posts/cs/pic/diagram.png"); !got.Equal(lm) {
		t.Errorf("unchanged file: Last-Modified %v, was %v", got, lm)
	}

	if err := os.Remove(filepath.Join(dir, "cs", "pic", "diagram.png")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a removed file", a.serves(t, "/posts/cs/pic/diagram.png", 404, "not_found"))
	eventually(t, "a removed file's link", a.serves(t, "/posts/cs/pic?lang=ko", 200, `<img src=\"diagram.png\" alt=\"d\">`))
	eventually(t, "the warning again", func() string {
		if e := a.errorFor(t, "cs/pic/index.ko.md"); e == nil || e.Severity != "warning" {
			return "no warning"
		}
		return ""
	})
}

// lastModified is the Last-Modified of a GET of path, which must be 200.
func (a *app) lastModified(t *testing.T, path string) time.Time {
	t.Helper()
	resp, _ := a.get(t, path)
	lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET %s: %d, Last-Modified %q", path, resp.StatusCode, resp.Header.Get("Last-Modified"))
	}
	return lm
}
