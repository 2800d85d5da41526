package store

import (
	"bytes"
	"encoding/json"
	"testing"
)

// payloadString finds the post's markdown and html in payloads as
// api.Encode writes them, whatever the strings before and in them hold, and
// says when there is none.
func TestPayloadString(t *testing.T) {
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
		{"the key in the html", "md", `<code>"content":"not this"</code>`},
		{"quotes and backslashes", `a\"b\\`, `<code>"\\" \" \\\\"</code>`},
		{"ending in a backslash", "x", `<pre>C:\dir\</pre>`},
		{"empty", "", ""},
		{"unicode", "한국어", "<p>한국어 \u2028 \x01</p>"},
	} {
		b := encode(c.content, c.html)
		if got, ok := payloadString(b, "html"); !ok || got != c.html {
			t.Errorf("%s: html %q, %v; want %q", c.name, got, ok, c.html)
		}
		if got, ok := payloadString(b, "content"); !ok || got != c.content {
			t.Errorf("%s: content %q, %v; want %q", c.name, got, ok, c.content)
		}
	}
	for _, body := range []string{`{"post":{"slug":"go/a"}}`, `{"post":{"html":"unterminated`, ``} {
		if got, ok := payloadString([]byte(body), "html"); ok {
			t.Errorf("%q: got %q, want none", body, got)
		}
	}
}
