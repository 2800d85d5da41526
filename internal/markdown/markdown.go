// Package markdown renders post bodies to HTML at index time and extracts
// what the index needs besides the HTML: the table of contents and the plain
// text for full-text search, all from a single parse.
//
// Raw HTML in markdown is never passed through; links and images with
// javascript:, vbscript:, file: or data: destinations are rendered as their
// text (see safeLinkRenderer for the exact rule).
//
// Highlighting is chroma's, and chroma gives each regexp match a 250ms
// wall-clock timeout. On a machine with far more busy goroutines than CPUs a
// starved match times out and chroma silently falls back to a plainer token,
// so the same post can highlight differently. Index with about GOMAXPROCS
// workers, not more.
package markdown

import (
	"context"
	"fmt"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/yuin/goldmark"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// DefaultStyle is the chroma style whose token classes the HTML carries.
// Class names are chroma's standard ones, so a stylesheet from CSS with any
// other style fits the same HTML.
const DefaultStyle = "github"

// Heading is one entry of a post's table of contents.
type Heading struct {
	Level int    `json:"level"`
	ID    string `json:"id"`
	Text  string `json:"text"`
}

// Result is one rendered document.
type Result struct {
	HTML string    // rendered body
	TOC  []Heading // every heading, in order (levels 1-6)
	Text string    // plain text of the body for full-text search: no markup, code block contents included, blocks separated by "\n"
}

// Renderer turns markdown into a Result. It is safe for concurrent use: the
// goldmark instance is immutable after New and all per-document state lives
// in the parser.Context that Render creates.
type Renderer struct {
	md     goldmark.Markdown
	budget Budget
	gate   *renderGate
}

// chromaOptions and highlightOptions are shared by New and the benchmark
// baseline (see HighlightOptions) so that it highlights exactly like geul.
func chromaOptions() []chromahtml.Option {
	// Classes rather than inline styles: the HTML stays small and frontends
	// pick their theme with CSS.
	return []chromahtml.Option{chromahtml.WithClasses(true)}
}

func highlightOptions() []highlighting.Option {
	return []highlighting.Option{
		highlighting.WithStyle(DefaultStyle),
		highlighting.WithFormatOptions(chromaOptions()...),
	}
}

// New builds the goldmark instance once; building it per document would
// dominate the cost of small posts. It renders within DefaultBudget.
func New() *Renderer {
	return NewBudget(DefaultBudget)
}

// NewBudget is New rendering within b.
func NewBudget(b Budget) *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.GFM, // tables, strikethrough, linkify, task lists
			extension.Footnote,
			// No highlighting extension: codeRenderer writes the same
			// HTML, faster, and delegates to it where features need it.
		),
		// The ids themselves come from headingIDs, installed per Render.
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// No html.WithUnsafe: raw HTML is replaced by a comment. Link
		// destinations get a stricter check than goldmark's own.
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(
			util.Prioritized(newSafeLinkRenderer(), linkRendererPriority),
			util.Prioritized(newCodeRenderer(b.Timeout), codeRendererPriority),
		)),
	)
	return &Renderer{md: md, budget: b, gate: newRenderGate(renderGateBytes)}
}

// HighlightOptions are the goldmark-highlighting options geul's code
// blocks are rendered with, for a renderer that must highlight alike (the
// benchmarks' baseline, internal/markdown/baseline).
func HighlightOptions() []highlighting.Option { return highlightOptions() }

// Check reports whether src is within the renderer's budget as far as its
// source tells (see Budget.Check), without parsing it: a *BudgetError, or
// nil.
func (r *Renderer) Check(src []byte) error {
	if err := r.budget.Check(src); err != nil {
		return err
	}
	return nil
}

// Render parses src once, renders it and walks the same AST for the table
// of contents and the search text. A document over the renderer's budget
// fails with a *BudgetError.
func (r *Renderer) Render(src []byte) (res Result, err error) {
	return r.RenderContext(context.Background(), src)
}

// RenderContext is Render stopped early, with ctx's error, once ctx is done.
// The parse runs to its end (Check keeps it short); rendering and
// extraction stop.
func (r *Renderer) RenderContext(ctx context.Context, src []byte) (res Result, err error) {
	if err := r.Check(src); err != nil {
		return Result{}, err
	}
	defer r.gate.release(r.gate.acquire(len(src)))
	// Highlighting runs third-party lexers over author-controlled input; one
	// bad post must fail alone instead of taking the indexer down.
	defer func() {
		if p := recover(); p != nil {
			if be, ok := p.(overBudget); ok {
				res, err = Result{}, be.err
				return
			}
			if st, ok := p.(stopped); ok {
				res, err = Result{}, fmt.Errorf("markdown: %w", st.err)
				return
			}
			res, err = Result{}, fmt.Errorf("markdown: render panicked: %v", p)
		}
	}()
	deadline := newDeadline(ctx, r.budget.Timeout)
	// A fresh context per document keeps heading ids unique per document
	// and never shared between goroutines.
	pc := parser.NewContext(parser.WithIDs(&headingIDs{}))
	doc := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	deadline.check()

	// Highlighted code roughly doubles in size; growing once up front avoids
	// repeated copying on the way there.
	w := &limitWriter{max: r.budget.MaxHTML, deadline: deadline}
	w.buf.Grow(min(len(src)*2+512, r.budget.MaxHTML))
	if err := r.md.Renderer().Render(w, src, doc); err != nil {
		return Result{}, fmt.Errorf("markdown: render: %w", err)
	}
	toc, plain := extract(doc, src, deadline)
	return Result{HTML: w.buf.String(), TOC: toc, Text: plain}, nil
}
