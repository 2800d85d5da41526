package store

// Storage faults. The index database can fail under a server that keeps
// running: its disk fills, someone deletes or replaces the file, or its
// folder is not writable. What is committed must go on being served in each
// case, so:
//
//   - every connection of a store opened by Open reads the file Open found at
//     the path (guardedDriver): a connection opened later against a file
//     renamed over the path, or a new empty one, would serve another index or
//     none, and fails instead. All of them are opened up front and the pools
//     keep them, so that no request needs a new one;
//   - Moved tells when the path no longer names that file, for the caller to
//     build a new one;
//   - IsFull and IsReadOnly tell the errors of a full disk and of a file or
//     folder that cannot be written from the others, and CheckWritable names
//     the path and the permission before anything is opened.

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// ErrMoved is returned (wrapped) when the store's path no longer names the
// database file the store has open.
var ErrMoved = errors.New("index database file deleted or replaced")

// IsFull reports whether err is a write refused for want of space: a full
// disk or quota, or the size limit of SetMaxBytes.
func IsFull(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrFull || se.SystemErrno == syscall.ENOSPC || se.SystemErrno == syscall.EDQUOT
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// IsReadOnly reports whether err is a write refused because the database, its
// folder or its file system cannot be written, or the store was opened read-only.
func IsReadOnly(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrReadonly, sqlite3.ErrPerm:
			return true
		}
		if se.SystemErrno == syscall.EROFS || se.SystemErrno == syscall.EACCES {
			return true
		}
	}
	return errors.Is(err, ErrReadOnly) || errors.Is(err, ErrMoved) ||
		errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission)
}

// Moved returns an error wrapping ErrMoved when the store's path no longer
// names the file the store has open: deleted, or replaced by another file.
// The store goes on reading the file it has open. A read-only store (see
// OpenReadOnly) follows its releases otherwise, and always returns nil.
func (s *Store) Moved() error {
	if s.file == nil {
		return nil
	}
	fi, err := os.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("index database %s was deleted: %w", s.path, ErrMoved)
	case err != nil:
		return fmt.Errorf("index database %s: %w", s.path, err)
	case !os.SameFile(fi, s.file):
		return fmt.Errorf("index database %s was replaced by another file: %w", s.path, ErrMoved)
	}
	return nil
}

// Path is the database file's path as given to Open.
func (s *Store) Path() string { return s.path }

// SetMaxBytes bounds the database file: a run that would grow it past n bytes
// fails as on a full disk, and the index before it goes on being served. 0
// lifts the bound. SQLite never shrinks a bound below the file's size.
func (s *Store) SetMaxBytes(ctx context.Context, n int64) error {
	if s.w == nil {
		return fmt.Errorf("set max bytes: %w", ErrReadOnly)
	}
	// The file's own page size: a database made by an older geul keeps its.
	var size int64
	if err := s.w.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		return fmt.Errorf("set max bytes: %w", err)
	}
	pages := max(n/size, 1) // 0 would only ask SQLite for the bound
	if n <= 0 {
		pages = 0xFFFFFFFE // SQLite's largest
	}
	s.maxPages.Store(pages)
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		return fmt.Errorf("set max bytes: %w", err)
	}
	return nil
}

// guardedDriver opens connections to path only while it names the file
// want: SQLite opens files by name, and a connection opened after the file
// was deleted or replaced would read another index, or none. hook, when not
// nil, sets up each connection after that check.
func guardedDriver(path string, want os.FileInfo, hook func(*sqlite3.SQLiteConn) error) *sqlite3.SQLiteDriver {
	return &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if fi, err := os.Stat(path); err != nil || !os.SameFile(fi, want) {
			return fmt.Errorf("open %s: %w", path, ErrMoved)
		}
		if err := registerFuncs(c); err != nil {
			return err
		}
		if hook != nil {
			return hook(c)
		}
		return nil
	}}
}

// guardedConnector is a connector that checks the path before SQLite opens
// it too: with mode=rw SQLite creates no file, but it would still set up the
// WAL of a file renamed over the path.
type guardedConnector struct {
	connector
	path string
	want os.FileInfo
}

func (c guardedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if fi, err := os.Stat(c.path); err != nil || !os.SameFile(fi, c.want) {
		return nil, fmt.Errorf("open %s: %w", c.path, ErrMoved)
	}
	return c.connector.Connect(ctx)
}

// writerHook sets up the writer's connection: SQLite's automatic checkpoint
// off, and the size bound of SetMaxBytes. The checkpoint would run inside the
// commit of a run whose WAL passed a thousand pages: a full index's commit
// would copy the whole index from the WAL into the database and sync both
// before the run could return, seconds on one core while the other idles.
// The run is served once it commits; Checkpoint after it (geul serve does so
// after every run) and Close fold the WAL back.
func writerHook(maxPages *atomic.Int64) func(*sqlite3.SQLiteConn) error {
	return func(c *sqlite3.SQLiteConn) error {
		if _, err := c.Exec("PRAGMA wal_autocheckpoint = 0", nil); err != nil {
			return err
		}
		if n := maxPages.Load(); n > 0 {
			if _, err := c.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", n), nil); err != nil {
				return err
			}
		}
		return nil
	}
}

// CheckWritable returns an error naming the path and the permission when
// the database at path, or its folder, cannot be written by this process:
// SQLite needs to write the file and to make its -wal and -shm files beside
// it. A missing file is fine when its folder is writable. It checks the
// permission, not the space left.
func CheckWritable(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("index folder %s cannot be made: %w", dir, err)
	}
	if err := access(dir, wOK|xOK); err != nil {
		return fmt.Errorf("index folder %s is not writable (%s): geul makes %s-wal and %s-shm in it: %w",
			dir, describe(dir), filepath.Base(path), filepath.Base(path), err)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := access(path, wOK|rOK); err != nil {
		return fmt.Errorf("index database %s is not writable (%s): %w", path, describe(path), err)
	}
	return nil
}

// describe is a file's mode and owner, the facts a permission error turns on.
func describe(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return err.Error()
	}
	s := "mode " + fi.Mode().String()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s += fmt.Sprintf(", owner uid %d gid %d; geul runs as uid %d", st.Uid, st.Gid, os.Geteuid())
	}
	return s
}

// The modes of access(2), the same on every Unix.
const (
	rOK = 4
	wOK = 2
	xOK = 1
)

// access asks the kernel whether this process may use path in mode: unlike
// the mode bits it knows of read-only mounts, and that root may write anyway.
func access(path string, mode uint32) error {
	if err := syscall.Access(path, mode); err != nil {
		return &fs.PathError{Op: "access", Path: path, Err: err}
	}
	return nil
}
