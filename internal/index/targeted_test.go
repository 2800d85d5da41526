package index_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

// errorLines renders content errors for comparison.
func errorLines(errs []*content.Error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

// TestTargetedRunsMatchFullRuns makes random changes to post files, good and
// bad (broken front matter, a missing title, a duplicate bundle, a bad name,
// drafts, deletions, new translations), and runs the indexer on the changed
// paths only, as the watcher does. After every run the store must hold what
// a second index of the same folder, through the same history but with runs
// over every file, holds (a fresh index would not do: a file that turned bad
// keeps its last good version, which only an index that saw it knows), and
// the run must report the same errors, those of files it did not look at
// included.
func TestTargetedRunsMatchFullRuns(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 7))
	f := newFixture(t, 30)
	f.targeted = true
	ctx := context.Background()
	full, err := store.Open(ctx, filepath.Join(t.TempDir(), "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	fullIx := index.New(f.dir, full)
	if _, err := fullIx.Run(ctx); err != nil {
		t.Fatal(err)
	}

	// postFiles lists the post files in the folder now.
	postFiles := func() []string {
		var out []string
		for _, c := range smallCats {
			_ = filepath.WalkDir(filepath.Join(f.dir, c), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
					rel, _ := filepath.Rel(f.dir, p)
					out = append(out, filepath.ToSlash(rel))
				}
				return nil
			})
		}
		return out
	}
	pick := func(xs []string) string { return xs[rnd.IntN(len(xs))] }
	date := func() string {
		return time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rnd.IntN(2500)).Format(time.DateOnly)
	}
	tags := []string{"alpha", "beta", "gamma", "delta", "zz-rare"}
	someTags := func() []string {
		n := rnd.IntN(3)
		var out []string
		for range n {
			if tg := pick(tags); !slices.Contains(out, tg) {
				out = append(out, tg)
			}
		}
		return out
	}
	changes := []struct {
		name string
		do   func()
	}{
		{"edit body", func() {
			p := pick(postFiles())
			f.write(p, f.read(p)+fmt.Sprintf("\nmore text %d\n", rnd.IntN(1000)))
		}},
		{"retitle or retag", func() {
			p := pick(postFiles())
			f.write(p, postFile(fmt.Sprintf("제목 %d", rnd.IntN(1000)), date(), someTags()...))
		}},
		{"draft", func() {
			f.write(pick(postFiles()), draftFile("초안", date(), someTags()...))
		}},
		{"delete", func() {
			if fs := postFiles(); len(fs) > 5 {
				f.remove(pick(fs))
			}
		}},
		{"add", func() {
			f.write(fmt.Sprintf("%s/new-%d.%s.md", pick(smallCats), rnd.IntN(40), pick(langs)),
				postFile("새 글", date(), someTags()...))
		}},
		{"duplicate bundle", func() {
			p := pick(postFiles())
			cat, slug, lang := splitFlat(p)
			if slug == "" {
				return
			}
			if err := os.MkdirAll(filepath.Join(f.dir, cat, slug), 0o755); err != nil {
				t.Fatal(err)
			}
			f.write(cat+"/"+slug+"/index."+lang+".md", postFile("Bundle", date()))
		}},
		{"broken front matter", func() {
			f.write(pick(postFiles()), "---\ntitle: [unclosed\ndate: 2024-01-01\n---\nbody\n")
		}},
		{"missing title", func() {
			f.write(pick(postFiles()), "---\ndate: 2024-01-01\n---\nno title\n")
		}},
		{"bad name", func() {
			f.write(pick(smallCats)+"/Bad_Name.ko.md", postFile("Bad", date()))
		}},
	}
	for step := range 60 {
		var did []string
		for range 1 + rnd.IntN(3) {
			c := changes[rnd.IntN(len(changes))]
			c.do()
			did = append(did, c.name)
		}
		changed := append([]string{}, f.changed...)
		f.changed = nil
		sum, err := f.ix.RunChanged(ctx, changed)
		if err != nil {
			t.Fatalf("step %d (%v): %v", step, did, err)
		}
		if !sum.Targeted {
			t.Fatalf("step %d (%v): run on %v was not targeted", step, did, changed)
		}
		want, err := fullIx.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertSameStores(t, f.st, full)
		if got, want := errorLines(sum.Errors), errorLines(want.Errors); !slices.Equal(got, want) {
			t.Fatalf("step %d (%v on %v): errors\n got %q\nwant %q", step, did, changed, got, want)
		}
		if t.Failed() {
			t.Fatalf("step %d (%v on %v) left the store unlike a fresh index", step, did, changed)
		}
	}
}

// splitFlat splits a flat post path <cat>/<slug>.<lang>.md; slug is empty
// for other paths.
func splitFlat(p string) (cat, slug, lang string) {
	parts := strings.Split(p, "/")
	if len(parts) != 2 {
		return "", "", ""
	}
	name := strings.TrimSuffix(parts[1], ".md")
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return "", "", ""
	}
	return parts[0], name[:i], name[i+1:]
}
