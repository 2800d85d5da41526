package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// sealRun writes a run and seals its release.
func sealRun(t *testing.T, st *store.Store, fn func(tx *store.Tx) error) store.Release {
	t.Helper()
	writeRun(t, st, fn)
	rel, err := st.Seal(context.Background(), []string{"ko", "en"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// A published release opens read-only and immutable: it serves what was
// published, names its release, refuses writes, and leaves no -wal or -shm
// file beside it, even while the writer goes on.
func TestPublishOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	st, _ := openWriteStore(t)
	sealRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, searchPost("go/one", "one")) })
	want, err := st.Release(ctx)
	if err != nil || want.Hash == "" {
		t.Fatalf("release %+v, %v", want, err)
	}
	dir := t.TempDir()
	path, rel, err := st.Publish(ctx, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Hash != want.Hash || filepath.Base(path) != "geul-"+want.Short()+".db" {
		t.Fatalf("published %s %+v, want the release %s", path, rel, want.Hash)
	}
	if cur, err := store.Current(dir); err != nil || cur != path {
		t.Fatalf("current %q, %v; want %q", cur, err, path)
	}
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	// The writer moves on; the release does not.
	sealRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, searchPost("go/two", "two")) })
	if got, err := ro.Release(ctx); err != nil || got.Hash != want.Hash {
		t.Fatalf("read-only release %+v, %v; want %s", got, err, want.Hash)
	}
	if _, err := ro.Post(ctx, "go/one", "ko", repr.Identity); err != nil {
		t.Fatalf("post of the release: %v", err)
	}
	if _, err := ro.Post(ctx, "go/two", "ko", repr.Identity); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("post written after publishing: %v, want not found", err)
	}
	if _, err := ro.Begin(ctx); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("begin on a read-only store: %v", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{store.CurrentFile, filepath.Base(path)}) {
		t.Fatalf("publish folder holds %q", names)
	}
}

// Publish keeps the newest releases and current's, and names each by its hash.
func TestPublishKeeps(t *testing.T) {
	ctx := context.Background()
	st, _ := openWriteStore(t)
	dir := t.TempDir()
	var paths []string
	for _, id := range []string{"go/a", "go/b", "go/c", "go/d"} {
		sealRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, searchPost(id, id)) })
		p, _, err := st.Publish(ctx, dir, 3)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// The same release again changes nothing.
	if p, _, err := st.Publish(ctx, dir, 3); err != nil || p != paths[3] {
		t.Fatalf("publishing again: %q, %v", p, err)
	}
	names := dirNames(t, dir)
	want := []string{filepath.Base(paths[1]), filepath.Base(paths[2]), filepath.Base(paths[3]), store.CurrentFile}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("folder holds %q, want %q", names, want)
	}
	if cur, _ := store.Current(dir); cur != paths[3] {
		t.Fatalf("current %q, want %q", cur, paths[3])
	}
}

// The release clock moves forward when what is served changes, and only then.
func TestReleaseClock(t *testing.T) {
	ctx := context.Background()
	st, _ := openWriteStore(t)
	sealRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, searchPost("go/one", "one")) })
	first, _ := st.Release(ctx)
	if first.Modified.Unix() != 1 { // the post's Modified, a database built from nothing
		t.Fatalf("first clock %v, want the newest post's Modified", first.Modified)
	}
	sealRun(t, st, func(tx *store.Tx) error { return nil })
	same, _ := st.Release(ctx)
	if same.Hash != first.Hash || !same.Modified.Equal(first.Modified) {
		t.Fatalf("a run that changed nothing moved the release: %+v -> %+v", first, same)
	}
	sealRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, searchPost("go/two", "two")) })
	next, _ := st.Release(ctx)
	if next.Hash == first.Hash || !next.Modified.After(first.Modified) {
		t.Fatalf("a change kept the release or its clock: %+v -> %+v", first, next)
	}
}
