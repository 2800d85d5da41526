// Package baseline is plain goldmark configured as geul's renderer is, for
// the benchmarks to tell geul's cost from goldmark's own. Only tests and
// benchmarks import it.
package baseline

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/yuin/goldmark"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown"
)

// New returns plain goldmark with the same extensions (GFM, footnotes,
// goldmark-highlighting with the same options) and auto heading ids as
// markdown.New, but none of geul's extras: Unicode heading ids, the stricter
// link check, the faster code block renderer, TOC and text extraction.
func New() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.GFM,
			extension.Footnote,
			highlighting.NewHighlighting(markdown.HighlightOptions()...),
		),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
}

// Render renders every source with New to io.Discard on
// workers goroutines, each document with a fresh parser context: the
// reference the benchmarks hold geul's indexing and search tables to. It
// stops at the first error.
func Render(srcs [][]byte, workers int) error {
	md := New()
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(srcs) || failed.Load() != nil {
					return
				}
				if err := md.Convert(srcs[i], io.Discard, parser.WithContext(parser.NewContext())); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	err, _ := failed.Load().(error)
	return err
}

// Bodies reads every post file below dir and cuts its front matter: the
// bodies geul's renderer is given for the same folder.
func Bodies(dir string) ([][]byte, error) {
	var out [][]byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := content.ParseFile(filepath.ToSlash(rel), data)
		if err != nil {
			return err
		}
		out = append(out, f.Body)
		return nil
	})
	return out, err
}
