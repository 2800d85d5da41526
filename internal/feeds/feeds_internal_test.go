package feeds

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestURLTemplates(t *testing.T) {
	tests := []struct {
		post, cat string
		wantErr   string
		id, lang  string
		wantPost  string
		wantCat   string
	}{
		{id: "cs/threads", lang: "ko", wantPost: "https://b.example/blog/cs/threads?lang=ko", wantCat: "https://b.example/blog/cs?lang=ko"},
		{post: "{base}/{lang}/{category}/{name}", cat: "{base}/{lang}/c/{category}", id: "go/gc", lang: "en",
			wantPost: "https://b.example/en/go/gc", wantCat: "https://b.example/en/c/go"},
		{post: "https://other.example/p/{slug}", id: "go/gc", lang: "en", wantPost: "https://other.example/p/go/gc", wantCat: "https://b.example/blog/go?lang=en"},
		{post: "{base}/blog/{slugs}", wantErr: "unknown placeholder {slugs}"},
		{post: "{base}/blog/{slug", wantErr: "unclosed {"},
		{post: "{base}/{lang}", wantErr: "needs {slug}"},
		{post: "/blog/{slug}", wantErr: "absolute http(s) URL"},
		{post: "{lang}/{slug}", wantErr: "absolute http(s) URL"},
		{cat: "{base}/blog/{slug}", wantErr: "unknown placeholder {slug}"},
		{cat: "{base}/blog", wantErr: "needs {category}"},
	}
	for _, tt := range tests {
		t.Run(tt.post+"|"+tt.cat, func(t *testing.T) {
			p, err := ParsePostURL(tt.post)
			c, cerr := ParseCategoryURL(tt.cat)
			if err == nil {
				err = cerr
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l := Links{Base: "https://b.example", Post: p, Category: c}
			if got := l.PostURL(tt.id, tt.lang); got != tt.wantPost {
				t.Errorf("post URL %q, want %q", got, tt.wantPost)
			}
			cat, _, _ := strings.Cut(tt.id, "/")
			if got := l.CategoryURL(cat, tt.lang); got != tt.wantCat {
				t.Errorf("category URL %q, want %q", got, tt.wantCat)
			}
		})
	}
}

func TestNormalizeBase(t *testing.T) {
	for in, want := range map[string]string{
		"https://b.example":          "https://b.example",
		"https://b.example/":         "https://b.example",
		" http://b.example:8080/x/ ": "http://b.example:8080/x",
		"ftp://b.example":            "",
		"https://":                   "",
		"b.example":                  "",
		"https://b.example/?q=1":     "",
		"https://b.example/#top":     "",
		"https://u:p@b.example":      "",
	} {
		got, err := NormalizeBase(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("NormalizeBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestXMLSafe checks that HTML which XML cannot carry as it is still gives a
// well-formed document that reads back as the HTML, minus what XML forbids.
func TestXMLSafe(t *testing.T) {
	html := "<p>한국어 ]]> 끝\x0b\x00 \u2028 \U0001F600</p>"
	body, err := xmlDoc(atomContent{Type: "html", Text: xmlSafe(html)})
	if err != nil {
		t.Fatal(err)
	}
	var got atomContent
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, body)
	}
	if want := "<p>한국어 ]]> 끝\uFFFD\uFFFD \u2028 \U0001F600</p>"; got.Text != want {
		t.Errorf("got %q, want %q", got.Text, want)
	}
	if s := "plain 한국어 text"; xmlSafe(s) != s {
		t.Errorf("xmlSafe changed %q", s)
	}
}
