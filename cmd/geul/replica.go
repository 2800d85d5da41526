package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// swapPoll is how often a read-only server looks for a new release, besides
// when its folder's events say so: some file systems send none (NFS, some
// container volumes).
const swapPoll = 250 * time.Millisecond

// releaseFile is the release a read-only server was told to serve: the file
// at --db, or the one a publish folder's current names.
type releaseFile struct {
	db, dir string
}

func (f releaseFile) path() (string, error) {
	if f.dir != "" {
		return store.Current(f.dir)
	}
	return f.db, nil
}

// fileID tells one file from another: a rename over the path gives a new
// inode, and a file changed in place (never do that) a new time or size.
type fileID struct {
	path string
	info os.FileInfo
}

func (a fileID) same(b fileID) bool {
	return a.info != nil && b.info != nil && a.path == b.path && os.SameFile(a.info, b.info) &&
		a.info.ModTime().Equal(b.info.ModTime()) && a.info.Size() == b.info.Size()
}

// watched is the folder whose events may announce a new release, and the
// name in it that a new release is renamed onto.
func (f releaseFile) watched() (dir, name string) {
	if f.dir != "" {
		return f.dir, filepath.Join(f.dir, store.CurrentFile)
	}
	return filepath.Dir(f.db), filepath.Clean(f.db)
}

// watchRelease reports the events of the folder that names the release:
// with them a replica swaps as soon as a release is renamed in, not at its
// next poll. Without them (no inotify, a folder it cannot watch) the
// channels are nil, never ready, and the poll alone finds new releases.
func watchRelease(f releaseFile, log *slog.Logger) (events <-chan fsnotify.Event, errs <-chan error, stop func()) {
	dir, _ := f.watched()
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(dir); err != nil {
			w.Close()
		}
	}
	if err != nil {
		log.Warn("release folder not watched: new releases are found by polling", "dir", dir, "poll", swapPoll, "err", err)
		return nil, nil, func() {}
	}
	return w.Events, w.Errors, func() { w.Close() }
}

func (f releaseFile) id() (fileID, error) {
	p, err := f.path()
	if err != nil {
		return fileID{}, err
	}
	info, err := os.Stat(p)
	if err != nil {
		return fileID{}, err
	}
	return fileID{path: p, info: info}, nil
}

// open opens the release id names.
func openRelease(ctx context.Context, id fileID, cacheBytes int64) (*store.Store, error) {
	st, err := store.OpenReadOnly(ctx, id.path)
	if err != nil {
		return nil, err
	}
	st.SetPostCacheBytes(cacheBytes)
	return st, nil
}

// serveReplica is geul serve --read-only: it serves a release with no
// content folder and no index runs, and swaps in the next release when the
// file changes or on SIGHUP.
func serveReplica(ctx context.Context, c *config, cfg server.Config, cacheBytes int64, log *slog.Logger, stdout io.Writer) error {
	src := releaseFile{db: c.db, dir: c.follow}
	id, err := src.id()
	if err != nil {
		return fmt.Errorf("serve release: %w", err)
	}
	st, err := openRelease(ctx, id, cacheBytes)
	if err != nil {
		return err
	}
	rep, err := server.NewReplica(ctx, st, log, cfg)
	if err != nil {
		st.Close()
		return err
	}
	defer rep.Close()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.addr, err)
	}
	hs := rep.HTTPServer(c.addr)
	fmt.Fprintf(stdout, "geul listening on http://%s\n", ln.Addr())
	log.Info("serving release", "release", rep.Release().Short(), "path", id.path)
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(swapPoll)
	defer tick.Stop()
	events, watchErrs, stopWatch := watchRelease(src, log)
	defer stopWatch()
	_, target := src.watched()
	tried := id // the file last opened or failed: not tried again until it changes
	for {
		force := false
		select {
		case err := <-serveErr:
			return fmt.Errorf("serve: %w", err)
		case <-ctx.Done():
			return shutdown(hs, log)
		case <-hup:
			force = true
		case <-tick.C:
		case ev, ok := <-events:
			// A copy under a temporary name writes many events; only a
			// rename onto the release's name can bring a new one.
			if !ok {
				events = nil
			}
			if !ok || filepath.Clean(ev.Name) != target {
				continue
			}
		case err, ok := <-watchErrs:
			// An overflow lost events: the poll finds what they said.
			if !ok {
				watchErrs = nil
			}
			log.Debug("release folder events", "err", err)
			continue
		}
		next, err := src.id()
		if err != nil {
			// Between a delete and a rename, or a folder being copied: the
			// release served goes on.
			log.Debug("no release to swap in", "err", err)
			continue
		}
		if !force && next.same(tried) {
			continue
		}
		tried = next
		st, err := openRelease(ctx, next, cacheBytes)
		if err == nil {
			_, err = rep.Swap(ctx, st)
			if err != nil {
				st.Close()
			}
		}
		if err != nil {
			log.Error("release not swapped in; serving the previous one", "path", next.path, "err", err)
		}
	}
}
