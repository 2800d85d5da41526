package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// indexRuns runs the indexer for `geul serve` and tells the server about every
// run, whoever started it (the first index, the watcher, POST /admin/reindex),
// once it is sealed: the site's snapshot and release are published, the
// metrics move, and event clients hear of a new generation. Every run of
// serve goes through Run.
type indexRuns struct {
	ix  *index.Indexer
	dir string // the content folder ix reads
	st  *store.Store
	srv *server.Server
	log *slog.Logger
	pub *publisher // nil unless --publish; see publish.go

	// What a database built anew needs; see rebuild.go.
	mu         sync.Mutex // held by a run, and while the store is replaced
	live       *server.Live
	health     *server.Health
	newIndexer func(*store.Store) *index.Indexer
	tune       func(*store.Store) // the store settings of serve
	bg         context.Context    // serve's
	wg         sync.WaitGroup     // a rebuilt database being reopened
}

// Run brings the index up to date and reports the run.
func (r *indexRuns) Run(ctx context.Context) (index.Summary, error) {
	return r.RunChanged(ctx, nil)
}

// RunChanged is Run told which paths changed (nil: unknown); see
// index.Indexer.RunChanged.
func (r *indexRuns) RunChanged(ctx context.Context, paths []string) (index.Summary, error) {
	return r.runChanged(ctx, paths, nil)
}

// RunWatched is RunChanged for the watcher; see index.Indexer.RunWatched.
func (r *indexRuns) RunWatched(ctx context.Context, paths []string, ready func(path string)) (index.Summary, error) {
	return r.runChanged(ctx, paths, ready)
}

// waitRenders waits for the renderings the watcher's runs left to the
// background, once the watcher has stopped.
func (r *indexRuns) waitRenders() {
	r.mu.Lock()
	ix := r.ix
	r.mu.Unlock()
	if ix != nil {
		ix.Wait()
	}
}

// forget drops the indexer's memory of the last run; see index.Indexer.Forget.
func (r *indexRuns) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ix != nil {
		r.ix.Forget()
	}
}

// runChanged is RunChanged, or RunWatched with ready.
func (r *indexRuns) runChanged(ctx context.Context, paths []string, ready func(path string)) (index.Summary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.st.Moved(); errors.Is(err, store.ErrMoved) && r.live != nil {
		return r.rebuild(ctx, err)
	}
	if r.ix == nil {
		return index.Summary{}, fmt.Errorf("index: the rebuilt database is being reopened: %w", store.ErrReadOnly)
	}
	var sum index.Summary
	var err error
	if ready != nil {
		sum, err = r.ix.RunWatched(ctx, paths, ready)
	} else {
		sum, err = r.ix.RunChanged(ctx, paths)
	}
	if err != nil && ctx.Err() != nil {
		return sum, err // stopped, not failed: the caller is shutting down
	}
	// A failed run is the caller's to log; it is counted here.
	u := server.Update{Run: server.IndexRun{Err: err, Duration: sum.Duration}}
	if err == nil {
		logSummary(r.log, sum)
		u = r.sealed(ctx, sum)
	}
	// The announcement reads the store, and must not be cut short by a
	// request or watcher context that ends right after the run.
	r.srv.Publish(context.WithoutCancel(ctx), u)
	if err == nil {
		// The WAL is folded back into the database after every run, so it
		// does not grow under constant reads; SQLite does not do it inside
		// the commit (see store.writerHook). For the first run this comes
		// before ready: it holds the writer for seconds after a full index,
		// and the first saves would wait for it.
		checkpoint(ctx, r.st, r.log)
		r.pub.kick()
	}
	return sum, err
}

// sealed seals the release of the successful run sum and is what the
// server is told of it. A release not sealed leaves the one served.
func (r *indexRuns) sealed(ctx context.Context, sum index.Summary) server.Update {
	u := updateOf(sum, store.Release{})
	rel, err := r.st.Seal(context.WithoutCancel(ctx), sum.Languages, time.Now())
	if err != nil {
		r.log.ErrorContext(ctx, "release not sealed", "err", err)
		return u
	}
	u.Release = rel
	return u
}

// checkpoint folds the WAL into the database; a failure only delays that.
func checkpoint(ctx context.Context, st *store.Store, log *slog.Logger) {
	if err := st.Checkpoint(ctx); err != nil && ctx.Err() == nil {
		log.Warn("wal checkpoint", "err", err)
	}
}

// Reindex serves POST /admin/reindex. A path names what the caller changed:
// a post file's path is looked at alone (with what it changes in other
// posts: prev/next, related posts); any other path, or none, is a run over
// the whole folder.
func (r *indexRuns) Reindex(ctx context.Context, path string) (api.ReindexResult, error) {
	if path != "" && !server.ValidContentPath(path) {
		return api.ReindexResult{}, fmt.Errorf("reindex %q: %w", path, server.ErrBadPath)
	}
	var paths []string
	if path != "" {
		paths = []string{path}
	}
	// Looked at before the run: a file deleted since the last run is not
	// there either, and its run (which drops the post) is still wanted.
	missing := false
	if path != "" {
		_, err := os.Lstat(filepath.Join(r.dir, filepath.FromSlash(path)))
		missing = errors.Is(err, fs.ErrNotExist)
	}
	sum, err := r.RunChanged(ctx, paths)
	if err != nil {
		return api.ReindexResult{}, fmt.Errorf("reindex: %w", err)
	}
	if missing && !sum.Changed {
		// Neither in the folder nor in the index: most likely a typo, which
		// an unchanged answer would hide.
		return api.ReindexResult{}, fmt.Errorf("reindex: no file %s in the content folder or the index: %w", path, server.ErrNoFile)
	}
	res := api.ReindexResult{
		Path: path, Generation: sum.Generation, Changed: sum.Changed,
		Files: sum.Files, Read: sum.Read, Rendered: sum.Rendered, Deleted: sum.Deleted,
		Posts: sum.Total, Payloads: sum.Payloads, DurationMS: sum.Duration.Milliseconds(),
		Errors: make([]api.ContentError, len(sum.Errors)),
	}
	for i, e := range sum.Errors {
		res.Errors[i] = e.API()
	}
	return res, nil
}
