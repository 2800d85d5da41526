package markdown

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// codeRendererPriority beats goldmark-highlighting's renderer (200).
const codeRendererPriority = 100

// maxCachedLexers bounds the lexer cache: fence languages are written by
// authors, and a corpus full of typos must not grow it without limit.
const maxCachedLexers = 1024

// codeRenderer produces exactly goldmark-highlighting's output for fenced
// code, minus three costs that dominate indexing:
//
//   - highlighting builds a chroma formatter per block, and the formatter
//     converts the whole style to CSS before writing anything (about a third
//     of the cost of a short block), then formats each token with
//     fmt.Sprintf. writeTokens (format.go) writes the same bytes.
//   - for a language chroma does not know, lexers.Get matches the name
//     against every lexer's filename patterns, which takes milliseconds, per
//     block. Lookups are cached, misses included.
//   - chroma runs every rule of a lexer state at each position until one
//     matches; fastLexer (lexer.go) skips the rules that cannot start
//     with the character there, without running their regexps.
//
// Blocks whose info string carries attributes ({hl_lines=...}, linenos,
// nohl...) go to highlighting's own renderer, which is the reference for
// those features; TestCodeMatchesBaseline holds the two to the same bytes.
type codeRenderer struct {
	cfg      html.Config
	fallback renderer.NodeRenderer // goldmark-highlighting's renderer
	render   renderer.NodeRendererFunc

	// timeout bounds tokenising one block: a few of chroma's lexers never
	// finish on some texts, and then write nothing that the rendering's
	// own deadline could stop at.
	timeout time.Duration

	mu     sync.RWMutex
	lexers map[string]chroma.Lexer // coalesced lexer, or nil for unknown languages
}

func newCodeRenderer(timeout time.Duration) *codeRenderer {
	r := &codeRenderer{
		cfg:      html.NewConfig(),
		fallback: highlighting.NewHTMLRenderer(highlightOptions()...),
		timeout:  timeout,
		lexers:   map[string]chroma.Lexer{},
	}
	funcs := funcCollector{}
	r.fallback.RegisterFuncs(funcs)
	r.render = funcs[ast.KindFencedCodeBlock]
	return r
}

// SetOption keeps the HTML writer and the delegate configured like the rest
// of the renderer.
func (r *codeRenderer) SetOption(name renderer.OptionName, value any) {
	r.cfg.SetOption(name, value)
	if so, ok := r.fallback.(renderer.SetOptioner); ok {
		so.SetOption(name, value)
	}
}

// RegisterFuncs implements renderer.NodeRenderer.
func (r *codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.renderFencedCodeBlock)
}

func (r *codeRenderer) renderFencedCodeBlock(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	language := n.Language(src)
	lexer := r.lexer(language)
	if n.Attributes() != nil || (n.Info != nil && bytes.IndexByte(n.Info.Segment.Value(src), '{') >= 0) {
		// highlighting tokenises with chroma's own lexer, which nothing
		// stops: the block is tokenised here first, and must take at most
		// a third of the timeout, as chroma then does the same matches
		// (its loop only tries more rules that fail at their first
		// character, about twice the time).
		if lexer != nil {
			defer atLine(src, n)
			start := time.Now()
			if it, err := lexer.Tokenise(nil, blockText(src, n)); err == nil {
				for t := it(); t != chroma.EOF; t = it() {
				}
			}
			if r.timeout > 0 && time.Since(start) > r.timeout/3 {
				panic(slowHighlight(r.timeout/3, fmt.Sprintf("a third of %v: a block with attributes is tokenised twice", r.timeout)))
			}
		}
		return r.render(w, src, node, entering)
	}
	if lexer != nil {
		// A DelegatingLexer tokenises at once (bounded.go).
		defer atLine(src, n)
		if it, err := lexer.Tokenise(nil, blockText(src, n)); err == nil {
			writeTokens(w, it)
			return ast.WalkContinue, nil
		}
	}
	// No lexer, or it failed: plain escaped code, as highlighting writes it.
	_, _ = w.WriteString("<pre><code")
	if language != nil {
		_, _ = w.WriteString(` class="language-`)
		r.cfg.Writer.Write(w, language)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		r.cfg.Writer.RawWrite(w, seg.Value(src))
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkContinue, nil
}

// blockText is the code of a fenced block.
func blockText(src []byte, n *ast.FencedCodeBlock) string {
	var code strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(src))
	}
	return code.String()
}

// lexer returns the coalesced chroma lexer for a fence language, or nil.
func (r *codeRenderer) lexer(language []byte) chroma.Lexer {
	if len(language) == 0 {
		return nil
	}
	r.mu.RLock()
	l, ok := r.lexers[string(language)] // no allocation for the lookup
	r.mu.RUnlock()
	if ok {
		return l
	}
	name := string(language)
	if found := lexers.Get(name); found != nil {
		l = chroma.Coalesce(skipping(found, r.timeout))
	}
	r.mu.Lock()
	if len(r.lexers) < maxCachedLexers {
		r.lexers[name] = l
	}
	r.mu.Unlock()
	return l
}

// atLine makes a block's slow tokenising a budget error at the line of
// its opening fence; other panics go on as they were.
func atLine(src []byte, n *ast.FencedCodeBlock) {
	p := recover()
	if p == nil {
		return
	}
	if sb, ok := p.(slowBlock); ok {
		start := 0 // where the fence's line is
		switch {
		case n.Info != nil:
			start = n.Info.Segment.Start
		case n.Lines().Len() > 0:
			start = n.Lines().At(0).Start - 1
		}
		sb.err.Line = bytes.Count(src[:max(start, 0)], []byte("\n")) + 1
		p = overBudget{sb.err}
	}
	panic(p)
}

// skipping is l tokenised within timeout: by a fastLexer when it is a
// RegexLexer (most are), by fastLexers inside when it delegates to two
// lexers, else by l under a deadline read between tokens (bounded.go).
func skipping(l chroma.Lexer, timeout time.Duration) chroma.Lexer {
	if root, language, ok := delegates(l); ok {
		return chroma.DelegatingLexer(skipping(root, timeout), skipping(language, timeout))
	}
	rl, ok := l.(*chroma.RegexLexer)
	if !ok {
		return &deadlineLexer{Lexer: l, timeout: timeout}
	}
	f, err := newFastLexer(rl, timeout)
	if err != nil {
		return l // chroma reports the same error when it tokenises
	}
	return f
}
