package markdown

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Budget bounds what rendering one document may cost. goldmark's parser
// cannot be interrupted, and some structures cost it far more than their
// size: containers nested on one line ("- - - … x") are quadratic in the
// nesting, a paragraph of link reference definitions quadratic in its
// lines, a table allocates every cell of every row however short the row.
// Check rejects those from the source in one linear pass, before any
// parsing; the output size and the time are enforced while rendering.
// Every limit is far beyond anything a real post reaches.
type Budget struct {
	// MaxDepth bounds the lists and block quotes open at once.
	MaxDepth int
	// MaxListItems bounds the list items of the whole document.
	MaxListItems int
	// MaxHeadings bounds the headings, each of which costs an id and an
	// entry of the table of contents.
	MaxHeadings int
	// MaxTableCells bounds the cells of every table together, counted as
	// the header's columns times the rows.
	MaxTableCells int
	// MaxRefDefWork bounds, per paragraph, link reference definitions times
	// the paragraph's lines: goldmark's cost of taking them out.
	MaxRefDefWork int
	// MaxLinkWork bounds, per line, goldmark's cost of link destinations:
	// for each "](" the bytes to the end of the line, which an unclosed
	// destination is read to, once per link.
	MaxLinkWork int
	// MaxElements bounds an estimate of the syntax tree's size: the
	// non-blank lines, container markers and markup characters outside
	// fenced code.
	MaxElements int
	// MaxHTML bounds the rendered HTML, in bytes.
	MaxHTML int
	// Timeout bounds the wall-clock time of one Render. The parse runs to
	// its end (Check keeps it short); rendering and extraction stop.
	Timeout time.Duration
}

// DefaultBudget is the budget New renders with.
var DefaultBudget = Budget{
	MaxDepth:      100,
	MaxListItems:  20_000,
	MaxHeadings:   10_000,
	MaxTableCells: 20_000,
	MaxRefDefWork: 2_000_000,
	// One line of 30,000 "[a](" (120 KB, 1.8 billion) took 6.9 s to parse;
	// 50 million is about 0.2 s, and a paragraph line of 2 KB with twenty
	// links about 20,000.
	MaxLinkWork: 50_000_000,
	MaxElements: 100_000,
	MaxHTML:     8 << 20,
	Timeout:     5 * time.Second,
}

// BudgetError is a document over its Budget.
type BudgetError struct {
	// Line is the 1-based line of the document where the limit was passed,
	// or 0 when the document as a whole is over it.
	Line   int
	Reason string
}

func (e *BudgetError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("markdown: line %d: %s", e.Line, e.Reason)
	}
	return "markdown: " + e.Reason
}

// budgetScan is the state of Check's single pass.
type budgetScan struct {
	b          Budget
	items      int
	headings   int
	cells      int
	elements   int
	tableCols  int // columns of the table being read, 0 outside one
	runStart   int // first line of the current run of non-blank lines
	runLines   int
	runRefDefs int
}

// Check reports the first limit of b that src passes, reading src once and
// never parsing it. The counts are upper bounds of what goldmark builds, so
// a document Check accepts cannot cost more than the budget allows; a few
// unusual but harmless documents (code indented 200 columns deep outside a
// fence) are refused with them.
func (b Budget) Check(src []byte) *BudgetError {
	s := budgetScan{b: b}
	var fence []byte // the open top-level fence, nil outside one
	line := 0
	for len(src) > 0 {
		line++
		l := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			l, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		if fence != nil {
			// Code: one segment per line, no markup, no containers.
			if closesFence(l, fence) {
				fence = nil
			}
			s.elements++
			continue
		}
		if err := s.line(l, line); err != nil {
			return err
		}
		fence = opensFence(l)
	}
	if err := s.endRun(line); err != nil {
		return err
	}
	return nil
}

// markup marks the bytes that line counts as elements (a '.' only after
// "www"): a table, as a switch over them tested every byte of every line
// one case after another.
var markup = func() (t [256]bool) {
	for _, c := range []byte("*_`[]<!~|&\\:@.") {
		t[c] = true
	}
	return t
}()

