package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/testutil"
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

// `geul index` again over a folder where nothing changed says so, and
// leaves the release and the report as they were.
func TestIndexAgainNothingChanged(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "content"))); err != nil {
		t.Fatal(err)
	}
	testutil.Age(t, dir)
	db := filepath.Join(t.TempDir(), "index.db")
	// The report without its timings, and without the counts of work done.
	work := regexp.MustCompile(`\d+ (read|unchanged skipped|rendered|payloads rebuilt)`)
	report := func(out string) []string {
		var keep []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "time:") || strings.HasPrefix(l, "checkpoint:") || strings.HasPrefix(l, "nothing changed") {
				continue
			}
			keep = append(keep, work.ReplaceAllString(l, "$1"))
		}
		return keep
	}
	first, _, code := runCmd(t, "index", "--content", dir, "--db", db)
	if code != 0 {
		t.Fatalf("first index: exit %d\n%s", code, first)
	}
	again, _, code := runCmd(t, "index", "--content", dir, "--db", db)
	if code != 0 {
		t.Fatalf("index again: exit %d\n%s", code, again)
	}
	if !strings.Contains(again, "\nnothing changed since the last run") {
		t.Errorf("index again over the same files:\n%s\nwant it to say nothing changed", again)
	}
	if f, a := report(first), report(again); !slices.Equal(f, a) {
		t.Errorf("reports differ:\nfirst\n%s\nagain\n%s", strings.Join(f, "\n"), strings.Join(a, "\n"))
	}
}
