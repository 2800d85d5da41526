package markdown_test

import (
	"slices"
	"testing"

	"github.com/geul-dev/geul/internal/markdown"
)

func TestRelinkBundle(t *testing.T) {
	files := map[string]markdown.BundleLink{
		"diagram.png":  {URL: "/posts/cs/x/diagram.png", Width: 640, Height: 320},
		"images/a.png": {URL: "/posts/cs/x/images/a.png", Width: 10, Height: 20},
		"my file.pdf":  {URL: "/posts/cs/x/my%20file.pdf"},
		"한글.png":       {URL: "/posts/cs/x/%ED%95%9C%EA%B8%80.png", Width: 1, Height: 2},
	}
	lookup := func(name string) (markdown.BundleLink, bool) {
		l, ok := files[name]
		return l, ok
	}
	tests := []struct {
		name, in, want string
		missing        []string
	}{
		{"plain img", `<p><img src="diagram.png" alt="a &amp; b"></p>`,
			`<p><img src="/posts/cs/x/diagram.png" alt="a &amp; b" width="640" height="320"></p>`, nil},
		{"dot slash, nested", `<img src="./images/a.png" alt="">`,
			`<img src="/posts/cs/x/images/a.png" alt="" width="10" height="20">`, nil},
		{"size kept", `<img src="diagram.png" width="100">`, `<img src="/posts/cs/x/diagram.png" width="100">`, nil},
		{"percent-encoded", `<a href="my%20file.pdf#page=2">x</a> <img src="%ED%95%9C%EA%B8%80.png?v=1">`,
			`<a href="/posts/cs/x/my%20file.pdf#page=2">x</a> <img src="/posts/cs/x/%ED%95%9C%EA%B8%80.png?v=1" width="1" height="2">`, nil},
		{"srcset", `<img srcset="diagram.png 1x, images/a.png 2x, https://cdn/x.png 3x">`,
			`<img srcset="/posts/cs/x/diagram.png 1x, /posts/cs/x/images/a.png 2x, https://cdn/x.png 3x">`, nil},
		{"video poster", `<video poster="diagram.png"></video>`, `<video poster="/posts/cs/x/diagram.png"></video>`, nil},
		{"not relative", `<a href="https://x/diagram.png">a</a><a href="//h/diagram.png">b</a><a href="/diagram.png">c</a><a href="#diagram.png">d</a><a href="?diagram.png">e</a><img src="data:image/png;base64,AA==">`,
			`<a href="https://x/diagram.png">a</a><a href="//h/diagram.png">b</a><a href="/diagram.png">c</a><a href="#diagram.png">d</a><a href="?diagram.png">e</a><img src="data:image/png;base64,AA==">`, nil},
		{"outside the bundle", `<img src="../other/diagram.png">`, `<img src="../other/diagram.png">`, nil},
		{"missing", `<img src="gone.png"><a href="gone.pdf">x</a><a href="../other-post">y</a><a href="page">z</a>`,
			`<img src="gone.png"><a href="gone.pdf">x</a><a href="../other-post">y</a><a href="page">z</a>`, []string{"gone.png", "gone.pdf"}},
		{"code stays text", `<pre><code>&lt;img src=&quot;diagram.png&quot;&gt;</code></pre>`, `<pre><code>&lt;img src=&quot;diagram.png&quot;&gt;</code></pre>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, missing := markdown.RelinkBundle(tt.in, lookup)
			if string(out) != tt.want {
				t.Errorf("got  %s\nwant %s", out, tt.want)
			}
			var names []string
			for _, m := range missing {
				names = append(names, m.Name)
			}
			if !slices.Equal(names, tt.missing) {
				t.Errorf("missing %v, want %v", names, tt.missing)
			}
		})
	}
}

// TestRelinkBundleRendered relinks goldmark's own output, every other byte kept.
func TestRelinkBundleRendered(t *testing.T) {
	src := "# T\n\n![a diagram](diagram.png \"title\")\n\n```go\nx := `<img src=\"diagram.png\">`\n```\n\ntext <b>raw</b>\n"
	res, err := markdown.New().Render([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, missing := markdown.RelinkBundle(string(res.HTML), func(name string) (markdown.BundleLink, bool) {
		return markdown.BundleLink{URL: "https://api.example/posts/cs/x/" + name, Width: 3, Height: 4}, name == "diagram.png"
	})
	if len(missing) != 0 {
		t.Errorf("missing %v", missing)
	}
	want := string(res.HTML)
	want = replaceOnce(want, `src="diagram.png" alt="a diagram" title="title">`, `src="https://api.example/posts/cs/x/diagram.png" alt="a diagram" title="title" width="3" height="4">`)
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s + " (no " + old + ")"
}
