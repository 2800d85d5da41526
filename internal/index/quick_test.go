package index_test

import (
	"context"
	"database/sql"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/testutil"
)

// A first run that may skip unchanged work (SetSkipUnchanged) is quick only
// when a run over every file would change nothing, and reports what such a
// run reports. Each step changes one input a quick run could miss, runs a new
// indexer as a new process would, and checks whether the run was quick and
// that it left the store as a fresh index of the folder; then that the run
// after it, with nothing changed, is quick again.
func TestSkipUnchanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 9)
	// Files written within a run's clock tick are read again by every run
	// (see racyWindow): these were written a moment ago.
	testutil.Age(t, f.dir)
	f.run()
	db := f.st.Path()
	aged := func(rel, data string) {
		t.Helper()
		f.write(rel, data)
		past := time.Now().Add(-time.Hour)
		if err := os.Chtimes(filepath.Join(f.dir, rel), past, past); err != nil {
			t.Fatal(err)
		}
	}
	touch := func(rel string) {
		t.Helper()
		past := time.Now().Add(-30 * time.Minute)
		if err := os.Chtimes(filepath.Join(f.dir, rel), past, past); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name    string
		change  func()
		baseURL string
		quick   bool
	}{
		{name: "nothing changed", quick: true},
		// Its bytes are read and found the same: only its time is stored.
		{name: "a file touched, the same bytes", change: func() { touch("go/post-01.ko.md") }, quick: true},
		{name: "a post edited", change: func() { aged("cs/post-00.ko.md", postFile("고친 제목", "2021-02-03", "alpha")) }},
		{name: "a file in no site language", change: func() { aged("web/post-02.fr.md", postFile("titre", "2022-01-01", "beta")) }},
		{name: "a run stopped after it saved", change: func() {
			tx, err := f.st.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Save(ctx); err != nil {
				t.Fatal(err)
			}
			tx.Rollback()
		}},
		// Read and found the same, in a run that works every post out.
		{name: "a file touched, another base URL", change: func() { touch("cs/post-00.ko.md") }, baseURL: "https://other.example.com/"},
		{name: "another base URL", baseURL: "https://blog.example.com/"},
		{name: "a stored record unreadable, another file edited", change: func() {
			raw, err := sql.Open("sqlite3", db)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Exec(`UPDATE files SET meta = x'7b' WHERE path = 'go/post-01.ko.md'`); err != nil {
				t.Fatal(err)
			}
			aged("web/post-02.ko.md", f.read("web/post-02.ko.md")+"\nmore\n")
		}, baseURL: "https://blog.example.com/"},
	}
	for _, step := range steps {
		if step.change != nil {
			step.change()
		}
		run := func() index.Summary {
			t.Helper()
			ix := index.New(f.dir, f.st)
			ix.SetSkipUnchanged(true)
			ix.SetBaseURL(step.baseURL)
			sum, err := ix.Run(ctx)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			return sum
		}
		sum := run()
		if sum.Quick != step.quick {
			t.Errorf("%s: Quick = %v, want %v", step.name, sum.Quick, step.quick)
		}
		fresh := freshIndexAt(t, f.dir, step.baseURL)
		assertSameStores(t, f.st, fresh)
		fresh.Close()

		again := run()
		if !again.Quick {
			t.Errorf("%s: the run after it, nothing changed, was not quick", step.name)
		}
		// What a run that works everything out reports.
		ix := index.New(f.dir, f.st)
		ix.SetBaseURL(step.baseURL)
		want, err := ix.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertSameSummaries(t, step.name, again, want)
	}
}

// After a quick first run, the same indexer's next run, told the paths or
// not, works out every post as a first run would; the run after that looks
// only at the paths it is told.
func TestRunsAfterQuickRun(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 9)
	testutil.Age(t, f.dir)
	f.run()
	// A file touched: the quick run keeps its new time, and what it
	// remembers of the file must still be read when a later run needs it.
	past := time.Now().Add(-30 * time.Minute)
	if err := os.Chtimes(filepath.Join(f.dir, "cs/post-00.en.md"), past, past); err != nil {
		t.Fatal(err)
	}
	f.ix = index.New(f.dir, f.st)
	f.ix.SetSkipUnchanged(true)
	if sum := f.run(); !sum.Quick || sum.Read != 1 {
		t.Fatalf("the first run of a new indexer, a file touched: Quick %v, %d read; want quick, 1 read", sum.Quick, sum.Read)
	}
	f.write("cs/post-00.ko.md", postFile("다시 쓴 제목", "2024-05-06", "gamma"))
	sum, err := f.ix.RunChanged(ctx, f.changed)
	if err != nil {
		t.Fatal(err)
	}
	f.changed = nil
	if sum.Quick || sum.Targeted || sum.Rendered != 1 {
		t.Errorf("the run after a quick one: Quick %v, Targeted %v, %d rendered; want a run over every file, one rendered",
			sum.Quick, sum.Targeted, sum.Rendered)
	}
	assertSameAsFresh(t, f.dir, f.st)
	f.targeted = true
	f.write("go/post-01.ko.md", f.read("go/post-01.ko.md")+"\nmore\n")
	f.run() // targeted, the same as a fresh index
}

// assertSameSummaries checks that a quick run reports what a full run over
// the same files reports.
func assertSameSummaries(t *testing.T, step string, got, want index.Summary) {
	t.Helper()
	type counts struct{ Files, Unchanged, Total, Read, Rendered, Deleted, Payloads int }
	g := counts{got.Files, got.Unchanged, got.Total, got.Read, got.Rendered, got.Deleted, got.Payloads}
	w := counts{want.Files, want.Unchanged, want.Total, want.Read, want.Rendered, want.Deleted, want.Payloads}
	if g != w {
		t.Errorf("%s: quick run counted %+v, a full run %+v", step, g, w)
	}
	if !maps.Equal(got.Posts, want.Posts) || !slices.Equal(got.Languages, want.Languages) ||
		got.Generation != want.Generation || got.Changed != want.Changed {
		t.Errorf("%s: quick run reported posts %v, languages %v, generation %d (changed %v); a full run %v, %v, %d (%v)",
			step, got.Posts, got.Languages, got.Generation, got.Changed, want.Posts, want.Languages, want.Generation, want.Changed)
	}
	if g, w := errorLines(got.Errors), errorLines(want.Errors); !slices.Equal(g, w) {
		t.Errorf("%s: quick run errors\n got %q\nwant %q", step, g, w)
	}
	if got.Site == nil || want.Site == nil {
		t.Fatalf("%s: no site snapshot", step)
	}
	if g, w := got.Site.Categories(), want.Site.Categories(); !reflect.DeepEqual(g, w) {
		t.Errorf("%s: quick run's categories %+v, a full run's %+v", step, g, w)
	}
}
