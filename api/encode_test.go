package api

import (
	"bytes"
	"strings"
	"testing"
)

// awkward are strings whose JSON escapes encoding/json writes in its own
// ways: control characters, quotes, invalid UTF-8, U+2028/U+2029 and their
// neighbours that share the first byte, HTML left unescaped.
var awkward = []string{
	"", "plain ascii", `"quoted" \back\slash`, "\b\f\n\r\t\x00\x01\x1f\x7f",
	"한국어 본문과 English", "<p>a &amp; b</p>", "line\u2028sep\u2029para",
	"\u2027\u202a\u20ac…", "\xe2\x80", "\xe2\x80\xa8", "bad \xff byte", "\xed\xa0\x80 surrogate",
	"trailing \xe2", "ends in \\", strings.Repeat("글", 1000),
}

// TestAppendPost: AppendPost writes what EncodeTo writes for the same post,
// whatever its strings hold, after what the buffer already has.
func TestAppendPost(t *testing.T) {
	post := func(s string) *Post {
		return &Post{
			Slug: "s" + s, CategorySlug: "go", Title: Localized{{"ko", s}, {"en", "t"}}, Date: "2024-01-01",
			Category: Localized{{"ko", "고"}}, Description: Localized{{"en", s}},
			Content: "# " + s + "\n", HTML: "<h1>" + s + "</h1>",
			PostMeta: PostMeta{Lang: "ko", Translations: []string{"ko"}, TOC: []Heading{{1, "h", s}},
				Tags: []string{s}, ReadingMinutes: 1, Extra: map[string]any{"content": "", "html": "", "x": s},
				Related: []PostRef{{Slug: "r", Title: Localized{{"ko", s}}}}},
			Files: []PostFile{{Name: "a.png", URL: "/a.png", Type: "image/png", Bytes: 3}},
		}
	}
	posts := []*Post{{}, {Content: "x"}, {HTML: `"content":"","html":""`}}
	for _, s := range awkward {
		posts = append(posts, post(s))
	}
	// Languages named like the fields: the splice must not be fooled.
	odd := post("x")
	odd.Title = Localized{{"content", ""}, {"html", ""}}
	odd.Content = "real content"
	posts = append(posts, odd)
	for i, p := range posts {
		var want bytes.Buffer
		if err := EncodeTo(&want, PostResponse{Post: *p}); err != nil {
			t.Fatal(err)
		}
		got, err := AppendPost([]byte("prefix"), p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want.Bytes()...)) {
			t.Errorf("post %d:\n got %q\nwant prefix%q", i, got, want.Bytes())
		}
	}
}

// FuzzAppendString: appendString writes what encoding/json writes.
func FuzzAppendString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		if err := EncodeTo(&want, s); err != nil {
			t.Fatal(err)
		}
		got := appendString(nil, s)
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Errorf("%q: got %s, want %s", s, got, want.Bytes())
		}
	})
}
