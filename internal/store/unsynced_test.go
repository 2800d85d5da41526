package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/geul-dev/geul/internal/store"
)

// synchronous reads the writer's synchronous setting, in tx when not nil.
func synchronous(t *testing.T, st *store.Store, tx *store.Tx) int {
	t.Helper()
	n, err := store.Synchronous(st, tx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSavesSkipSyncsUntilCommit: a run's saves write without waiting for
// the disk once the mark of it, holding the boot's id, is beside the
// database; the commit syncs and removes it, and the writer waits for the
// disk again. Where the boot cannot be known, nothing changes.
func TestSavesSkipSyncsUntilCommit(t *testing.T) {
	for _, tc := range []struct {
		boot     string
		unsynced int // synchronous after a save
	}{{"boot-1", 0}, {"", 1}} {
		t.Run("boot="+tc.boot, func(t *testing.T) {
			defer store.SetBootID(tc.boot)()
			st, path := openWriteStore(t)
			if got := synchronous(t, st, nil); got != 1 {
				t.Errorf("synchronous before a save: %d, want 1 (NORMAL)", got)
			}
			buildSaved(t, st, path, func(tx *store.Tx) {
				b, err := os.ReadFile(path + store.UnsyncedSuffix)
				if tc.boot != "" && string(b) != tc.boot {
					t.Errorf("mark after a save: %q, %v; want %q", b, err, tc.boot)
				}
				if tc.boot == "" && !os.IsNotExist(err) {
					t.Errorf("mark after a save with no boot id: %q, %v; want none", b, err)
				}
				if got := synchronous(t, st, tx); got != tc.unsynced {
					t.Errorf("synchronous after a save: %d, want %d", got, tc.unsynced)
				}
			})
			if got := synchronous(t, st, nil); got != 1 {
				t.Errorf("synchronous after the commit: %d, want 1 (NORMAL)", got)
			}
		})
	}
}

// buildSaved commits a run that writes a post, saves, calls during, and
// writes another, then checks that no mark of unsynced writes is left.
func buildSaved(t *testing.T, st *store.Store, path string, during func(tx *store.Tx)) {
	t.Helper()
	ctx := context.Background()
	writeRun(t, st, func(tx *store.Tx) error {
		if err := tx.PutPost(ctx, post("cs/a", "ko")); err != nil {
			return err
		}
		if err := tx.Save(ctx); err != nil {
			return err
		}
		during(tx)
		return tx.PutPost(ctx, post("cs/b", "ko"))
	})
	if _, err := os.Stat(path + store.UnsyncedSuffix); !os.IsNotExist(err) {
		t.Errorf("mark after the commit: %v; want none", err)
	}
}

// TestOpenSettlesAStoppedFirstBuild: a mark left by a process that stopped
// during a first build is synced and removed when it was left in this boot
// (the kernel kept every write), and the database is removed, to be built
// anew, when it was left in another boot or the boot cannot be known.
func TestOpenSettlesAStoppedFirstBuild(t *testing.T) {
	for _, tc := range []struct {
		name, mark, boot string
		rebuilt          bool
	}{
		{"same boot", "boot-1", "boot-1", false},
		{"machine restarted", "boot-0", "boot-1", true},
		{"boot unknown", "boot-0", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer store.SetBootID(tc.boot)()
			path := filepath.Join(t.TempDir(), "index.db")
			ctx := context.Background()
			st, err := store.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			writeRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, post("cs/a", "ko")) })
			st.Close()
			if err := os.WriteFile(path+store.UnsyncedSuffix, []byte(tc.mark), 0o644); err != nil {
				t.Fatal(err)
			}
			st, err = store.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if st.Rebuilt() != tc.rebuilt {
				t.Errorf("Rebuilt: %v, want %v", st.Rebuilt(), tc.rebuilt)
			}
			if _, err := os.Stat(path + store.UnsyncedSuffix); !os.IsNotExist(err) {
				t.Errorf("mark after Open: %v; want none", err)
			}
			db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM posts`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 1, true: 0}[tc.rebuilt]; n != want {
				t.Errorf("posts after Open: %d, want %d", n, want)
			}
		})
	}
}

// TestOpenLeavesALiveBuildsMark: a database opened while another store
// (another process: geul index beside geul serve) builds it without syncs
// keeps the mark, which the build removes at its end.
func TestOpenLeavesALiveBuildsMark(t *testing.T) {
	defer store.SetBootID("boot-1")()
	st, path := openWriteStore(t)
	var other *store.Store
	buildSaved(t, st, path, func(*store.Tx) {
		var err error
		if other, err = store.Open(context.Background(), path); err != nil {
			t.Fatal(err)
		}
		if other.Rebuilt() {
			t.Errorf("Open beside a live build: Rebuilt")
		}
		if _, err := os.Stat(path + store.UnsyncedSuffix); err != nil {
			t.Errorf("mark after another Open: %v; want it kept", err)
		}
	})
	// Closed once the build has committed: its last checkpoint would wait
	// for the build's write transaction.
	if other != nil {
		other.Close()
	}
}
