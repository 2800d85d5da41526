package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/store"
)

// TestMovedKeepsReadingTheOpenFile: a store whose file is deleted, or
// replaced by another, says so, and goes on reading the file it opened
// rather than the one at the path.
func TestMovedKeepsReadingTheOpenFile(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"deleted", "replaced"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.db")
			st, err := store.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Seal(ctx, []string{"ko"}, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := st.Moved(); err != nil {
				t.Fatalf("Moved before: %v", err)
			}
			// Requests abandoned mid-read must not cost the store its
			// connections: it could not open others once the file is gone.
			if err := store.AbandonReads(st, 8); err != nil {
				t.Fatal(err)
			}
			os.Remove(path)
			if name == "replaced" {
				os.WriteFile(path, []byte("not a database"), 0o644)
			}
			err = st.Moved()
			if !errors.Is(err, store.ErrMoved) || !strings.Contains(err.Error(), name) {
				t.Fatalf("Moved: %v, want ErrMoved saying %s", err, name)
			}
			// More reads at once than there are readers idle.
			errs := make(chan error, 16)
			for range 16 {
				go func() {
					rel, err := st.Release(ctx)
					if err == nil && len(rel.Languages) != 1 {
						err = errors.New("another release")
					}
					errs <- err
				}()
			}
			for range 16 {
				if err := <-errs; err != nil {
					t.Fatalf("read after the file was %s: %v", name, err)
				}
			}
		})
	}
}

// TestMaxBytesIsFull: a write past SetMaxBytes fails as on a full disk.
func TestMaxBytesIsFull(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetMaxBytes(ctx, 1); err != nil { // never below the file's size: full now
		t.Fatal(err)
	}
	_, err = st.Seal(ctx, []string{strings.Repeat("x", 1<<20)}, time.Now())
	if !store.IsFull(err) {
		t.Fatalf("a write past the bound: %v, want a full disk", err)
	}
	if err := st.SetMaxBytes(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Seal(ctx, []string{"ko"}, time.Now()); err != nil {
		t.Fatalf("a write once the bound is lifted: %v", err)
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := store.CheckWritable(filepath.Join(dir, "sub", "index.db")); err != nil {
		t.Fatalf("a writable folder: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("running as root, which writes whatever the permission bits say; cmd/geul's TestNotWritable covers a read-only mount")
	}
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	err := store.CheckWritable(filepath.Join(dir, "index.db"))
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "mode dr-xr-xr-x") {
		t.Fatalf("a folder without write permission: %v", err)
	}
}

// TestHoldCheckpointsLeavesTheFile: while checkpoints are held, what a store
// writes stays in its WAL and the database file does not change under a
// store reading it with immutable=1; once released, a checkpoint folds the
// WAL back.
func TestHoldCheckpointsLeavesTheFile(t *testing.T) {
	ctx := context.Background()
	st, path := openWriteStore(t)
	seal := func() {
		t.Helper()
		// A run's record is written whether or not a post changed.
		sealRun(t, st, func(*store.Tx) error { return nil })
		if err := st.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	seal()
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	before, _ := os.ReadFile(path)
	hold := make(chan struct{})
	st.HoldCheckpoints(hold)
	seal()
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a checkpoint changed the database file while checkpoints were held")
	}
	if _, err := ro.Release(ctx); err != nil {
		t.Fatalf("the read-only store: %v", err)
	}
	close(hold)
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); bytes.Equal(before, after) {
		t.Fatal("no checkpoint once released")
	}
}
