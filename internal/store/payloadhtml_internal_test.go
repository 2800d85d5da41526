package store

import (
	"bytes"
	"encoding/json"
	"testing"
)

// payloadHTML finds the post's html in payloads as api.Encode writes them,
// whatever the strings before and in it hold, and says when there is none.
func TestPayloadHTML(t *testing.T) {
	encode := func(content, html string) []byte {
		type post struct {
			Slug    string            `json:"slug"`
			Title   map[string]string `json:"title"`
			Content string            `json:"content"`
			HTML    string            `json:"html"`
			TOC     []string          `json:"toc"`
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(map[string]post{"post": {Slug: "go/a", Title: map[string]string{"ko": `"html":"`}, Content: content, HTML: html, TOC: []string{}}}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, c := range []struct{ name, content, html string }{
		{"plain", "# 제목\n", "<h1>제목</h1>\n"},
		{"the key in the markdown", `{"html":"<b>not this</b>"}`, "<p>this</p>"},
		{"quotes and backslashes", `a\"b\\`, `<code>"\\" \" \\\\"</code>`},
		{"ending in a backslash", "x", `<pre>C:\dir\</pre>`},
		{"empty", "", ""},
		{"unicode", "한국어", "<p>한국어 \u2028 \x01</p>"},
	} {
		got, ok := payloadHTML(encode(c.content, c.html))
		if !ok || got != c.html {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, ok, c.html)
		}
	}
	for _, body := range []string{`{"post":{"slug":"go/a"}}`, `{"post":{"html":"unterminated`, ``} {
		if got, ok := payloadHTML([]byte(body)); ok {
			t.Errorf("%q: got %q, want none", body, got)
		}
	}
}
