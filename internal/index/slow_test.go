package index_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// slowRender is how long the slow post of these tests takes to render: far
// above a watched run's wait, and long enough that the runs made while it
// renders are done before it.
const slowRender = time.Second

// servedContent is the markdown the store serves for post id in Korean.
func servedContent(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	sp, err := st.Post(context.Background(), id, "ko", repr.Identity)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Post struct {
			Content string `json:"content"`
		} `json:"post"`
	}
	if err := json.Unmarshal(sp.Body, &r); err != nil {
		t.Fatal(err)
	}
	return r.Post.Content
}

// watchedIndexer is an indexer of a folder with go/slow and go/edit
// indexed, whose renderings in the background stop and are waited for at
// the end of the test; ready receives the paths RunWatched says are ready.
// Its time budget is a minute, far from the slow bodies' time whatever the
// machine's load.
func watchedIndexer(t *testing.T) (dir string, st *store.Store, ix *index.Indexer, ctx context.Context, ready chan string) {
	dir = t.TempDir()
	st = openStore(t)
	ix = index.New(dir, st)
	b := markdown.DefaultBudget
	b.Timeout = time.Minute
	ix.SetBudget(b)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); ix.Wait() })
	testutil.WriteFile(t, dir, "go/slow.ko.md", front+"old slow\n")
	testutil.WriteFile(t, dir, "go/edit.ko.md", front+"old edit\n")
	if _, err := ix.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return dir, st, ix, ctx, make(chan string, 16)
}

func runWatched(t *testing.T, ctx context.Context, ix *index.Indexer, ready chan string, paths ...string) index.Summary {
	t.Helper()
	sum, err := ix.RunWatched(ctx, paths, func(p string) { ready <- p })
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Errors) > 0 {
		t.Fatalf("errors: %v", sum.Errors)
	}
	return sum
}

