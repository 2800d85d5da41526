package testutil

import (
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/markdown"
)

// slowBlock is a block of highlighted code: the slowest thing to render
// per byte that the rendering budget lets through in quantity. Blocks, not
// one long one, so that a rendering can be stopped between them.
const slowBlock = "```python\n" + "def f(a): return str(a + 1)  # x\n" + "x = [f(i) for i in range(10)]\n" + "```\n\n"

// slowBlocks bounds SlowBody: its rendering stays within the budget's
// MaxHTML.
const slowBlocks = 7_000

// SlowBody returns a markdown body, within the rendering budget, that takes
// about d to render on this machine as it is now (the race detector, other
// processes): measured, not guessed, so that a test of what happens while
// a file renders holds on a fast machine and on a busy one.
func SlowBody(t testing.TB, d time.Duration) string {
	t.Helper()
	md := markdown.New()
	body := func(n int) string { return strings.Repeat(slowBlock, n) }
	n := 20
	// The first rendering also makes the lexer: not counted.
	if _, err := md.Render([]byte(body(1))); err != nil {
		t.Fatalf("SlowBody: %v", err)
	}
	for {
		start := time.Now()
		if _, err := md.Render([]byte(body(n))); err != nil {
			t.Fatalf("SlowBody: %v", err)
		}
		took := time.Since(start)
		if took >= d/8 || n >= slowBlocks {
			return body(min(max(int(float64(n)*float64(d)/float64(took)), 1), slowBlocks))
		}
		n *= 4
	}
}