// line accounts for one line outside a top-level fence.
func (s *budgetScan) line(l []byte, n int) *BudgetError {
	depth, markers, items, rest := containers(l)
	if depth > s.b.MaxDepth {
		return &BudgetError{Line: n, Reason: fmt.Sprintf("lists and block quotes nested %d deep (at most %d)", depth, s.b.MaxDepth)}
	}
	if s.items += items; s.items > s.b.MaxListItems {
		return &BudgetError{Line: n, Reason: fmt.Sprintf("more than %d list items", s.b.MaxListItems)}
	}
	if len(bytes.TrimSpace(rest)) == 0 {
		s.tableCols = 0
		return s.endRun(n)
	}
	if isHeading(rest) {
		if s.headings++; s.headings > s.b.MaxHeadings {
			return &BudgetError{Line: n, Reason: fmt.Sprintf("more than %d headings", s.b.MaxHeadings)}
		}
	}
	if s.runLines == 0 {
		s.runStart = n
	}
	s.runLines++
	if isRefDefStart(rest) {
		s.runRefDefs++
	}
	if cols := delimiterRow(rest); cols > 0 && s.tableCols == 0 {
		// The header row above and this one; every later row of the table
		// is padded to cols cells.
		s.tableCols = cols
		s.cells += cols
	}
	s.cells += s.tableCols
	if s.cells > s.b.MaxTableCells {
		return &BudgetError{Line: n, Reason: fmt.Sprintf("more than %d table cells", s.b.MaxTableCells)}
	}
	// Every marker may open a container, every markup character a node;
	// ':' and '@' (and "www.") may start a linkified URL.
	s.elements += 1 + markers
	for i, c := range rest {
		if !markup[c] {
			continue
		}
		if c != '.' || i >= 3 && string(rest[i-3:i]) == "www" {
			s.elements++
		}
	}
	if w := linkWork(rest); w > s.b.MaxLinkWork {
		return &BudgetError{Line: n, Reason: fmt.Sprintf("links cost %d to parse on one line (at most %d: each \"](\" times the bytes after it)", w, s.b.MaxLinkWork)}
	}
	if s.elements > s.b.MaxElements {
		return &BudgetError{Line: n, Reason: fmt.Sprintf("more than %d elements (lines, markers and markup characters)", s.b.MaxElements)}
	}
	return nil
}

// linkWork is what the link destinations of line l may cost (MaxLinkWork).
func linkWork(l []byte) int {
	w := 0
	for i := 0; ; {
		j := bytes.Index(l[i:], linkOpen)
		if j < 0 {
			return w
		}
		i += j + len(linkOpen)
		w += len(l) - i
	}
}

var linkOpen = []byte("](")

// endRun closes a run of non-blank lines, the most a paragraph can span.
func (s *budgetScan) endRun(n int) *BudgetError {
	lines, defs, start := s.runLines, s.runRefDefs, s.runStart
	s.runLines, s.runRefDefs = 0, 0
	if defs > 0 && defs*lines > s.b.MaxRefDefWork {
		return &BudgetError{Line: start, Reason: fmt.Sprintf("%d link reference definitions in a paragraph of %d lines (at most %d of both multiplied)", defs, lines, s.b.MaxRefDefWork)}
	}
	return nil
}

// containers reads the container markers that start l: block quote '>',
// list markers ("-", "*", "+", "1." or "1)" followed by a blank or the
// end) and the blanks between them. Every two columns of blanks count as a
// level too: that is the least indentation that continues a list item. It
// returns the levels, the markers among them, the list markers among
// those, and the rest of l.
func containers(l []byte) (depth, markers, items int, rest []byte) {
	cols := 0
	i := 0
	for i < len(l) {
		switch c := l[i]; {
		case c == ' ':
			cols++
			i++
		case c == '\t':
			cols += 4 - cols%4
			i++
		case c == '>':
			depth++
			i = skipBlank(l, i+1)
		case (c == '-' || c == '*' || c == '+') && blankOrEnd(l, i+1):
			depth++
			items++
			i = skipBlank(l, i+1)
		case '0' <= c && c <= '9':
			j := i
			for j < len(l) && j-i < 10 && '0' <= l[j] && l[j] <= '9' {
				j++
			}
			if j-i > 9 || j >= len(l) || (l[j] != '.' && l[j] != ')') || !blankOrEnd(l, j+1) {
				return depth + cols/2, depth, items, l[i:]
			}
			depth++
			items++
			i = skipBlank(l, j+1)
		default:
			return depth + cols/2, depth, items, l[i:]
		}
	}
	return depth + cols/2, depth, items, nil
}

// skipBlank steps over the one blank a list marker needs (or a block quote
// marker allows), which is part of the marker, not indentation.
func skipBlank(l []byte, i int) int {
	if i < len(l) && l[i] == ' ' {
		return i + 1
	}
	return i
}

func blankOrEnd(l []byte, i int) bool {
	return i >= len(l) || l[i] == ' ' || l[i] == '\t' || l[i] == '\r'
}

// opensFence returns the fence that l opens at the top level ("```" or
// "~~~" or longer, indented at most 3 spaces), or nil. Fences inside lists
// and quotes are not skipped: a container's end closes them, which a scan
// that does not parse cannot follow.
func opensFence(l []byte) []byte {
	t := bytes.TrimLeft(l, " ")
	if len(l)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return nil
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || (t[0] == '`' && bytes.IndexByte(t[n:], '`') >= 0) {
		return nil
	}
	return t[:n]
}

