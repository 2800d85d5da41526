// Package watch follows a content folder with fsnotify and calls back once per
// burst of changes, so that `geul serve --watch` re-indexes what an editor, a
// `git pull` or a sync tool just wrote.
//
// Every folder the scanner reads (the root, category folders, bundle folders)
// is watched; folders that appear are watched as soon as their event arrives,
// and folders that go away are forgotten. Events for names that cannot be
// content (hidden files, editor swap and backup files, temporary files that an
// atomic save renames into place) are ignored; the rename that lands the real
// name is what triggers.
//
// A burst of events is debounced: the callback runs once the folder has been
// quiet for Options.Quiet, or Options.MaxWait after the burst began if it never
// goes quiet. Runs never overlap; events that arrive during a run start another
// one after it. The callback is told the paths that changed, so that one saved
// post costs a look at that post, not at every file; whenever the watcher
// cannot name every change (events lost, a folder moved, polling, Trigger, a
// retry) it says so with nil, and the callback rescans the whole folder.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Defaults of Options.
const (
	DefaultQuiet   = 50 * time.Millisecond
	DefaultMaxWait = 500 * time.Millisecond
	DefaultPoll    = 2 * time.Second
)

// maxDepth is how deep under the root folders are watched: category folders
// (1), bundle folders (2) and the folders of a bundle's files, as deep as
// the scanner reads them (content.MaxBundleDepth more).
const maxDepth = 2 + 4

// bundleDepth is the depth of a bundle folder: every file in or under one
// can be a bundle file, whatever its name.
const bundleDepth = 2

// Retry delays after a failed run: the first, doubled up to the last.
const (
	retryFirst = 500 * time.Millisecond
	retryMax   = 30 * time.Second
)

// Options tune a Watcher. The zero value of each field means its default.
type Options struct {
	// Quiet is how long the folder must be quiet before a run.
	Quiet time.Duration
	// MaxWait bounds how long a burst that never goes quiet delays a run.
	MaxWait time.Duration
	// Poll is how often the folder is rescanned when the system cannot watch
	// every folder (inotify's watch limit reached): changes are then found by
	// polling, later but not lost.
	Poll time.Duration
	// Log receives warnings (nil: discarded).
	Log *slog.Logger
}

func (o Options) normalize() Options {
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.MaxWait < o.Quiet {
		o.MaxWait = o.Quiet
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Func is called after a burst of changes with the changed paths (relative to
// the root, slash-separated, sorted). changed is nil when the watcher cannot
// name every change, and the whole folder must be looked at; it is empty, not
// nil, for the run asked for by again, which names nothing new. It returns again=true to ask for another run after the
// quiet period (a file was still being written), or an error to have the run
// retried with a growing delay. ctx is done when the watcher stops.
type Func func(ctx context.Context, changed []string) (again bool, err error)

// Watcher follows one content folder.
type Watcher struct {
	root string
	opts Options
	fw   *fsnotify.Watcher

	trigger chan struct{}
	nudge   chan struct{} // asked has paths

	mu       sync.Mutex
	watched  map[string]bool // folders watched, by cleaned OS path
	degraded bool            // some folder could not be watched: poll
	asked    map[string]bool // see Changed
}

// New starts watching every folder under root. Changes made from now on are
// seen by Run, even those made before Run is called.
func New(root string, opts Options) (*Watcher, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watch %s: not a folder", root)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	w := &Watcher{
		root:    filepath.Clean(root),
		opts:    opts.normalize(),
		fw:      fw,
		trigger: make(chan struct{}, 1),
		nudge:   make(chan struct{}, 1),
		watched: map[string]bool{},
		asked:   map[string]bool{},
	}
	w.resync()
	return w, nil
}

// Close stops watching. Run must have returned.
func (w *Watcher) Close() error { return w.fw.Close() }

// Trigger asks for a run after the quiet period, as a change would.
func (w *Watcher) Trigger() {
	select {
	case w.trigger <- struct{}{}:
	default:
	}
}

// Changed asks for a run over paths (relative to the root, slash-separated)
// after the quiet period, as their changes would; for work on those files
// that ended after their run, such as a rendering left to the background.
func (w *Watcher) Changed(paths ...string) {
	w.mu.Lock()
	for _, p := range paths {
		w.asked[p] = true
	}
	w.mu.Unlock()
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// takeAsked returns the paths Changed asked for since it was last called.
func (w *Watcher) takeAsked() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.asked))
	for p := range w.asked {
		out = append(out, p)
	}
	clear(w.asked)
	return out
}

