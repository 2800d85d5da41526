package store

import (
	"context"
	"database/sql"
	"time"
)

// AbandonReads begins n read transactions of the request pool and cancels
// their contexts before they end, as a request does whose client went away
// or whose time ran out, and returns once database/sql has rolled them back.
func AbandonReads(s *Store, n int) error {
	for range n {
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}); err != nil {
			cancel()
			return err
		}
		cancel()
	}
	for s.r.Stats().InUse > 0 {
		time.Sleep(time.Millisecond)
	}
	return nil
}

// SetSearchIDDay sets how many search documents one day of post dates
// numbers in order, and returns what puts it back.
func SetSearchIDDay(n int64) func() {
	old := searchIDDay
	searchIDDay = n
	return func() { searchIDDay = old }
}

// SetMaxWALBytes sets the WAL size past which a save empties the WAL, and
// returns what puts it back.
func SetMaxWALBytes(n int64) func() {
	old := maxWALBytes
	maxWALBytes = n
	return func() { maxWALBytes = old }
}

// SetBootID sets what the store takes for the id of the machine's boot ("":
// none known), and returns what puts it back.
func SetBootID(id string) func() {
	old := bootID
	bootID = func() string { return id }
	return func() { bootID = old }
}

// Synchronous is the writer connection's synchronous setting (0 OFF, 1
// NORMAL), read in the transaction tx when it is not nil.
func Synchronous(s *Store, tx *Tx) (int, error) {
	var n int
	if tx != nil {
		return n, tx.tx.QueryRow("PRAGMA synchronous").Scan(&n)
	}
	return n, s.w.QueryRow("PRAGMA synchronous").Scan(&n)
}

// UnsyncedSuffix names the mark of a first build's unsynced writes.
const UnsyncedSuffix = unsyncedSuffix