// closesFence reports whether l closes fence: the same character, at least
// as many, indented at most 3 spaces, nothing after but blanks.
func closesFence(l, fence []byte) bool {
	t := bytes.TrimLeft(l, " ")
	if len(l)-len(t) > 3 {
		return false
	}
	n := 0
	for n < len(t) && t[n] == fence[0] {
		n++
	}
	return n >= len(fence) && len(bytes.TrimSpace(t[n:])) == 0
}

// isHeading reports whether l may be a heading or a setext heading's
// underline: "#" to "######" then a blank or the end, or a line of only '='
// or only '-'.
func isHeading(l []byte) bool {
	n := 0
	for n < len(l) && l[n] == '#' {
		n++
	}
	if n > 0 {
		return n <= 6 && blankOrEnd(l, n)
	}
	t := bytes.TrimRight(l, " \t\r")
	if len(t) == 0 || (t[0] != '=' && t[0] != '-') {
		return false
	}
	return len(bytes.Trim(t, string(t[:1]))) == 0
}

// isRefDefStart reports whether l starts like a link reference definition:
// "[label]:".
func isRefDefStart(l []byte) bool {
	if len(l) < 3 || l[0] != '[' {
		return false
	}
	for i := 1; i < len(l) && i <= 1000; i++ {
		switch l[i] {
		case '\\':
			i++
		case '[':
			return false
		case ']':
			return i+1 < len(l) && l[i+1] == ':'
		}
	}
	return false
}

// delimiterRow returns the columns of a GFM table delimiter row ("| --- |
// :-: |"), or 0 when l is not one. It needs a '|', so that a setext
// underline or a thematic break is not taken for one.
func delimiterRow(l []byte) int {
	l = bytes.TrimSpace(l)
	if bytes.IndexByte(l, '|') < 0 || bytes.IndexByte(l, '-') < 0 {
		return 0
	}
	for _, c := range l {
		if c != '|' && c != '-' && c != ':' && c != ' ' && c != '\t' {
			return 0
		}
	}
	l = bytes.TrimPrefix(l, []byte("|"))
	l = bytes.TrimSuffix(l, []byte("|"))
	return bytes.Count(l, []byte("|")) + 1
}

// overBudget is the panic that stops a rendering over its budget from deep
// inside goldmark, which offers no other way out; Render recovers it.
type overBudget struct{ err *BudgetError }

// deadline is a Render's time budget, and its context: either ends the
// rendering. Reading the clock costs little next to rendering a node, but
// check is called per write and per node, so it looks every 64 calls only;
// each write of the HTML (a buffer: kilobytes) looks at the context too.
type deadline struct {
	ctx   context.Context
	at    time.Time
	limit time.Duration
	calls int
}

func newDeadline(ctx context.Context, limit time.Duration) *deadline {
	return &deadline{ctx: ctx, at: time.Now().Add(limit), limit: limit}
}

// stopped is the panic that stops a rendering whose context is done.
type stopped struct{ err error }

// check stops the rendering once the deadline has passed or the context is
// done.
func (d *deadline) check() {
	d.calls++
	if d.calls%64 != 1 {
		return
	}
	d.checkContext()
	if time.Now().Before(d.at) {
		return
	}
	panic(overBudget{&BudgetError{Reason: fmt.Sprintf("rendering took more than %v", d.limit)}})
}

// checkContext stops the rendering once the context is done.
func (d *deadline) checkContext() {
	if err := d.ctx.Err(); err != nil {
		panic(stopped{err})
	}
}

// limitWriter is the rendered HTML, stopped at its budget.
type limitWriter struct {
	// A strings.Builder, not a bytes.Buffer: Result.HTML is its string,
	// not a copy of it.
	buf      strings.Builder
	max      int
	deadline *deadline
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.max {
		panic(overBudget{&BudgetError{Reason: fmt.Sprintf("rendered HTML over %d bytes", w.max)}})
	}
	w.deadline.check()
	w.deadline.checkContext()
	return w.buf.Write(p)
}

// renderGate bounds the source bytes being rendered at once, so that the
// syntax trees held together stay bounded whatever the worker count: small
// posts render side by side, a file as large as the gate renders alone.
type renderGate struct {
	mu   sync.Mutex
	cond *sync.Cond
	used int
	max  int
}

// renderGateBytes is the gate's size: a few hundred ordinary posts, or one
// large file.
const renderGateBytes = 1 << 20

func newRenderGate(max int) *renderGate {
	g := &renderGate{max: max}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// acquire waits until n bytes (at most the gate's size) fit, and returns
// what it took, for release.
func (g *renderGate) acquire(n int) int {
	n = min(max(n, 1), g.max)
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.used+n > g.max {
		g.cond.Wait()
	}
	g.used += n
	return n
}

func (g *renderGate) release(n int) {
	g.mu.Lock()
	g.used -= n
	g.mu.Unlock()
	g.cond.Broadcast()
}