// Watched returns the folders being watched, sorted; for tests and logs.
func (w *Watcher) Watched() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.watched))
	for p := range w.watched {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Degraded reports whether some folder could not be watched, so that changes
// are found by polling every Options.Poll.
func (w *Watcher) Degraded() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.degraded
}

// depth is how many folders below the root path is (the root is 0), or -1
// when path is not under the root.
func (w *Watcher) depth(path string) int {
	rel, err := filepath.Rel(w.root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return -1
	}
	if rel == "." {
		return 0
	}
	return strings.Count(rel, string(filepath.Separator)) + 1
}

// resync makes the watched set match the folders on disk: it adds what is
// missing (a folder renamed into place, one created before its parent was
// watched) and drops what is gone.
func (w *Watcher) resync() {
	onDisk := map[string]bool{}
	_ = filepath.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// A folder removed while walking, or unreadable: the scanner reports
			// what matters.
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		isDir := d.IsDir()
		if d.Type()&fs.ModeSymlink != 0 {
			// The scanner follows symlinked folders; inotify does too.
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				isDir = true
			}
		}
		if !isDir {
			return nil
		}
		if p != w.root && ignored(d.Name()) {
			return fs.SkipDir
		}
		depth := w.depth(p)
		if depth < 0 || depth > maxDepth {
			return fs.SkipDir
		}
		onDisk[p] = true
		if d.Type()&fs.ModeSymlink != 0 {
			// WalkDir does not descend into symlinks; walk the target's folders
			// under the link's name.
			w.addTree(p, depth, onDisk)
			return nil
		}
		return nil
	})
	w.mu.Lock()
	var gone []string
	for p := range w.watched {
		if !onDisk[p] {
			gone = append(gone, p)
		}
	}
	w.mu.Unlock()
	for _, p := range gone {
		w.unwatch(p)
	}
	// Without the root itself nothing can be watched: poll until it is back.
	ok := onDisk[w.root]
	for p := range onDisk {
		// Adding a watched folder again is cheap and repairs a watch the kernel
		// dropped when the folder was moved away and back.
		ok = w.watch(p) && ok
	}
	w.setDegraded(!ok)
}

// setDegraded records whether every folder is watched, warning once when not.
func (w *Watcher) setDegraded(d bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d && !w.degraded {
		w.opts.Log.Warn("cannot watch every content folder; polling for changes", "every", w.opts.Poll)
	}
	w.degraded = d
}

// addTree lists the folders under a symlinked folder p at depth.
func (w *Watcher) addTree(p string, depth int, into map[string]bool) {
	if depth >= maxDepth {
		return
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return
	}
	for _, e := range ents {
		if ignored(e.Name()) {
			continue
		}
		c := filepath.Join(p, e.Name())
		fi, err := os.Stat(c)
		if err != nil || !fi.IsDir() {
			continue
		}
		into[c] = true
		w.addTree(c, depth+1, into)
	}
}

// watch adds one folder and reports whether it is watched (or gone already:
// its parent's event triggers the run that notices).
func (w *Watcher) watch(p string) bool {
	err := w.fw.Add(p)
	if err == nil {
		w.mu.Lock()
		w.watched[p] = true
		w.mu.Unlock()
		return true
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return true
	}
	hint := ""
	if errors.Is(err, syscall.ENOSPC) {
		hint = "; raise fs.inotify.max_user_watches"
	}
	w.opts.Log.Warn("cannot watch folder"+hint, "folder", p, "err", err)
	return false
}

