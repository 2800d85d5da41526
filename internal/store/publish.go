package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A publish folder holds releases and a pointer to the newest:
//
//	DIR/geul-<hash prefix>.db   one file per release, never changed once renamed in
//	DIR/current                 the newest release's file name and a newline
//
// Publish writes a release under a temporary name, renames it into place,
// then replaces current the same way, so a reader of the folder (geul serve
// --follow, rsync, an object storage sync) never finds a half-written file
// under either name. Copying the folder elsewhere keeps that order: the
// release files first, current last.

// PublishKeep is how many releases Publish keeps in its folder by default:
// followers that are a release or two behind can still open theirs.
const PublishKeep = 3

// CurrentFile is the pointer file of a publish folder.
const CurrentFile = "current"

const (
	releasePrefix = "geul-"
	releaseSuffix = ".db"
	tmpPrefix     = ".geul-tmp-"
)

// Publish writes the release the store holds now into dir as a database of
// its own (VACUUM INTO: compact, in rollback-journal mode, readable with
// OpenReadOnly), points dir's current file at it, and removes all but the
// newest keep releases (PublishKeep when keep <= 0). It returns the file's
// path and the release. Publishing the release current already names
// changes nothing.
func (s *Store) Publish(ctx context.Context, dir string, keep int) (string, Release, error) {
	if keep <= 0 {
		keep = PublishKeep
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", Release{}, fmt.Errorf("publish: %w", err)
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*"+releaseSuffix)
	if err != nil {
		return "", Release{}, fmt.Errorf("publish: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	os.Remove(tmpPath) // VACUUM INTO wants to create the file itself
	defer os.Remove(tmpPath)
	if err := s.vacuumInto(ctx, tmpPath); err != nil {
		return "", Release{}, fmt.Errorf("publish: %w", err)
	}
	rel, err := finishRelease(ctx, tmpPath)
	if err != nil {
		return "", Release{}, fmt.Errorf("publish: %w", err)
	}
	if rel.Hash == "" {
		return "", rel, fmt.Errorf("publish: the index has no release yet: run an index first")
	}
	name := releasePrefix + rel.Short() + releaseSuffix
	final := filepath.Join(dir, name)
	if cur, err := Current(dir); err == nil && cur == final {
		return final, rel, nil
	}
	if err := os.Rename(tmpPath, final); err != nil {
		return "", rel, fmt.Errorf("publish: %w", err)
	}
	if err := writeAtomic(dir, CurrentFile, []byte(name+"\n")); err != nil {
		return "", rel, fmt.Errorf("publish: %w", err)
	}
	if err := prune(dir, name, keep); err != nil {
		return final, rel, fmt.Errorf("publish: %w", err)
	}
	return final, rel, nil
}

// vacuumInto copies one snapshot of the index into path through a connection
// of its own, so that neither the writer nor the readers wait on it.
func (s *Store) vacuumInto(ctx context.Context, path string) error {
	if s.path == "" {
		return errors.New("vacuum: store has no file")
	}
	p := url.Values{}
	p.Set("_busy_timeout", fmt.Sprint(BusyTimeoutMS))
	db, err := sql.Open("sqlite3", dsn(s.path, p))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// finishRelease turns the copy at path into a release file: rollback-journal
// mode (a copy of a WAL database says WAL in its header, and immutable
// readers need no WAL), synced to disk. It returns the release it holds.
func finishRelease(ctx context.Context, path string) (Release, error) {
	p := url.Values{}
	p.Set("_busy_timeout", fmt.Sprint(BusyTimeoutMS))
	db, err := sql.Open("sqlite3", dsn(path, p))
	if err != nil {
		return Release{}, err
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `PRAGMA journal_mode = DELETE`)
	var rel Release
	if err == nil {
		rel, err = readRelease(ctx, db)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rel, err
	}
	return rel, syncFile(path)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// writeAtomic replaces dir/name with data: a temporary file, synced, renamed
// over it, and the folder synced so the rename survives a crash.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	// Readable by the replicas' user and by rsync, as the release files are.
	if err := errors.Join(f.Chmod(0o644), f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// prune removes release files beyond the newest keep, never current's.
func prune(dir, current string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	type rf struct {
		name string
		mod  time.Time
	}
	var files []rf
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, releasePrefix) || !strings.HasSuffix(n, releaseSuffix) || n == current {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		files = append(files, rf{n, info.ModTime()})
	}
	slices.SortFunc(files, func(a, b rf) int { return b.mod.Compare(a.mod) })
	var errs []error
	for i, f := range files {
		if i+1 >= keep { // current is one of the keep
			if err := os.Remove(filepath.Join(dir, f.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Current returns the path of the release dir's current file names.
func Current(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, CurrentFile))
	if err != nil {
		return "", fmt.Errorf("current release: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("current release: %s names %q, not a file of the folder", filepath.Join(dir, CurrentFile), name)
	}
	return filepath.Join(dir, name), nil
}
