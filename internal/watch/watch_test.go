package watch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/testutil"
	"github.com/geul-dev/geul/internal/watch"
)

// recorder is a watch.Func that records each call.
type recorder struct {
	mu    sync.Mutex
	calls [][]string
	at    []time.Time
	ch    chan []string
	// reply decides what the n-th call (from 1) returns.
	reply func(n int) (bool, error)
	// hold blocks each call until it is closed, when not nil.
	hold chan struct{}
}

func newRecorder() *recorder { return &recorder{ch: make(chan []string, 100)} }

func (r *recorder) fn(ctx context.Context, changed []string) (bool, error) {
	r.mu.Lock()
	r.calls = append(r.calls, changed)
	r.at = append(r.at, time.Now())
	n := len(r.calls)
	reply, hold := r.reply, r.hold
	r.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
		}
	}
	r.ch <- changed
	if reply != nil {
		return reply(n)
	}
	return false, nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// next waits for the next call and returns its paths.
func (r *recorder) next(t *testing.T, within time.Duration) []string {
	t.Helper()
	select {
	case c := <-r.ch:
		return c
	case <-time.After(within):
		t.Fatalf("no run within %v", within)
		return nil
	}
}

// none checks that no call comes for d.
func (r *recorder) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case c := <-r.ch:
		t.Fatalf("unexpected run for %v", c)
	case <-time.After(d):
	}
}

// start watches dir with fn until the test ends.
func start(t *testing.T, dir string, opts watch.Options, fn watch.Func) *watch.Watcher {
	t.Helper()
	w, err := watch.New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, fn) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return after cancel")
		}
		w.Close()
	})
	return w
}

// fast keeps the tests quick while leaving room for a loaded machine.
var fast = watch.Options{Quiet: 30 * time.Millisecond, MaxWait: 300 * time.Millisecond}

const runWithin = 5 * time.Second

func TestRunsOnceAfterEachKindOfChange(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "_category.yaml"), "name: CS\n")
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "a.ko.md"), "v1")
	rec := newRecorder()
	start(t, dir, fast, rec.fn)

	steps := []struct {
		name string
		do   func()
		want string // a path the run must list
	}{
		{"edit", func() { testutil.WriteFile(t, "", filepath.Join(dir, "cs", "a.ko.md"), "v2") }, "cs/a.ko.md"},
		{"create", func() { testutil.WriteFile(t, "", filepath.Join(dir, "cs", "b.en.md"), "new") }, "cs/b.en.md"},
		{"delete", func() { os.Remove(filepath.Join(dir, "cs", "b.en.md")) }, "cs/b.en.md"},
		{"site.yaml", func() { testutil.WriteFile(t, "", filepath.Join(dir, "site.yaml"), "languages: [ko]\n") }, "site.yaml"},
		{"category file", func() { testutil.WriteFile(t, "", filepath.Join(dir, "cs", "_category.yaml"), "name: C\n") }, "cs/_category.yaml"},
		{"atomic save by rename", func() {
			tmp := filepath.Join(dir, "cs", ".a.ko.md.tmp")
			testutil.WriteFile(t, "", tmp, "v3")
			if err := os.Rename(tmp, filepath.Join(dir, "cs", "a.ko.md")); err != nil {
				t.Fatal(err)
			}
		}, "cs/a.ko.md"},
		{"new category folder", func() {
			testutil.WriteFile(t, "", filepath.Join(dir, "go", "_category.yaml"), "name: Go\n")
		}, "go"},
		{"file in the new folder", func() { testutil.WriteFile(t, "", filepath.Join(dir, "go", "x.ko.md"), "x") }, "go/x.ko.md"},
		{"new bundle", func() { testutil.WriteFile(t, "", filepath.Join(dir, "go", "y", "index.ko.md"), "y") }, "go/y"},
		{"edit in the new bundle", func() { testutil.WriteFile(t, "", filepath.Join(dir, "go", "y", "index.ko.md"), "y2") }, "go/y/index.ko.md"},
	}
	for _, s := range steps {
		s.do()
		got := rec.next(t, runWithin)
		if !slices.Contains(got, s.want) {
			t.Errorf("%s: run for %v, want it to list %s", s.name, got, s.want)
		}
		// Let the step's last events arrive before the next step, so each run
		// belongs to one step.
		time.Sleep(100 * time.Millisecond)
		for len(rec.ch) > 0 {
			<-rec.ch
		}
	}
}

