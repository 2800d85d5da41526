package markdown_test

import (
	"bytes"
	"testing"

	"github.com/yuin/goldmark/parser"

	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/markdown/baseline"
)

// The two benchmarks render the same seed post so their ns/op compare geul's
// renderer (TOC, text, ids and link checks included) against plain goldmark.

func BenchmarkRender(b *testing.B) {
	src := readSeed(b)
	r := markdown.New()
	// Warm up: chroma compiles lexers lazily on first use.
	if _, err := r.Render(src); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Render(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaseline(b *testing.B) {
	src := readSeed(b)
	md := baseline.New()
	var buf bytes.Buffer
	if err := md.Convert(src, &buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		// A fresh buffer and context per document, as Render does, so
		// the comparison is like for like.
		var buf bytes.Buffer
		if err := md.Convert(src, &buf, parser.WithContext(parser.NewContext())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the budget's pass over the source, which an index run
// makes twice per file (on reading it, and before rendering it).
func BenchmarkCheck(b *testing.B) {
	src := readSeed(b)
	r := markdown.New()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := r.Check(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRelinkBundle relinks the seed post's html, which links only to
// other sites: the cost every post without a bundle pays.
func BenchmarkRelinkBundle(b *testing.B) {
	res, err := markdown.New().Render(readSeed(b))
	html := string(res.HTML)
	if err != nil {
		b.Fatal(err)
	}
	lookup := func(string) (markdown.BundleLink, bool) { return markdown.BundleLink{}, false }
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	for b.Loop() {
		markdown.RelinkBundle(html, lookup)
	}
}

// BenchmarkReadingMinutes counts the text of the seed post, a Korean one.
func BenchmarkReadingMinutes(b *testing.B) {
	res, err := markdown.New().Render(readSeed(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(res.Text)))
	for b.Loop() {
		markdown.ReadingMinutes(res.Text)
	}
}
