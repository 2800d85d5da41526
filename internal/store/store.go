// Package store keeps geul's index in SQLite: the parsed and rendered content
// files, the finished post payloads with their ETags and compressed forms, and the lists,
// tags and search tables built from them.
//
// One write connection writes a whole index run in one transaction, so readers
// (a pool of query-only connections over WAL) see the index before a run or after
// it, never between.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	"github.com/mattn/go-sqlite3" // the SQLite driver; build with -tags sqlite_fts5
)

// ErrNotFound is returned when a lookup finds nothing.
var ErrNotFound = errors.New("not found")

// BusyTimeoutMS is how long a connection waits for a lock. It is shorter than
// the server's request deadline so a request fails cleanly rather than hangs.
const BusyTimeoutMS = 3000

// Store is an open index database.
type Store struct {
	w *sql.DB // exactly one connection: SQLite has one writer at a time anyway
	r *sql.DB // query-only readers

	keepGens atomic.Int64 // generations of changes kept; see changes.go

	posts   *postCache   // recently served payloads; see postcache.go
	spill   *postSpill   // payloads served, in a file the kernel caches; see spill.go
	postsDB *postReaders // the connections Post reads through; see postread.go

	path string // the database file; see Publish
	// foldParams are the pragmas of a walFolder's connection: the writer's, as
	// the checkpoint's syncs follow its synchronous setting.
	foldParams url.Values

	// rebuilt is set when Open removed a database that a stop of the
	// machine may have left damaged; see unsyncedSuffix.
	rebuilt bool

	file     os.FileInfo  // the file opened at path, nil when read-only; see Moved
	maxPages atomic.Int64 // see SetMaxBytes

	hold atomic.Pointer[<-chan struct{}] // see HoldCheckpoints
}

func dsn(path string, params url.Values) string {
	return "file:" + path + "?" + params.Encode()
}

