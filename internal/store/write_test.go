package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/store"
)

func openWriteStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "index.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func searchPost(id, text string) store.PostRecord {
	return store.PostRecord{
		ID: id, Category: "go", Slug: id[len("go/"):], Date: "2025-01-02",
		Time: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Modified: time.Unix(1, 0),
		Title: "t " + text, Langs: []string{"ko", "en"}, Fingerprint: text,
		Tags: []string{"x"},
		Payloads: []store.Payload{
			{Lang: "ko", Served: "ko", ETag: `"1"`, Body: []byte(`{"post":{}}`), Item: []byte(`{}`)},
			{Lang: "en", Served: "en", ETag: `"2"`, Body: []byte(`{"post":{}}`), Item: []byte(`{}`)},
		},
		Search: []store.SearchDoc{
			{Lang: "ko", Title: "제목 " + text, Body: "본문 " + text},
			// Korean in both: the trigram table indexes the words around it.
			{Lang: "en", Title: "title " + text, Body: "글 " + text},
		},
	}
}

func writeRun(t *testing.T, st *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tx.Commit(ctx, store.RunInfo{At: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// matches counts, per search table, the rows that match term.
func matches(t *testing.T, path, term string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, table := range []string{"search_trigram", "search_words"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+table+` MATCH ?`, `"`+term+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// A post written again replaces its rows in both search tables and leaves
// every other post's alone; a deleted post leaves none.
func TestPutPostReplacesSearchRows(t *testing.T) {
	st, path := openWriteStore(t)
	ctx := context.Background()
	writeRun(t, st, func(tx *store.Tx) error {
		if err := tx.PutPost(ctx, searchPost("go/a", "one")); err != nil {
			return err
		}
		return tx.PutPost(ctx, searchPost("go/b", "other"))
	})
	writeRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, searchPost("go/a", "two")) })
	writeRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, searchPost("go/a", "three")) })

	check := func(when string, want map[string]int) {
		t.Helper()
		for term, n := range want {
			for table, got := range matches(t, path, term) {
				if got != n {
					t.Errorf("%s: %s rows matching %q: got %d, want %d", when, table, term, got, n)
				}
			}
		}
	}
	// Each post has a ko and an en document.
	check("after rewrites", map[string]int{"one": 0, "two": 0, "three": 2, "other": 2})
	writeRun(t, st, func(tx *store.Tx) error { return tx.DeletePost(ctx, "go/a") })
	check("after delete", map[string]int{"three": 0, "other": 2})
}

// A new database gets the page size the store is tuned for; it cannot change
// once the file is in WAL mode.
func TestOpenPageSize(t *testing.T) {
	_, path := openWriteStore(t)
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int
	var mode string
	if err := db.QueryRow("PRAGMA page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if size != 4096 || mode != "wal" {
		t.Errorf("page_size %d, journal_mode %s; want 4096, wal", size, mode)
	}
}

// A commit leaves the run in the WAL, however big, and Checkpoint folds it
// into the database: the checkpoint is not part of the run.
func TestCommitLeavesCheckpointForLater(t *testing.T) {
	st, path := openWriteStore(t)
	text := strings.Repeat("글 geul ", 4000) // 44 KB: past SQLite's 1,000-page automatic checkpoint in 500 files
	writeRun(t, st, func(tx *store.Tx) error {
		for i := range 500 {
			f := store.FileRecord{FileState: store.FileState{Path: fmt.Sprintf("go/p%d/index.ko.md", i), Kind: "post", Hash: "h"},
				Meta: []byte(`"` + text + `"`)}
			if err := tx.PutFile(context.Background(), f); err != nil {
				return err
			}
		}
		return nil
	})
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if db, wal := size(path), size(path+"-wal"); db > 4<<20 || wal < 16<<20 {
		t.Fatalf("after the commit: database %d bytes, WAL %d; want the run in the WAL only", db, wal)
	}
	if err := st.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if db := size(path); db < 16<<20 {
		t.Errorf("after Checkpoint: database %d bytes; want the run folded in", db)
	}
}

// Checkpoint gives the pages a run freed back to the file system: the file
// shrinks to what it holds, with no free page left.
func TestCheckpointGivesFreePagesBack(t *testing.T) {
	st, path := openWriteStore(t)
	ctx := context.Background()
	text := strings.Repeat("글 geul ", 4000)
	paths := make([]string, 500)
	writeRun(t, st, func(tx *store.Tx) error {
		for i := range paths {
			paths[i] = fmt.Sprintf("go/p%d/index.ko.md", i)
			f := store.FileRecord{FileState: store.FileState{Path: paths[i], Kind: "post", Hash: "h"}, Meta: []byte(`"` + text + `"`)}
			if err := tx.PutFile(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	full := fileSize(t, path)
	writeRun(t, st, func(tx *store.Tx) error {
		for _, p := range paths[50:] {
			if err := tx.DeleteFile(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var free int
	if err := db.QueryRow("PRAGMA freelist_count").Scan(&free); err != nil {
		t.Fatal(err)
	}
	if size := fileSize(t, path); free != 0 || size > full/4 {
		t.Errorf("after deleting 90 %% of the rows: %d free pages, file %d of %d bytes; want none free and the file shrunk", free, size, full)
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// A build that saves as it goes keeps its WAL near maxWALBytes: the saves'
// checkpoints run on a connection of their own while the writer goes on,
// and a save that finds the WAL past the bound empties it before the next
// batch. Every saved post is there at the end.
func TestSavesKeepTheWALBounded(t *testing.T) {
	const bound = 256 << 10
	defer store.SetMaxWALBytes(bound)()
	st, path := openWriteStore(t)
	ctx := context.Background()
	text := strings.Repeat("글 geul ", 4000) // 44 KB a file
	var most int64
	const saves = 60
	writeRun(t, st, func(tx *store.Tx) error {
		for i := range saves {
			f := store.FileRecord{FileState: store.FileState{Path: fmt.Sprintf("go/p%d/index.ko.md", i), Kind: "post", Hash: "h"},
				Meta: []byte(`"` + text + fmt.Sprint(i) + `"`)}
			if err := tx.PutFile(ctx, f); err != nil {
				return err
			}
			if err := tx.Save(ctx); err != nil {
				return err
			}
			if fi, err := os.Stat(path + "-wal"); err == nil {
				most = max(most, fi.Size())
			}
		}
		return nil
	})
	// Unbounded, the WAL would hold every save: over 2.5 MB.
	if most > 2*bound {
		t.Errorf("WAL grew to %d bytes over %d saves; want it within about %d", most, saves, bound)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM files`).Scan(&n); err != nil || n != saves {
		t.Errorf("files after the run: %d, %v; want %d", n, err, saves)
	}
	if res, err := st.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Errorf("integrity check: %q, %v", res, err)
	}
}
