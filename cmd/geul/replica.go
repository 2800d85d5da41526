package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	hs, serveErr, err := listen(c.addr, rep, stdout)
	if err != nil {
		return err
	}
	log.Info("serving release", "release", rep.Release().Short(), "path", id.path)
	sw := &swapper{rep: rep, src: src, tried: id, cacheBytes: cacheBytes, log: log}
	return sw.follow(ctx, hs, serveErr)
}

// follow swaps in the next release whenever the folder's events or the poll
// find its file changed, or on SIGHUP, until ctx ends (then it shuts hs
// down) or hs fails.
func (s *swapper) follow(ctx context.Context, hs *http.Server, serveErr <-chan error) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(swapPoll)
	defer tick.Stop()
	events, watchErrs, stopWatch := watchRelease(s.src, s.log)
	defer stopWatch()
	_, target := s.src.watched()
	for {
		force := false
		select {
		case err := <-serveErr:
			return fmt.Errorf("serve: %w", err)
		case <-ctx.Done():
			return shutdown(hs, s.log)
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
			s.log.Debug("release folder events", "err", err)
			continue
		}
		s.swap(ctx, force)
	}
}

// swapper swaps a replica to the release its file names now.
type swapper struct {
	rep        *server.Replica
	src        releaseFile
	tried      fileID // the file last opened or failed: not tried again until it changes
	cacheBytes int64
	log        *slog.Logger
}

// swap opens the release at the file if it changed since last tried (or
// force, on SIGHUP) and swaps it in; on failure the one served goes on.
func (s *swapper) swap(ctx context.Context, force bool) {
	next, err := s.src.id()
	if err != nil {
		// Between a delete and a rename, or a folder being copied: the
		// release served goes on.
		s.log.Debug("no release to swap in", "err", err)
		return
	}
	if !force && next.same(s.tried) {
		return
	}
	s.tried = next
	st, err := openRelease(ctx, next, s.cacheBytes)
	if err == nil {
		if _, err = s.rep.Swap(ctx, st); err != nil {
			st.Close()
		}
	}
	if err != nil {
		s.log.Error("release not swapped in; serving the previous one", "path", next.path, "err", err)
	}
}