// Open opens (creating if needed) the index at path and migrates its schema.
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	// Pragmas live in the DSN so every pooled connection gets them.
	wp := url.Values{}
	wp.Set("_journal_mode", "WAL")
	wp.Set("_synchronous", syncOn)
	wp.Set("_busy_timeout", fmt.Sprint(BusyTimeoutMS))
	wp.Set("_txlock", "immediate")
	wp.Set("_foreign_keys", "on")
	wp.Set("_cache_size", "-16000") // 16 MB
	rebuilt, err := settleUnsynced(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := create(ctx, path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	file, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// The file exists now: no connection may make another (see faults.go).
	wp.Set("mode", "rw")
	s := &Store{path: path, file: file, foldParams: wp, rebuilt: rebuilt}
	w := sql.OpenDB(s.guarded(dsn(path, wp), writerHook(&s.maxPages)))
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	rp := url.Values{}
	rp.Set("mode", "rw")
	rp.Set("_busy_timeout", fmt.Sprint(BusyTimeoutMS))
	rp.Set("_query_only", "1")
	// Requests read rows spread over the whole file; beyond the tree's
	// upper pages a bigger cache would hold little that is asked for again.
	rp.Set("_cache_size", "-2000")
	// Each connection keeps its statements prepared: parsing and planning a
	// query costs more than a post lookup itself.
	rp.Set("_stmt_cache_size", "64")
	r := sql.OpenDB(s.guarded(dsn(path, rp), nil))
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	// The version check of the payload cache gets a connection of its own:
	// data_version reports the commits of every other connection.
	v := sql.OpenDB(s.guarded(dsn(path, rp), nil))
	v.SetMaxOpenConns(1)
	v.SetMaxIdleConns(1)
	v.SetConnMaxLifetime(0)
	s.w, s.r = w, r
	s.posts = newPostCache(v, DefaultPostCacheBytes)
	s.spill = newPostSpill(spillDir(path), DefaultPostSpillBytes)
	s.postsDB = newPostReaders(dsn(path, rp), n)
	s.postsDB.drv = guardedDriver(path, file, nil)
	// Every reader is opened now, while the path names the file.
	if err := s.fill(ctx, n); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Rebuilt reports whether Open found the database left by a first build
// that a stop of the machine interrupted, and removed it to be built anew:
// such a build does not wait for the disk (see unsyncedSuffix).
func (s *Store) Rebuilt() bool { return s.rebuilt }

// guarded is a connector of dsn that opens connections to the store's file
// only; see faults.go.
func (s *Store) guarded(dsn string, hook func(*sqlite3.SQLiteConn) error) guardedConnector {
	return guardedConnector{connector{dsn, guardedDriver(s.path, s.file, hook)}, s.path, s.file}
}

// pageSize is SQLite's default. A row bigger than a page keeps on its leaf
// page only what the overflow pages do not fill, so rows of any size pack
// closely; with pages of 16 KiB a payload row of 8-10 KB filled a page by
// itself, and the file was a fifth bigger (payloads 59 MB against 39.5 MB at
// 2,000 posts). The FTS5 tables write blocks of about 4 KB either way.
// A database made before keeps its page size: a WAL database cannot change
// it.
const pageSize = 4096

// create makes the database file, if there is none yet, with pageSize pages in
// WAL mode (the page size of a WAL database cannot change afterwards) and
// incremental auto-vacuum, which can be set only before the first table:
// see Checkpoint.
func create(ctx context.Context, path string) error {
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	p := url.Values{}
	p.Set("_busy_timeout", fmt.Sprint(BusyTimeoutMS))
	db, err := sql.Open("sqlite3", dsn(path, p))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", pageSize)); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "PRAGMA journal_mode = WAL")
	return err
}

// Close closes the readers, the version-check connection and the writer,
// checkpointing the WAL into the database file.
func (s *Store) Close() error {
	errR := errors.Join(s.r.Close(), s.postsDB.close(), s.spill.close())
	errV := s.posts.dv.Close()
	if s.w == nil { // read-only
		return errors.Join(errR, errV)
	}
	_ = s.foldWAL(context.Background(), "TRUNCATE")
	errW := s.w.Close()
	return errors.Join(errR, errV, errW)
}

// HoldCheckpoints keeps what is written in the WAL, out of the database file,
// until done is closed: Checkpoint and a run's saves skip their checkpoint,
// and Close leaves the WAL for the next open to fold back. It is for a file
// that a store opened by OpenReadOnly also reads, as a rebuilt index is read
// while the last requests on it end (see cmd/geul/rebuild.go): that store
// reads the file with immutable=1, without locks or WAL, and a checkpoint
// would change pages under its reads ("database disk image is malformed").
func (s *Store) HoldCheckpoints(done <-chan struct{}) { s.hold.Store(&done) }

// foldWAL is every checkpoint of the writer (mode PASSIVE or TRUNCATE),
// skipped while HoldCheckpoints' channel is open.
func (s *Store) foldWAL(ctx context.Context, mode string) error {
	if s.checkpointsHeld() {
		return nil
	}
	_, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint("+mode+")")
	return err
}

// checkpointsHeld reports whether HoldCheckpoints' channel is open.
func (s *Store) checkpointsHeld() bool {
	if p := s.hold.Load(); p != nil {
		select {
		case <-*p:
		default:
			return true
		}
	}
	return false
}

// vacuum gives every free page back. The pragma frees one page per step of
// its statement, returning a row each time, and Exec steps once.
func (s *Store) vacuum(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, "PRAGMA incremental_vacuum")
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return errors.Join(rows.Err(), rows.Close())
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok" when sound).
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	if err := s.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	return res, nil
}

// Checkpoint moves the WAL's content into the database so the WAL does not grow
// without bound while readers keep old snapshots alive. It also hands back the
// writer's page cache: between runs a server has no use for it, and a full
// run leaves it full. And it gives the file's free pages back to the file
// system: the FTS tables free the pages of the segments they merge, and a
// merge late in a run left 30 MB of a 611 MB index free at 10,000 posts
// (a database made before geul set auto_vacuum keeps them, and reuses them).
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.w == nil {
		return nil // read-only: there is no WAL
	}
	if err := s.vacuum(ctx); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := s.foldWAL(ctx, "PASSIVE"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA shrink_memory"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
