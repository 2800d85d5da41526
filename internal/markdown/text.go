package markdown

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// textCollector builds the search text and the table of contents in one
// walk over the AST that was already rendered, so neither costs a parse.
type textCollector struct {
	src []byte
	b   strings.Builder
	// sep is the separator owed before the next text: blocks end with '\n',
	// soft line breaks and table cells with ' '. Writing it lazily keeps the
	// text free of leading, trailing and doubled separators.
	sep byte
	toc []Heading
	// headingStart is where the current heading's text begins in b.
	headingStart int
	dl           *deadline
}

func extract(doc ast.Node, src []byte, dl *deadline) ([]Heading, string) {
	c := textCollector{src: src, dl: dl}
	// The text is never longer than the source it comes from, apart from
	// resolved references; one allocation covers it.
	c.b.Grow(len(src))
	_ = ast.Walk(doc, c.visit)
	if c.toc == nil {
		// Serializes as [] rather than null; a zero-length literal does not
		// allocate.
		c.toc = []Heading{}
	}
	return c.toc, c.b.String()
}

// owe records a separator; a newline, once owed, is not weakened to a space.
func (c *textCollector) owe(sep byte) {
	if c.sep != '\n' {
		c.sep = sep
	}
}

func (c *textCollector) write(p []byte) {
	if len(p) == 0 {
		return
	}
	if c.sep != 0 {
		if c.b.Len() > 0 {
			c.b.WriteByte(c.sep)
		}
		c.sep = 0
	}
	c.b.Write(p)
}

func (c *textCollector) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		c.dl.check()
	}
	switch n := n.(type) {
	case *ast.Text:
		if entering {
			c.text(n)
		}
		return ast.WalkContinue, nil
	case *ast.String:
		if entering {
			c.write(n.Value)
		}
		return ast.WalkContinue, nil
	case *ast.CodeSpan:
		if !entering {
			return ast.WalkContinue, nil
		}
		c.codeSpan(n)
		return ast.WalkSkipChildren, nil
	case *ast.AutoLink:
		if entering {
			c.write(n.Label(c.src))
		}
		return ast.WalkContinue, nil
	case *ast.RawHTML, *ast.HTMLBlock:
		// Markup is not text, and the HTML omitted it anyway.
		return ast.WalkSkipChildren, nil
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		if entering {
			c.codeBlock(n)
		}
		return ast.WalkSkipChildren, nil
	case *ast.Heading:
		c.heading(n, entering)
		return ast.WalkContinue, nil
	case *east.TableCell:
		if entering && n.PreviousSibling() != nil {
			c.owe(' ')
		}
		return ast.WalkContinue, nil
	case *east.FootnoteLink, *east.FootnoteBacklink, *east.TaskCheckBox:
		// Generated markers (reference numbers, "↩", checkboxes) are not
		// what anyone searches for.
		return ast.WalkSkipChildren, nil
	}
	if n.Type() == ast.TypeBlock {
		c.owe('\n')
	}
	return ast.WalkContinue, nil
}

func (c *textCollector) text(n *ast.Text) {
	v := n.Value(c.src)
	if !n.IsRaw() {
		v = resolveText(v)
	}
	c.write(v)
	if n.HardLineBreak() {
		c.owe('\n')
	} else if n.SoftLineBreak() {
		c.owe(' ')
	}
}

// codeSpan writes a code span's text as it is: code spans hold raw text, a
// backslash or '&' in code is literal.
func (c *textCollector) codeSpan(n *ast.CodeSpan) {
	for t := n.FirstChild(); t != nil; t = t.NextSibling() {
		if t, ok := t.(*ast.Text); ok {
			v := t.Value(c.src)
			if l := len(v); l > 0 && v[l-1] == '\n' {
				c.write(v[:l-1])
				c.owe(' ')
			} else {
				c.write(v)
			}
		}
	}
}

// codeBlock writes a code block's lines, a line each.
func (c *textCollector) codeBlock(n ast.Node) {
	c.owe('\n')
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		v := seg.Value(c.src)
		if l := len(v); l > 0 && v[l-1] == '\n' {
			v = v[:l-1]
		}
		c.write(v)
		c.owe('\n')
	}
}

// heading marks where a heading's text starts, and on leaving it adds the
// heading to the table of contents.
func (c *textCollector) heading(n *ast.Heading, entering bool) {
	if entering {
		c.owe('\n')
		// The owed newline lands after this point; trimming drops it.
		c.headingStart = c.b.Len()
		return
	}
	var id string
	if v, ok := n.AttributeString("id"); ok {
		if b, ok := v.([]byte); ok {
			id = string(b)
		}
	}
	// The heading text aliases the builder's memory, which is never
	// rewritten, only appended to: no copy needed.
	all := c.b.String()
	c.toc = append(c.toc, Heading{Level: n.Level, ID: id, Text: strings.TrimSpace(all[c.headingStart:])})
	c.owe('\n')
}