// unwatch forgets one folder.
func (w *Watcher) unwatch(p string) {
	// The kernel drops the watch of a deleted folder by itself; Remove then
	// only clears fsnotify's record, and its error says nothing useful.
	_ = w.fw.Remove(p)
	w.mu.Lock()
	delete(w.watched, p)
	w.mu.Unlock()
}

// ignored reports whether a file or folder name can never be content: hidden
// names (".git", ".x.md.tmp", emacs's ".#x"), backups ("x~"), emacs autosaves
// ("#x#") and vim's write test file "4913".
func ignored(name string) bool {
	return name == "" || name[0] == '.' || name[0] == '#' ||
		strings.HasSuffix(name, "~") || name == "4913"
}

// relevant reports whether a change to a file or folder of this name can change
// the index: post files (.md), site.yaml and _category.yaml, and folders (whose
// names have no dot). Swap, temporary and partial files have other endings
// (".swp", ".tmp", ".md.part", "___jb_tmp___"), so an atomic save triggers on
// the rename that lands the real name, not on the writes before it.
func relevant(name string) bool {
	if ignored(name) {
		return false
	}
	switch filepath.Ext(name) {
	case "", ".md", ".yaml":
		return true
	}
	return false
}

// bundleRelevant reports whether a change to a file of this name inside a
// bundle folder can change the index: any file is a bundle file (an image, a
// PDF), except names that cannot be content and the partial files of
// downloads and editors, which land under their real name later.
func bundleRelevant(name string) bool {
	if ignored(name) {
		return false
	}
	for _, suffix := range []string{".swp", ".swx", ".tmp", ".part", ".crdownload", "___jb_tmp___", "___jb_old___"} {
		if strings.HasSuffix(name, suffix) {
			return false
		}
	}
	return true
}

// loop is the state of one Run: the burst of changes pending, the run in
// progress and the timers that start the next.
type loop struct {
	w           *Watcher
	ctx         context.Context
	fn          Func
	pending     bool // a change not yet handed to fn
	full        bool // some change of the pending burst has no path
	resync      bool // folders may have come or gone: resync before the run
	first, last time.Time
	changed     map[string]bool
	running     bool
	done        chan result
	timer       *time.Timer
	retry       <-chan time.Time
	backoff     time.Duration
	poll        <-chan time.Time
	pollTicker  *time.Ticker
}

// Run calls fn after each burst of changes until ctx is done, then returns nil
// once the run in progress, if any, has returned. Call it at most once.
func (w *Watcher) Run(ctx context.Context, fn Func) error {
	l := &loop{w: w, ctx: ctx, fn: fn, changed: map[string]bool{}, done: make(chan result, 1), timer: time.NewTimer(time.Hour)}
	l.timer.Stop()
	defer l.timer.Stop()
	defer func() {
		if l.pollTicker != nil {
			l.pollTicker.Stop()
		}
	}()
	l.setPoll()

	for {
		select {
		case <-ctx.Done():
			if l.running {
				<-l.done
			}
			return nil

		case ev, ok := <-w.fw.Events:
			if !ok {
				return nil
			}
			if w.handle(ev, &l.resync) {
				l.mark(w.rel(ev.Name))
				l.arm()
			}
			l.setPoll()

		case err, ok := <-w.fw.Errors:
			if !ok {
				return nil
			}
			// An overflow means events were lost: rescan folders and content.
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				w.opts.Log.Warn("watching content", "err", err)
			}
			l.markAll(true)

		case <-w.trigger:
			l.markAll(false)

		case <-w.nudge:
			for _, p := range w.takeAsked() {
				l.mark(p)
			}
			l.arm()

		case <-l.poll:
			l.markAll(true)

		case <-l.retry:
			l.retry = nil
			l.markAll(false)

		case <-l.timer.C:
			if l.pending && !l.running {
				l.start()
			}

		case r := <-l.done:
			l.finished(r)
		}
	}
}

// mark records a change of rel; "" is a change the watcher cannot name.
func (l *loop) mark(rel string) {
	now := time.Now()
	if !l.pending {
		l.pending = true
		l.first = now
	}
	l.last = now
	if rel != "" {
		l.changed[rel] = true
	} else {
		l.full = true
	}
}