func TestBurstIsOneRun(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder()
	start(t, dir, watch.Options{Quiet: 100 * time.Millisecond, MaxWait: 5 * time.Second}, rec.fn)
	for i := range 20 {
		testutil.WriteFile(t, "", filepath.Join(dir, "cs", "p.ko.md"), strings.Repeat("x", i))
		testutil.WriteFile(t, "", filepath.Join(dir, "cs", "q.en.md"), strings.Repeat("y", i))
		time.Sleep(5 * time.Millisecond)
	}
	got := rec.next(t, runWithin)
	for _, p := range []string{"cs", "cs/p.ko.md", "cs/q.en.md"} {
		if !slices.Contains(got, p) {
			t.Errorf("run for %v, want %s in it", got, p)
		}
	}
	rec.none(t, 400*time.Millisecond)
	if n := rec.count(); n != 1 {
		t.Errorf("got %d runs for one burst, want 1", n)
	}
}

func TestEndlessBurstRunsEveryMaxWait(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder()
	start(t, dir, watch.Options{Quiet: 100 * time.Millisecond, MaxWait: 300 * time.Millisecond}, rec.fn)
	stop := time.Now().Add(1500 * time.Millisecond)
	for i := 0; time.Now().Before(stop); i++ {
		testutil.WriteFile(t, "", filepath.Join(dir, "p.ko.md"), strings.Repeat("x", i%100))
		time.Sleep(10 * time.Millisecond)
	}
	// Writes never pause for Quiet, yet the runs come at least every MaxWait.
	if n := rec.count(); n < 3 {
		t.Errorf("got %d runs in 1.5s of constant writes, want at least 3 (one per 300ms MaxWait, with slack)", n)
	}
}

func TestIgnoresWhatCannotBeContent(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "cs"), 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "a.ko.md"), "a")
	rec := newRecorder()
	start(t, dir, fast, rec.fn)
	for _, name := range []string{
		".a.ko.md.swp", ".a.ko.md.tmp", "a.ko.md~", "#a.ko.md#", ".#a.ko.md", "4913",
		"a.ko.md.swp", "a.ko.md.tmp", "a.ko.md.part", "a.ko.md___jb_tmp___", "photo.png", "notes.txt",
	} {
		testutil.WriteFile(t, "", filepath.Join(dir, "cs", name), "x")
		os.Remove(filepath.Join(dir, "cs", name))
	}
	testutil.WriteFile(t, "", filepath.Join(dir, ".git", "HEAD"), "ref")
	testutil.WriteFile(t, "", filepath.Join(dir, ".git", "objects", "ab", "cd"), "obj")
	// Permissions and times change no bytes.
	if err := os.Chmod(filepath.Join(dir, "cs", "a.ko.md"), 0o600); err != nil {
		t.Fatal(err)
	}
	rec.none(t, 300*time.Millisecond)
}

func TestHiddenFoldersAreNotWatched(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, "", filepath.Join(dir, ".git", "HEAD"), "ref")
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "b", "index.ko.md"), "b")
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "b", "img", "deep", "x.md"), "a bundle's folders are watched")
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "b", "img", "deep", "a", "b", "c", "d.png"), "too deep")
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "b", ".cache", "x.png"), "hidden")
	w := start(t, dir, fast, newRecorder().fn)
	var got []string
	for _, p := range w.Watched() {
		r, _ := filepath.Rel(dir, p)
		got = append(got, filepath.ToSlash(r))
	}
	want := []string{".", "cs", "cs/b", "cs/b/img", "cs/b/img/deep", "cs/b/img/deep/a", "cs/b/img/deep/a/b"}
	if !slices.Equal(got, want) {
		t.Errorf("watched %v, want %v (root, category, bundle and its folders; not hidden or deeper folders)", got, want)
	}
}

