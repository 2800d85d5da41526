package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"sync"
)

// A first build saves every few posts (Tx.Save), and each save folded the
// WAL into the database file on the writer's connection. The checkpoint
// itself is little work, but its fsync of the database file waits for the
// disk: a tenth of a second a save, 11 s of a light 10,000-post build in
// which the checkpoints took 0.13 s of CPU (measured once, with getrusage
// around each checkpoint in a build not kept), while the workers waited
// for the writer. A walFolder runs those checkpoints on a connection of its own as
// the writer goes on, in SQLite's own way: a PASSIVE checkpoint copies the
// frames committed before it starts and never blocks the writer.
//
// The WAL starts over from its beginning only when a write transaction
// begins with every frame copied, which never happens while the writer
// keeps committing: so once the WAL file holds maxWALBytes, the next save
// waits for the folder and empties the WAL itself (fold's settle), and the
// WAL stays within about that size and a save's.

// maxWALBytes is the WAL size past which a save settles.
var maxWALBytes int64 = 64 << 20

// walFolder checkpoints the WAL on its own connection, when asked.
type walFolder struct {
	db   *sql.DB
	held func() bool // see Store.HoldCheckpoints
	kick chan struct{}
	done chan struct{}

	wal string // the WAL file's path

	mu  sync.Mutex // held through each checkpoint
	err error      // the first checkpoint's error, under mu
}

// newFolder starts a folder whose checkpoints wait for the disk, or with
// unsynced, do not (see unsyncedSuffix).
func (s *Store) newFolder(unsynced bool) *walFolder {
	p := maps.Clone(s.foldParams)
	if unsynced {
		p.Set("_synchronous", syncOff)
	}
	db := sql.OpenDB(s.guarded(dsn(s.path, p), nil))
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	f := &walFolder{db: db, held: s.checkpointsHeld, kick: make(chan struct{}, 1), done: make(chan struct{}), wal: s.path + "-wal"}
	go f.loop()
	return f
}

func (f *walFolder) loop() {
	defer close(f.done)
	for range f.kick {
		f.mu.Lock()
		if f.err == nil && !f.held() {
			if _, err := f.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
				f.err = fmt.Errorf("checkpoint: %w", err)
			}
		}
		f.mu.Unlock()
	}
}

// fold asks for a checkpoint, or, once the WAL file holds maxWALBytes,
// waits for the one under way and runs settle on the writer's connection
// between its transactions: a TRUNCATE checkpoint, after which the WAL
// starts over from an empty file, so that its size is what it holds.
func (f *walFolder) fold(settle func() error) error {
	if fi, err := os.Stat(f.wal); err != nil || fi.Size() < maxWALBytes {
		select {
		case f.kick <- struct{}{}:
		default: // one is asked for already
		}
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	return settle()
}

// close waits for the checkpoint under way and returns the first error.
func (f *walFolder) close() error {
	close(f.kick)
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.db.Close(); err != nil && f.err == nil {
		f.err = err
	}
	return f.err
}
