package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// errServeReadOnly is an index database that cannot be written but can be
// served: geul serve serves it read-only, with no index runs.
var errServeReadOnly = errors.New("index database served read-only")

// rebuiltNote says why a database was found empty: see store.Rebuilt.
const rebuiltNote = "the first build of this index was stopped by a restart of the machine before its writes reached the disk: it was removed and is built anew"

// openWritable opens the index database of geul serve. One that cannot be
// written (its file or folder's permission, a read-only file system, no
// space to open it) gets an error naming the path and why, which wraps
// errServeReadOnly when there is an index at path to serve anyway.
func openWritable(ctx context.Context, path string) (*store.Store, error) {
	err := store.CheckWritable(path)
	if err == nil {
		var st *store.Store
		if st, err = store.Open(ctx, path); err == nil {
			return st, nil
		}
		if !store.IsFull(err) && !store.IsReadOnly(err) {
			return nil, err
		}
	}
	if _, serr := os.Stat(path); serr != nil {
		return nil, err // nothing to serve
	}
	if store.IsFull(err) {
		return nil, fmt.Errorf("%w: no space left to open it for writing: %w", errServeReadOnly, err)
	}
	return nil, fmt.Errorf("%w: %w", errServeReadOnly, err)
}

// serveAsItWas decides what serve does when its first index run failed
// (err): a database that holds an index from before is served as it is, the
// failure reported on /readyz and /admin/status, and the next run tries
// again; an empty one is not, and serve ends with err.
func serveAsItWas(ctx context.Context, srv *server.Server, st *store.Store, log *slog.Logger, err error) bool {
	rel, rerr := st.Release(ctx)
	if rerr != nil || rel.Hash == "" {
		return false
	}
	log.Error("first index run failed; serving the index as it was", "release", rel.Short(), "err", err)
	if perr := srv.PublishStored(ctx); perr != nil {
		log.Error("stored release not loaded", "err", perr)
	}
	return true
}