// markAll records a change the watcher cannot name, and arms the timer;
// resync asks for the watched folders to be resynced before the run.
func (l *loop) markAll(resync bool) {
	if resync {
		l.resync = true
	}
	l.mark("")
	l.arm()
}

// arm sets the timer for the next run: once quiet, at the latest MaxWait
// after the burst began.
func (l *loop) arm() {
	if !l.pending || l.running {
		return
	}
	wait := min(time.Until(l.last.Add(l.w.opts.Quiet)), time.Until(l.first.Add(l.w.opts.MaxWait)))
	l.timer.Reset(max(wait, 0))
}

// setPoll polls while some folder cannot be watched.
func (l *loop) setPoll() {
	switch d := l.w.Degraded(); {
	case d && l.pollTicker == nil:
		l.pollTicker = time.NewTicker(l.w.opts.Poll)
		l.poll = l.pollTicker.C
	case !d && l.pollTicker != nil:
		l.pollTicker.Stop()
		l.pollTicker, l.poll = nil, nil
	}
}

// start hands the pending burst to fn on its own goroutine.
func (l *loop) start() {
	if l.resync {
		// Folders came or went: what moved with them has no event.
		l.w.resync()
		l.resync = false
		l.full = true
		l.setPoll()
	}
	var paths []string
	if !l.full {
		paths = make([]string, 0, len(l.changed))
		for p := range l.changed {
			paths = append(paths, p)
		}
		slices.Sort(paths)
	}
	clear(l.changed)
	l.pending, l.full = false, false
	l.running = true
	go func() {
		again, err := l.fn(l.ctx, paths)
		l.done <- result{again: again, err: err}
	}()
}

// finished takes the result of a run: a failed run is retried after a
// growing backoff, and one that asks again is followed by another.
func (l *loop) finished(r result) {
	l.running = false
	switch {
	case r.err != nil && l.ctx.Err() == nil:
		l.backoff = min(max(2*l.backoff, retryFirst), retryMax)
		l.w.opts.Log.Error("index after change failed; retrying", "err", r.err, "in", l.backoff)
		l.retry = time.After(l.backoff)
	case r.err == nil:
		l.backoff = 0
	}
	if r.again {
		// Another run, which names nothing new: the callback keeps
		// what it left for later.
		wasFull := l.full
		l.mark("")
		l.full = wasFull
	}
	l.arm()
	l.setPoll()
}

type result struct {
	again bool
	err   error
}

// rel is an event path relative to the root, slash-separated.
func (w *Watcher) rel(p string) string {
	r, err := filepath.Rel(w.root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// handle keeps the watched folders up to date with one event and reports
// whether it can change the index. A folder that appears is watched at once,
// with the folders inside it (made by "mkdir -p" or moved in whole), so that a
// file written into it right after is not missed; the run that follows scans
// whatever was written before the watch.
func (w *Watcher) handle(ev fsnotify.Event, resync *bool) bool {
	name := filepath.Base(ev.Name)
	inBundle := w.depth(filepath.Dir(filepath.Clean(ev.Name))) >= bundleDepth
	if !relevant(name) && !(inBundle && bundleRelevant(name)) {
		return false
	}
	if ev.Op == fsnotify.Chmod {
		// Attribute changes (touch, a backup tool, an indexer) change no bytes;
		// a changed mtime alone would be skipped by the hash check anyway.
		return false
	}
	p := filepath.Clean(ev.Name)
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			if d := w.depth(p); d >= 0 && d <= maxDepth {
				onDisk := map[string]bool{p: true}
				w.addTree(p, d, onDisk)
				for q := range onDisk {
					if !w.watch(q) {
						w.setDegraded(true)
					}
				}
			}
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		w.mu.Lock()
		known := w.watched[p]
		w.mu.Unlock()
		if known || filepath.Ext(name) == "" {
			// A folder went away or moved: its watches (and those below) are
			// stale; the moved folder's new name arrives as a Create.
			*resync = true
		}
	}
	return true
}
