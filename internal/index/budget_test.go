package index_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/testutil"
)

const front = "---\ntitle: t\ndate: 2025-01-01\n---\n"

// hostileBodies are the structures issue 13 found, at the scale it found
// them: each took seconds to minutes or hundreds of MB to render.
func hostileBodies() map[string]string {
	h := corpus.Hostile()
	body := func(name string) string { // without corpus's front matter
		return strings.SplitN(string(h[name]), "---\n", 3)[2]
	}
	table := body("table.ko.md")
	return map[string]string{
		"dashes":  body("list.ko.md"),   // 27.7 s
		"nested":  body("nested.ko.md"), // 19.8 s, 407 MB
		"table-1": table,                // 722 MB each
		"table-2": table,
		"table-3": table,
		"refdefs": strings.Repeat("[a]: b\n", 10_000),
	}
}

func errorsOf(sum index.Summary) map[string]string {
	out := map[string]string{}
	for _, e := range sum.Errors {
		out[e.Path] = e.Error()
	}
	return out
}

// TestHostileFilesAmongOrdinaryPosts indexes the hostile files of issue 13
// among a few hundred ordinary posts: each is refused with its line, every
// other post is served, and the run stays fast and small.
func TestHostileFilesAmongOrdinaryPosts(t *testing.T) {
	dir := t.TempDir()
	// Under the race detector, which renders ten times slower, the scale
	// is smaller and the heavy files, which would pass the time budget,
	// are left out.
	ordinary := 150
	if raceEnabled {
		ordinary = 30
	}
	if _, err := corpus.Generate(dir, corpus.Options{Posts: ordinary, Seed: 13}); err != nil {
		t.Fatal(err)
	}
	hostile := hostileBodies()
	for name, body := range hostile {
		testutil.WriteFile(t, dir, "hostile/"+name+".ko.md", front+body)
	}
	// And files just within the budget, which are rendered: the heaviest
	// per byte that it lets through.
	heavy := map[string]string{
		"links":    strings.Repeat("www.a.b ", 99_000) + "\n",
		"headings": strings.Repeat("# a\n", 9_999) + strings.Repeat("x\n", 80_000),
	}
	if raceEnabled {
		heavy = nil
	}
	for name, body := range heavy {
		testutil.WriteFile(t, dir, "heavy/"+name+".ko.md", front+body)
	}
	ix := index.New(dir, openStore(t))
	peak := samplePeak()
	start := time.Now()
	sum, err := ix.Run(context.Background())
	took, held := time.Since(start), peak()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files in %v, peak Go memory %d MiB", sum.Files, took, held>>20)
	errs := errorsOf(sum)
	want := map[string]string{
		"dashes":  "hostile/dashes.ko.md:5: over the rendering budget: lists and block quotes nested 100000 deep",
		"nested":  "hostile/nested.ko.md:105: over the rendering budget: lists and block quotes nested 101 deep",
		"table-1": "hostile/table-1.ko.md:5005: over the rendering budget: more than 20000 table cells",
		"refdefs": "hostile/refdefs.ko.md:5: over the rendering budget: 10000 link reference definitions",
	}
	for name, w := range want {
		if got := errs["hostile/"+name+".ko.md"]; !strings.HasPrefix(got, w) {
			t.Errorf("%s: error %q, want %q…", name, got, w)
		}
	}
	if len(sum.Errors) != len(hostile) {
		t.Errorf("%d errors, want %d: %v", len(sum.Errors), len(hostile), sum.Errors)
	}
	if want := ordinary + len(heavy); sum.Total != want {
		t.Errorf("%d posts served, want the %d ordinary and heavy ones", sum.Total, want)
	}
	if (took > 20*time.Second && !raceEnabled) || held > 256<<20 {
		t.Errorf("run took %v and %d MiB; want seconds and well under 512 MiB", took, held>>20)
	}
}

// TestOverBudgetKeepsLastGoodVersion: a post edited over its budget keeps
// serving its last good version, whether the source gives it away (refused
// on reading) or only rendering does (refused while rendering: the run is
// done again without it); the error names the file; a fix serves again.
func TestOverBudgetKeepsLastGoodVersion(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st := openStore(t)
	ix := index.New(dir, st)
	b := markdown.DefaultBudget
	b.MaxHTML = 4096
	ix.SetBudget(b)
	run := func() index.Summary {
		t.Helper()
		sum, err := ix.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	served := func(id string) string { t.Helper(); return servedContent(t, st, id) }
	testutil.WriteFile(t, dir, "go/a.ko.md", front+"good a\n")
	testutil.WriteFile(t, dir, "go/b.ko.md", front+"good b\n")
	if sum := run(); len(sum.Errors) != 0 {
		t.Fatal(sum.Errors)
	}
	cases := []struct {
		name, body, err string
	}{
		{"refused on reading", "fine\n\n" + strings.Repeat("> ", 150) + "deep\n", "go/a.ko.md:7: over the rendering budget: lists and block quotes nested 150 deep (at most 100)"},
		{"refused while rendering", strings.Repeat("**big** text\n\n", 400), "go/a.ko.md: over the rendering budget: rendered HTML over 4096 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.WriteFile(t, dir, "go/a.ko.md", front+c.body)
			testutil.WriteFile(t, dir, "go/c.ko.md", front+"new c "+c.name+"\n") // the rest of the run goes on
			for range 2 {                                                        // and the next run reports it again
				sum := run()
				if got := errorsOf(sum)["go/a.ko.md"]; got != c.err || len(sum.Errors) != 1 {
					t.Errorf("errors %v, want only %q", sum.Errors, c.err)
				}
				if got := served("go/a"); got != "good a\n" {
					t.Errorf("go/a serves %q, want its last good version", got)
				}
				if got := served("go/c"); got != "new c "+c.name+"\n" {
					t.Errorf("go/c serves %q", got)
				}
			}
		})
	}
	testutil.WriteFile(t, dir, "go/a.ko.md", front+"fixed a\n")
	if sum := run(); len(sum.Errors) != 0 || served("go/a") != "fixed a\n" {
		t.Errorf("after the fix: errors %v, go/a serves %q", sum.Errors, served("go/a"))
	}
}

// TestCheckPostRendersWithTheBudget: geul check's reading of a post file
// finds what a run would.
func TestCheckPostRendersWithTheBudget(t *testing.T) {
	md := markdown.New()
	if _, _, err := index.CheckPost(md, "go/a.ko.md", []byte(front+"# fine\n"), nil); err != nil {
		t.Errorf("a fine post: %v", err)
	}
	_, _, err := index.CheckPost(md, "go/a.ko.md", []byte(front+strings.Repeat("- ", 1000)+"x\n"), nil)
	ce, ok := err.(*content.Error)
	if !ok || ce.Line != 5 || !strings.Contains(ce.Reason, "nested 1000 deep") {
		t.Errorf("a hostile post: %v", err)
	}
}