func TestFolderMovesAndDeletes(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "a.ko.md"), "a")
	rec := newRecorder()
	w := start(t, dir, fast, rec.fn)

	// A category folder renamed: the new name is watched, the old forgotten.
	if err := os.Rename(filepath.Join(dir, "cs"), filepath.Join(dir, "cs2")); err != nil {
		t.Fatal(err)
	}
	// The files inside moved without an event each: the run is for everything.
	if got := rec.next(t, runWithin); got != nil {
		t.Errorf("run after a folder rename for %q, want nil (everything)", got)
	}
	time.Sleep(100 * time.Millisecond)
	testutil.WriteFile(t, "", filepath.Join(dir, "cs2", "b.ko.md"), "b")
	if got := rec.next(t, runWithin); !slices.Contains(got, "cs2/b.ko.md") && !slices.Contains(got, "cs/b.ko.md") {
		t.Errorf("run for %v after writing into the renamed folder", got)
	}
	if ws := w.Watched(); slices.Contains(ws, filepath.Join(dir, "cs")) || !slices.Contains(ws, filepath.Join(dir, "cs2")) {
		t.Errorf("watched %v after renaming cs to cs2", ws)
	}

	// A folder moved in from outside, with a bundle inside.
	outside := t.TempDir()
	testutil.WriteFile(t, "", filepath.Join(outside, "go", "x", "index.ko.md"), "x")
	if err := os.Rename(filepath.Join(outside, "go"), filepath.Join(dir, "go")); err != nil {
		t.Fatal(err)
	}
	rec.next(t, runWithin)
	time.Sleep(100 * time.Millisecond)
	testutil.WriteFile(t, "", filepath.Join(dir, "go", "x", "index.en.md"), "x")
	if got := rec.next(t, runWithin); !slices.Contains(got, "go/x/index.en.md") {
		t.Errorf("run for %v after writing into a bundle moved in, want go/x/index.en.md", got)
	}

	// A deleted folder is forgotten.
	if err := os.RemoveAll(filepath.Join(dir, "go")); err != nil {
		t.Fatal(err)
	}
	rec.next(t, runWithin)
	deadline := time.Now().Add(runWithin)
	for slices.Contains(w.Watched(), filepath.Join(dir, "go")) && time.Now().Before(deadline) {
		// Forgetting happens on the next resync, before the run after a folder
		// event; one more change makes sure one happened.
		testutil.WriteFile(t, "", filepath.Join(dir, "cs2", "c.ko.md"), "c")
		rec.next(t, runWithin)
	}
	if ws := w.Watched(); slices.Contains(ws, filepath.Join(dir, "go")) || slices.Contains(ws, filepath.Join(dir, "go", "x")) {
		t.Errorf("watched %v after deleting go", ws)
	}
}

func TestChangesDuringARunStartAnotherAfterIt(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder()
	rec.hold = make(chan struct{})
	start(t, dir, fast, rec.fn)
	testutil.WriteFile(t, "", filepath.Join(dir, "a.ko.md"), "1")
	deadline := time.Now().Add(runWithin)
	for rec.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// The first run is held; this change must wait for it, then run.
	testutil.WriteFile(t, "", filepath.Join(dir, "b.ko.md"), "2")
	time.Sleep(200 * time.Millisecond)
	if n := rec.count(); n != 1 {
		t.Fatalf("got %d runs while the first was still running, want runs never to overlap", n)
	}
	close(rec.hold)
	rec.next(t, runWithin)
	if got := rec.next(t, runWithin); !slices.Contains(got, "b.ko.md") {
		t.Errorf("second run for %v, want b.ko.md", got)
	}
}

