package markdown_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/markdown"
)

// nestedList is a list nested n deep by indentation, one item a line.
func nestedList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- item\n")
	}
	return b.String()
}

// table is a GFM table of cols columns and rows rows.
func table(cols, rows int) string {
	var b strings.Builder
	b.WriteString(strings.Repeat("| h ", cols) + "|\n" + strings.Repeat("| - ", cols) + "|\n")
	for range rows {
		b.WriteString(strings.Repeat("| x ", cols) + "|\n")
	}
	return b.String()
}

// TestBudgetRejectsHostile renders, at a small scale, each structure that
// cost goldmark far more than its size, and wants each refused quickly with
// the line where it passes the budget.
func TestBudgetRejectsHostile(t *testing.T) {
	r := markdown.New()
	cases := []struct {
		name   string
		src    string
		line   int
		reason string
	}{
		// Quadratic in the nesting: 100,000 of these took 27.7 s.
		{"dashes on one line", strings.Repeat("- ", 5000) + "x\n", 1, "nested 5000 deep"},
		{"block quotes on one line", "intro\n\n" + strings.Repeat(">", 5000) + " x\n", 3, "nested 5000 deep"},
		{"list nested by indentation", nestedList(300), 101, "nested 101 deep"},
		{"ordered list nested", strings.Repeat("1. ", 200) + "x\n", 1, "nested 200 deep"},
		{"table cells", table(10, 3000), 2001, "more than 20000 table cells"},
		{"short rows padded to a wide header", table(2000, 0) + strings.Repeat("x\n", 20), 11, "more than 20000 table cells"},
		{"list items", strings.Repeat("- a\n", 25000), 20001, "more than 20000 list items"},
		{"link reference definitions", "text\n\n" + strings.Repeat("[a]: b\n", 2000), 3, "2000 link reference definitions"},
		{"elements", strings.Repeat("a *b* c\n", 300_000), 33334, "more than 100000 elements"},
		{"headings", strings.Repeat("# a\n", 20_000), 10001, "more than 10000 headings"},
		{"setext headings", strings.Repeat("a\n=\n", 20_000), 20002, "more than 10000 headings"},
		// Quadratic in the links: one line of 30,000 took 6.9 s.
		{"unclosed link destinations on one line", "intro\n\n" + strings.Repeat("[a](", 6000) + "\n", 3, "links cost"},
		{"quotes in many paragraphs", strings.Repeat(strings.Repeat(">", 99)+" x\n\n", 5000), 2001, "more than 100000 elements"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := r.Render([]byte(c.src))
			took := time.Since(start)
			var be *markdown.BudgetError
			if !errors.As(err, &be) {
				t.Fatalf("Render = %v, want a *BudgetError", err)
			}
			if be.Line != c.line || !strings.Contains(be.Reason, c.reason) {
				t.Errorf("got line %d %q, want line %d and %q", be.Line, be.Reason, c.line, c.reason)
			}
			if took > time.Second {
				t.Errorf("refusing took %v", took)
			}
		})
	}
}

// TestBudgetWhileRendering covers the limits only rendering can tell: the
// HTML's size and the time.
func TestBudgetWhileRendering(t *testing.T) {
	src := []byte(strings.Repeat("**bold** and `code` and [a link](https://example.com)\n\n", 200))
	tight := markdown.DefaultBudget
	tight.MaxHTML = 4096
	_, err := markdown.NewBudget(tight).Render(src)
	var be *markdown.BudgetError
	if !errors.As(err, &be) || !strings.Contains(be.Reason, "rendered HTML over 4096 bytes") {
		t.Errorf("MaxHTML: Render = %v", err)
	}
	tight = markdown.DefaultBudget
	tight.Timeout = time.Nanosecond
	if _, err := markdown.NewBudget(tight).Render(src); !errors.As(err, &be) || !strings.Contains(be.Reason, "rendering took more than") {
		t.Errorf("Timeout: Render = %v", err)
	}
	// A rendering whose context ends stops with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := markdown.New().RenderContext(ctx, src); !errors.Is(err, context.Canceled) || errors.As(err, &be) {
		t.Errorf("cancelled: RenderContext = %v, want context.Canceled", err)
	}
	// The same renderer is still good for the next document.
	res, err := markdown.New().Render(src)
	if err != nil || len(res.HTML) < 4096 {
		t.Errorf("within budget: %d bytes, %v", len(res.HTML), err)
	}
}

// TestBudgetAcceptsRealPosts makes sure the limits stay far from what posts
// hold: deep code in fences, long tables, long lists, many references.
func TestBudgetAcceptsRealPosts(t *testing.T) {
	deepCode := "```json\n" + strings.Repeat(strings.Repeat("\t", 120)+"{\n", 50) + "```\n"
	var refs strings.Builder
	for i := range 300 {
		fmt.Fprintf(&refs, "[r%d]: https://example.com/%d\n", i, i)
	}
	docs := map[string]string{
		"deep code in a fence":  deepCode,
		"a table of 1000 rows":  table(8, 1000),
		"a list of 5000 items":  strings.Repeat("- [a link](https://example.com) to *read*\n", 5000),
		"a list nested 20 deep": nestedList(20),
		"300 references":        "See [r1].\n\n" + refs.String(),
		"quotes and lists":      "> - a\n>   - b\n>     > c\n",
		"thematic breaks":       "a\n\n- - -\n\n* * *\n\nb\n",
		"500 headings":          strings.Repeat("## A section\n\ntext\n\n", 500),
	}
	r := markdown.New()
	for name, src := range docs {
		if _, err := r.Render([]byte(src)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
