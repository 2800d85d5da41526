package main

import (
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
)

// posts/s counts posts: 10 bilingual posts (20 files) in 2 s are 5 posts/s;
// the checkpoint after the run is reported apart.
func TestSummaryRateCountsPosts(t *testing.T) {
	var b strings.Builder
	printSummary(&b, index.Summary{Files: 20, Read: 20, Rendered: 20, Total: 10, Posts: map[string]int{"ko": 10, "en": 10}, Duration: 2 * time.Second}, 1500*time.Millisecond)
	if got, want := b.String(), "time: 2.000s, 5 posts/s\ncheckpoint: 1.500s\n"; !strings.Contains(got, want) {
		t.Errorf("summary:\n%s\nwant a line %q", got, want)
	}
}
