package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/geul-dev/geul/api"
)

// TestIndex: GET / names every part of the API, and every path it gives
// answers.
func TestIndex(t *testing.T) {
	e := newListEnv(t)
	_, body := e.ok(t, "/")
	idx := listDecode[api.Index](t, body)
	if idx.Name != "geul" || !reflect.DeepEqual(idx.Languages, []string{"ko", "en"}) {
		t.Errorf("index: name %q, languages %v", idx.Name, idx.Languages)
	}
	fill := strings.NewReplacer("{category}", "cs", "{slug}", "post-00", "{tag}", "alpha", "{q}", "text", "{generation}", "0")
	links := reflect.ValueOf(idx.Links)
	for i := range links.NumField() {
		name, path := links.Type().Field(i).Name, links.Field(i).String()
		if !strings.HasPrefix(path, "/") {
			t.Errorf("link %s: %q is not a path from the root", name, path)
			continue
		}
		method := http.MethodGet
		if name == "Events" {
			method = http.MethodHead // a stream never ends
		}
		resp, body := e.request(t, method, fill.Replace(path))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("link %s: %s %s: %d %.200s", name, method, path, resp.StatusCode, body)
		}
	}
}

// TestDocsWithAndWithoutSlash: Swagger UI works at /docs and /docs/: every
// file the page loads, and the document its script names, answer from there.
func TestDocsWithAndWithoutSlash(t *testing.T) {
	e := newListEnv(t)
	refs := regexp.MustCompile(`(?:href|src)="([^"]+)"`)
	for _, page := range []string{"/docs", "/docs/"} {
		resp, body := e.ok2(t, page)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("%s: Content-Type %q", page, ct)
		}
		base, _ := url.Parse(e.srv.URL + page)
		var loads []string
		for _, m := range refs.FindAllStringSubmatch(string(body), -1) {
			loads = append(loads, m[1])
		}
		if len(loads) < 3 {
			t.Fatalf("%s loads %v", page, loads)
		}
		// The script asks for ../openapi.json under a slash, else openapi.json.
		doc := "openapi.json"
		if strings.HasSuffix(page, "/") {
			doc = "../openapi.json"
		}
		for _, ref := range append(loads, doc) {
			u, err := base.Parse(ref)
			if err != nil {
				t.Fatal(err)
			}
			if r, b := e.request(t, http.MethodGet, u.RequestURI()); r.StatusCode != http.StatusOK {
				t.Errorf("%s loads %s (%s): %d %.100s", page, ref, u.Path, r.StatusCode, b)
			}
		}
	}
}

// ok2 gets target and checks it is a 200 of any type.
func (e *listEnv) ok2(t *testing.T, target string) (*http.Response, []byte) {
	t.Helper()
	resp, body := e.request(t, http.MethodGet, target)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.200s", target, resp.StatusCode, body)
	}
	return resp, body
}

// TestHighlightCSS: /highlight.css is the stylesheet of the classes post html
// carries, light and dark by default, any chroma style on request.
func TestHighlightCSS(t *testing.T) {
	dir := listSite(t)
	post := listPost("코드", "2024-02-02", false) + "\n```go\nfunc main() { fmt.Println(\"geul\") }\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "cs", "code.ko.md"), []byte(post), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newListEnvOf(t, dir)
	_, body := e.ok(t, "/posts/cs/code")
	html := listDecode[api.PostResponse](t, body).Post.HTML
	for _, w := range []string{`<pre class="chroma">`, `<span class="kd">func</span>`} {
		if !strings.Contains(html, w) {
			t.Fatalf("post html lacks %s: %s", w, html)
		}
	}
	for _, tc := range []struct {
		target  string
		status  int
		want    []string
		notWant []string
	}{
		{"/highlight.css", 200, []string{".chroma {", ".chroma .kd {", "@media (prefers-color-scheme: dark) {"}, nil},
		{"/highlight.css?style=", 200, []string{"@media (prefers-color-scheme: dark) {"}, nil},
		{"/highlight.css?style=monokai", 200, []string{".chroma .kd {", "#272822"}, []string{"@media"}},
		{"/highlight.css?style=Dracula", 200, []string{".chroma .kd {"}, []string{"@media"}},
		{"/highlight.css?style=nope", 400, []string{"unknown style", "monokai", "github-dark"}, nil},
		{"/highlight.css?style=%3Cscript%3E", 400, []string{"unknown style"}, nil},
	} {
		resp, body := e.request(t, http.MethodGet, tc.target)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.target, resp.StatusCode, tc.status)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("GET %s: no %q in %.200s", tc.target, w, body)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(string(body), w) {
				t.Errorf("GET %s: %q in it", tc.target, w)
			}
		}
		if tc.status != 200 {
			continue
		}
		h := resp.Header
		if h.Get("Content-Type") != "text/css; charset=utf-8" || !strings.HasPrefix(h.Get("ETag"), `"`) ||
			!strings.Contains(h.Get("Cache-Control"), "max-age=86400") {
			t.Errorf("GET %s: Content-Type %q, ETag %q, Cache-Control %q", tc.target, h.Get("Content-Type"), h.Get("ETag"), h.Get("Cache-Control"))
		}
		r, b := e.request(t, http.MethodGet, tc.target, "If-None-Match", h.Get("ETag"), "Accept-Encoding", "gzip")
		if r.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("GET %s with its ETag: %d, %d bytes", tc.target, r.StatusCode, len(b))
		}
	}
	_, lower := e.ok2(t, "/highlight.css?style=dracula")
	if _, upper := e.ok2(t, "/highlight.css?style=DRACULA"); string(lower) != string(upper) {
		t.Errorf("style names are not case-insensitive")
	}
}