func TestAgainAndErrorsRunAgain(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder()
	rec.reply = func(n int) (bool, error) {
		switch n {
		case 1:
			return true, nil // a file was still being written
		case 2:
			return false, errors.New("database is locked")
		}
		return false, nil
	}
	start(t, dir, fast, rec.fn)
	testutil.WriteFile(t, "", filepath.Join(dir, "a.ko.md"), "1")
	if got := rec.next(t, runWithin); !slices.Equal(got, []string{"a.ko.md"}) {
		t.Errorf("first run for %q, want a.ko.md", got)
	}
	// Asked for by again: it names nothing new, and is not a full rescan.
	if got := rec.next(t, runWithin); got == nil || len(got) != 0 {
		t.Errorf("run asked for by again for %#v, want an empty list", got)
	}
	// The retry after an error cannot know what the failed run left undone.
	if got := rec.next(t, runWithin); got != nil {
		t.Errorf("retry after an error for %q, want nil (everything)", got)
	}
	rec.none(t, 300*time.Millisecond)
}

func TestTrigger(t *testing.T) {
	rec := newRecorder()
	w := start(t, t.TempDir(), fast, rec.fn)
	w.Trigger()
	if got := rec.next(t, runWithin); got != nil {
		t.Errorf("triggered run for %q, want nil (everything)", got)
	}
}

// TestChanged: paths asked for by Changed are run over by name, once the
// run in progress, if any, is done.
func TestChanged(t *testing.T) {
	rec := newRecorder()
	rec.hold = make(chan struct{})
	w := start(t, t.TempDir(), fast, rec.fn)
	w.Changed("cs/a.ko.md")
	deadline := time.Now().Add(runWithin)
	for rec.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Asked for during a run: after it.
	w.Changed("cs/b.ko.md", "cs/c.ko.md")
	close(rec.hold)
	if got := rec.next(t, runWithin); !slices.Equal(got, []string{"cs/a.ko.md"}) {
		t.Errorf("run for %q, want cs/a.ko.md", got)
	}
	if got := rec.next(t, runWithin); !slices.Equal(got, []string{"cs/b.ko.md", "cs/c.ko.md"}) {
		t.Errorf("run for %q, want cs/b.ko.md and cs/c.ko.md", got)
	}
}

func TestStopWaitsForTheRunningCall(t *testing.T) {
	dir := t.TempDir()
	w, err := watch.New(dir, fast)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	entered := make(chan struct{})
	var finished bool
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, func(ctx context.Context, _ []string) (bool, error) {
			close(entered)
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond) // a rollback
			finished = true
			return false, ctx.Err()
		})
	}()
	testutil.WriteFile(t, "", filepath.Join(dir, "a.ko.md"), "1")
	<-entered
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !finished {
		t.Fatal("Run returned before the running call finished")
	}
}

func TestRootRemovedAndBackIsPolled(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "content")
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "a.ko.md"), "a")
	rec := newRecorder()
	opts := fast
	opts.Poll = 100 * time.Millisecond
	w := start(t, dir, opts, rec.fn)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	rec.next(t, runWithin)
	deadline := time.Now().Add(runWithin)
	for !w.Degraded() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !w.Degraded() {
		t.Fatal("not polling after the content folder was removed")
	}
	// A checkout that puts the folder back is found by polling, then watched.
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "a.ko.md"), "again")
	for w.Degraded() && time.Now().Before(deadline) {
		select {
		case <-rec.ch:
		case <-time.After(50 * time.Millisecond):
		}
	}
	if w.Degraded() {
		t.Fatal("still polling after the content folder came back")
	}
	time.Sleep(100 * time.Millisecond)
	for len(rec.ch) > 0 {
		<-rec.ch
	}
	testutil.WriteFile(t, "", filepath.Join(dir, "cs", "b.ko.md"), "b")
	for {
		got := rec.next(t, runWithin)
		if slices.Contains(got, "cs/b.ko.md") {
			break
		}
	}
}
