package testutil

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/markdown"
)

// slowBlock is a block of highlighted code: the slowest thing to render
// per byte that the rendering budget lets through in quantity. Blocks, not
// one long one, so that a rendering can be stopped between them. Code in
// chroma's markdown lexer, most of whose rules run in regexp2 and fail at
// each position: 7,000 blocks took 2.2 s (0.4 s as Python, which geul's
// highlighter matches mostly without regexp2).
const slowBlock = "```markdown\n" + "def f(a): return str(a + 1)  # x\n" + "x = [f(i) for i in range(10)]\n" + "```\n\n"

// slowBlocks bounds SlowBody: its rendering stays within the budget's
// MaxHTML.
const slowBlocks = 7_000

// slowCost is the time one slowBlock takes to render with md: first
// measured on a short body, then on each body SlowBody makes.
var slowCost struct {
	sync.Mutex
	md *markdown.Renderer
	d  time.Duration
}

// renderTime is how long md takes to render n slowBlocks.
func renderTime(md *markdown.Renderer, n int) (time.Duration, error) {
	start := time.Now()
	_, err := md.Render([]byte(strings.Repeat(slowBlock, n)))
	return time.Since(start), err
}

// firstCost measures slowCost on bodies of about 100 ms.
func firstCost(md *markdown.Renderer) (time.Duration, error) {
	// The first rendering also makes the lexer: not counted.
	if _, err := renderTime(md, 1); err != nil {
		return 0, err
	}
	for n := 16; ; n *= 2 {
		took, err := renderTime(md, n)
		if err != nil {
			return 0, err
		}
		if took >= 100*time.Millisecond || n >= slowBlocks {
			return max(took/time.Duration(n), 1), nil
		}
	}
}

// SlowBody returns a markdown body, within the rendering budget, that took
// between d/2 and 2d to render just now: measured, not guessed, so that a
// test of what happens while a file renders holds on a fast machine and on
// a busy one, under the race detector or not. It fails the test when the
// machine's speed keeps changing too much to make one.
func SlowBody(t testing.TB, d time.Duration) string {
	t.Helper()
	slowCost.Lock()
	defer slowCost.Unlock()
	if slowCost.md == nil {
		md := markdown.New()
		cost, err := firstCost(md)
		if err != nil {
			t.Fatalf("SlowBody: %v", err)
		}
		slowCost.md, slowCost.d = md, cost
	}
	var took time.Duration
	for range 4 {
		n := min(max(int(d/slowCost.d), 1), slowBlocks)
		var err error
		if took, err = renderTime(slowCost.md, n); err != nil {
			t.Fatalf("SlowBody: %v", err)
		}
		if took >= d/2 && (took <= 2*d || n == 1) || n == slowBlocks && took < d/2 {
			return strings.Repeat(slowBlock, n)
		}
		slowCost.d = max(took/time.Duration(n), 1)
	}
	t.Fatalf("SlowBody: no body renders in about %v here: the last took %v", d, took)
	return ""
}

// SlowestBody returns a markdown body within the rendering budget that
// takes as long to render as any: seconds, more under the race detector.
func SlowestBody() string {
	return strings.Repeat(slowBlock, slowBlocks)
}
