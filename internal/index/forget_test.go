package index_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

// An indexer that forgot its last run reads what it needs from the store
// again: its next run, asked about a few paths, looks at the whole folder,
// and leaves the store as an indexer that never forgot leaves it, the last
// good version of a file that turned bad before the forgetting included.
func TestForgetThenRun(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 12)
	other, err := store.Open(ctx, filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherIx := index.New(f.dir, other)
	runBoth := func(step string, forget bool) {
		t.Helper()
		changed := f.changed
		f.changed = nil
		if forget {
			f.ix.Forget()
		}
		sum, err := f.ix.RunChanged(ctx, changed)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if forget && sum.Targeted {
			t.Errorf("%s: the run after Forget looked at %v only", step, changed)
		}
		want, err := otherIx.RunChanged(ctx, changed)
		if err != nil {
			t.Fatal(err)
		}
		assertSameStores(t, f.st, other)
		if got, want := errorLines(sum.Errors), errorLines(want.Errors); !slices.Equal(got, want) {
			t.Errorf("%s: errors\n got %q\nwant %q", step, got, want)
		}
	}
	runBoth("first", false)

	var files []string
	for _, c := range smallCats {
		ms, _ := filepath.Glob(filepath.Join(f.dir, c, "*.md"))
		for _, m := range ms {
			rel, _ := filepath.Rel(f.dir, m)
			files = append(files, filepath.ToSlash(rel))
		}
	}
	if len(files) < 2 {
		t.Fatalf("the fixture has %d post files", len(files))
	}
	bad, edited := files[0], files[len(files)-1]
	f.write(bad, "---\ntitle: [unclosed\ndate: 2024-01-01\n---\nbody\n")
	runBoth("a file turns bad", false)
	f.write(edited, f.read(edited)+"\nmore text\n")
	runBoth("an edit after Forget", true)
	f.write(edited, postFile("다시 쓴 제목", "2024-05-06", "alpha"))
	runBoth("a new title after Forget again", true)
	runBoth("nothing changed after Forget", true)
	if t.Failed() {
		t.Logf("bad file %s, edited %s", bad, edited)
	}
}