// awaitReady waits for RunWatched's call that path is ready.
func awaitReady(t *testing.T, ready chan string, path string) {
	t.Helper()
	select {
	case p := <-ready:
		if p != path {
			t.Fatalf("ready %s, want %s", p, path)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%s never ready", path)
	}
}

// TestWatchedRunLeavesSlowRenderToBackground: a watched run that meets a
// post slow to render stores the rest without waiting for it, and its last
// good version keeps serving; a run while it renders does not render it
// again; once it is done, the run over it stores it without rendering
// again.
func TestWatchedRunLeavesSlowRenderToBackground(t *testing.T) {
	dir, st, ix, ctx, ready := watchedIndexer(t)
	slow := front + "new slow\n\n" + testutil.SlowBody(t, slowRender)
	testutil.WriteFile(t, dir, "go/slow.ko.md", slow)
	testutil.WriteFile(t, dir, "go/edit.ko.md", front+"new edit\n")

	start := time.Now()
	sum := runWatched(t, ctx, ix, ready, "go/edit.ko.md", "go/slow.ko.md")
	took := time.Since(start)
	if !slices.Equal(sum.Deferred, []string{"go/slow.ko.md"}) || sum.Rendered != 1 {
		t.Errorf("deferred %v, rendered %d; want go/slow.ko.md deferred, go/edit rendered", sum.Deferred, sum.Rendered)
	}
	if got := servedContent(t, st, "go/edit"); got != "new edit\n" {
		t.Errorf("go/edit serves %q, want its edit", got)
	}
	if got := servedContent(t, st, "go/slow"); got != "old slow\n" {
		t.Errorf("go/slow serves %q while rendering, want its last good version", got)
	}
	// Asked again while it renders (a rescan, another save of the same
	// bytes): deferred again, not rendered a second time.
	if sum := runWatched(t, ctx, ix, ready, "go/slow.ko.md"); !slices.Equal(sum.Deferred, []string{"go/slow.ko.md"}) {
		t.Errorf("second run: deferred %v, want go/slow.ko.md", sum.Deferred)
	}

	awaitReady(t, ready, "go/slow.ko.md")
	rendered := time.Since(start)
	sum = runWatched(t, ctx, ix, ready, "go/slow.ko.md")
	if len(sum.Deferred) != 0 || sum.Rendered != 1 || !strings.HasPrefix(servedContent(t, st, "go/slow"), "new slow\n") {
		t.Errorf("once ready: deferred %v, rendered %d, go/slow serves its new version: %v",
			sum.Deferred, sum.Rendered, strings.HasPrefix(servedContent(t, st, "go/slow"), "new slow\n"))
	}
	ix.Wait()
	if len(ready) != 0 {
		t.Errorf("ready again for %s: rendered twice", <-ready)
	}
	t.Logf("edit stored in %v while a rendering ready after %v went on", took, rendered)
}

// TestWatchedRunDropsStaleRender: a post saved again while its last
// version renders in the background is rendered anew, and the stale
// rendering is stopped, neither used nor announced. The first version
// would render; the second, given a tighter budget, goes over it.
func TestWatchedRunDropsStaleRender(t *testing.T) {
	dir, st, ix, ctx, ready := watchedIndexer(t)
	tight := markdown.DefaultBudget
	tight.Timeout = 2 * index.SlowGrace
	for _, v := range []string{"v1", "v2"} {
		if v == "v2" {
			ix.SetBudget(tight)
		}
		testutil.WriteFile(t, dir, "go/slow.ko.md", front+v+"\n\n"+testutil.SlowestBody())
		if sum := runWatched(t, ctx, ix, ready, "go/slow.ko.md"); !slices.Equal(sum.Deferred, []string{"go/slow.ko.md"}) {
			t.Fatalf("%s: deferred %v, want go/slow.ko.md", v, sum.Deferred)
		}
	}
	awaitReady(t, ready, "go/slow.ko.md")
	sum, err := ix.RunWatched(ctx, []string{"go/slow.ko.md"}, func(p string) { ready <- p })
	if err != nil {
		t.Fatal(err)
	}
	want := "go/slow.ko.md: over the rendering budget: rendering took more than " + tight.Timeout.String()
	if got := errorsOf(sum)["go/slow.ko.md"]; got != want || len(sum.Deferred) != 0 {
		t.Errorf("errors %v, deferred %v; want v2's %q", sum.Errors, sum.Deferred, want)
	}
	if got := servedContent(t, st, "go/slow"); got != "old slow\n" {
		t.Errorf("go/slow serves %.20q…, want its last good version", got)
	}
	ix.Wait()
	if len(ready) != 0 {
		t.Errorf("ready again for %s: the stale rendering was announced", <-ready)
	}
}

// TestWatchedRenderStopsWithContext: the renderings left to the background
// end with the watcher's context, not the budget's time limit.
func TestWatchedRenderStopsWithContext(t *testing.T) {
	dir, _, ix, _, ready := watchedIndexer(t)
	ctx, cancel := context.WithCancel(context.Background())
	testutil.WriteFile(t, dir, "go/slow.ko.md", front+testutil.SlowestBody())
	if sum := runWatched(t, ctx, ix, ready, "go/slow.ko.md"); len(sum.Deferred) != 1 {
		t.Fatalf("deferred %v, want go/slow.ko.md", sum.Deferred)
	}
	start := time.Now()
	cancel()
	ix.Wait()
	if took := time.Since(start); took > time.Second {
		t.Errorf("Wait took %v after the context ended", took)
	}
	if len(ready) != 0 {
		t.Errorf("a stopped rendering was announced ready")
	}
}

// TestWatchedRunReportsBudgetInBackground: a post that goes over its time
// budget while rendering in the background is reported as any run reports
// it, with its file, and keeps its last good version; the next runs report
// it again without rendering it.
func TestWatchedRunReportsBudgetInBackground(t *testing.T) {
	dir, st, ix, ctx, ready := watchedIndexer(t)
	b := markdown.DefaultBudget
	b.Timeout = 2 * index.SlowGrace
	ix.SetBudget(b)
	testutil.WriteFile(t, dir, "go/slow.ko.md", front+"new slow\n\n"+testutil.SlowestBody())
	if sum := runWatched(t, ctx, ix, ready, "go/slow.ko.md"); !slices.Equal(sum.Deferred, []string{"go/slow.ko.md"}) {
		t.Fatalf("deferred %v, want go/slow.ko.md", sum.Deferred)
	}
	awaitReady(t, ready, "go/slow.ko.md")
	want := "go/slow.ko.md: over the rendering budget: rendering took more than " + b.Timeout.String()
	for _, paths := range [][]string{{"go/slow.ko.md"}, nil} {
		sum, err := ix.RunWatched(ctx, paths, func(p string) { ready <- p })
		if err != nil {
			t.Fatal(err)
		}
		if got := errorsOf(sum)["go/slow.ko.md"]; got != want || len(sum.Errors) != 1 || len(sum.Deferred) != 0 {
			t.Errorf("run over %v: errors %v, deferred %v; want only %q", paths, sum.Errors, sum.Deferred, want)
		}
		if got := servedContent(t, st, "go/slow"); got != "old slow\n" {
			t.Errorf("go/slow serves %.20q…, want its last good version", got)
		}
	}
	ix.Wait()
	if len(ready) != 0 {
		t.Errorf("rendered again: ready for %s", <-ready)
	}
}

// TestWatchedRunBoundsDroppedRenders: a file saved again and again while a
// code block of it highlights for seconds (its highlighting does not stop
// when its rendering is dropped, only at its timeout) leaves at most four
// renderings running; past them, a watched run waits for its own.
func TestWatchedRunBoundsDroppedRenders(t *testing.T) {
	dir, _, ix, ctx, ready := watchedIndexer(t)
	b := markdown.DefaultBudget
	b.Timeout = 4 * time.Second
	ix.SetBudget(b)
	code := "```yaml+jinja\n" + strings.Repeat("[", 20000) + "\n```\n"
	// Five saves, a quarter of a second apart: all within the first one's
	// four seconds. The first four are left to the background, the fifth
	// waits for its own.
	deferred := 0
	for v := range 5 {
		testutil.WriteFile(t, dir, "go/slow.ko.md", front+"v"+string(rune('0'+v))+"\n\n"+code)
		sum, err := ix.RunWatched(ctx, []string{"go/slow.ko.md"}, func(p string) { ready <- p })
		if err != nil {
			t.Fatal(err)
		}
		deferred += len(sum.Deferred)
	}
	if deferred != 4 {
		t.Errorf("%d of 5 saves left to the background while the earlier ones highlighted on, want 4", deferred)
	}
}
