package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// A database file deleted or replaced under geul serve: the open store goes
// on serving the file it has open (store.Store.Moved), and the next run
// builds a new file at the path. SQLite names the -wal and -shm files after
// the path, and those at the path are the open store's until it closes: a
// writer may open the path only after that. So the new index is built beside
// the path, served read-only from there while the old store's last requests
// end, then renamed onto the path and opened for writing, out of the way of
// runs and requests:
//
//	build PATH.rebuild ── serve it read-only ── old store closed ── rename to PATH ── open, serve
//
// rebuildSuffix names the file a new index is built in.
const rebuildSuffix = ".rebuild"

// rebuild is a run that builds a new database file because the store's was
// deleted or replaced (why). The caller holds r.mu.
func (r *indexRuns) rebuild(ctx context.Context, why error) (index.Summary, error) {
	path := r.st.Path()
	tmp := path + rebuildSuffix
	r.log.Warn("index database deleted or replaced: building a new one", "path", path, "err", why)
	start := time.Now()
	sum, err := r.build(ctx, tmp)
	var ro *store.Store
	if err == nil {
		ro, err = store.OpenReadOnly(ctx, tmp)
	}
	if err != nil {
		// The open file goes on being served; the next run tries again.
		_ = store.Remove(tmp)
		err = fmt.Errorf("rebuild %s: %w", path, err)
		r.srv.Publish(context.WithoutCancel(ctx), server.Update{Run: server.IndexRun{Err: err, Duration: time.Since(start)}})
		return sum, err
	}
	srv := r.successor(ctx, ro, sum)
	closed := r.live.Swap(srv)
	r.srv, r.st, r.ix = srv, ro, nil
	r.health.SetStorage(fmt.Sprintf("index database %s rebuilt; served read-only from %s until the previous one closes", path, tmp), false)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-closed:
		case <-r.bg.Done():
			return
		}
		r.reopen(tmp, path)
	}()
	return sum, nil
}

// build indexes the content folder into a new database at path, sealed and
// closed.
func (r *indexRuns) build(ctx context.Context, path string) (index.Summary, error) {
	_ = store.Remove(path)
	st, err := store.Open(ctx, path)
	if err != nil {
		return index.Summary{}, err
	}
	r.tune(st)
	sum, err := r.newIndexer(st).Run(ctx)
	if err == nil {
		_, err = st.Seal(ctx, sum.Languages, time.Now())
	}
	return sum, errors.Join(err, st.Close())
}

// reopen moves the rebuilt index at tmp onto path and serves it writable,
// once the previous store (whose -wal and -shm were at path) has closed.
func (r *indexRuns) reopen(tmp, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := r.bg
	// Left by a store that could not fold them back, they belong to the
	// deleted file, and SQLite would apply them to the new one.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.reopenFailed(path, err)
			return
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		r.reopenFailed(path, err)
		return
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		r.reopenFailed(path, err)
		return
	}
	// The read-only store serving the file until the swap below reads it
	// with immutable=1, and its last requests may run on after the swap:
	// until it has closed, what is written stays in the WAL.
	roClosed := make(chan struct{})
	st.HoldCheckpoints(roClosed)
	r.tune(st)
	ix := r.newIndexer(st)
	sum, err := ix.Run(ctx) // reads what the file knows; changes since are indexed too
	if err != nil {
		st.Close()
		r.reopenFailed(path, err)
		return
	}
	srv := r.successor(ctx, st, sum)
	closed := r.live.Swap(srv)
	go func() {
		<-closed // the read-only store is closed: checkpoints may write the file
		close(roClosed)
	}()
	r.srv, r.st, r.ix = srv, st, ix
	r.health.SetStorage("", false)
	r.log.Info("serving the rebuilt index database", "path", path)
	r.pub.setStore(st)
}

// reopenFailed reports a rebuilt index that could not be opened writable:
// it goes on being served read-only, and runs fail until a restart.
func (r *indexRuns) reopenFailed(path string, err error) {
	if r.bg.Err() != nil {
		return // shutting down
	}
	r.log.Error("rebuilt index database not reopened; serving it read-only", "path", path, "err", err)
	r.health.SetStorage(fmt.Sprintf("the rebuilt index database %s could not be opened for writing (%v): served read-only, restart geul", path, err), true)
}

// successor is a ready Server over st, which holds the run sum, told of
// the run.
func (r *indexRuns) successor(ctx context.Context, st *store.Store, sum index.Summary) *server.Server {
	srv := r.live.Successor(st)
	rel, err := st.Release(ctx)
	if err != nil {
		r.log.ErrorContext(ctx, "release not loaded", "err", err)
	}
	srv.Publish(context.WithoutCancel(ctx), updateOf(sum, rel))
	srv.SetReady()
	return srv
}

// updateOf is what the server is told of a successful run sum, sealed as
// rel.
func updateOf(sum index.Summary, rel store.Release) server.Update {
	return server.Update{Site: sum.Site, Release: rel, Run: server.IndexRun{Duration: sum.Duration,
		Generation: sum.Generation, Changed: sum.Changed, Posts: sum.Posts, Errors: sum.ErrorCount(),
		Touched: sum.Rendered + sum.Deleted}}
}
