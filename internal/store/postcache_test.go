package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

func bodyPost(id, body string) store.PostRecord {
	p := searchPost(id, "x")
	p.Payloads = []store.Payload{
		{Lang: "ko", Served: "ko", ETag: `"` + body + `"`, Body: []byte(body), Item: []byte(`{}`)},
		{Lang: "en", Served: "en", ETag: `"` + body + `"`, Body: []byte(body), Item: []byte(`{}`)},
	}
	return p
}

func served(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	sp, err := st.Post(context.Background(), id, "ko", repr.Identity)
	if err != nil {
		t.Fatal(err)
	}
	return string(sp.Body)
}

// Post answers from memory what it read before, and never what a commit
// replaced: at once for a commit through the same store, within a moment for
// one by another process.
func TestPostCacheFollowsCommits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	writeRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, bodyPost("go/a", "one")) })
	for range 3 {
		if got := served(t, st, "go/a"); got != "one" {
			t.Fatalf("got %q, want one", got)
		}
	}
	writeRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, bodyPost("go/a", "two")) })
	if got := served(t, st, "go/a"); got != "two" {
		t.Fatalf("right after a commit: got %q, want two", got)
	}

	// Another process writing the same index: here another store on it.
	other, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	writeRun(t, other, func(tx *store.Tx) error { return tx.PutPost(ctx, bodyPost("go/a", "three")) })
	deadline := time.Now().Add(5 * time.Second)
	for served(t, st, "go/a") != "three" {
		if time.Now().After(deadline) {
			t.Fatal("a commit by another process never showed")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Off, every answer is read from the index: a commit by another process
	// shows at once, where a cache would keep the answer it just filled
	// until its next data_version check.
	st.SetPostCacheBytes(0)
	if got := served(t, st, "go/a"); got != "three" {
		t.Fatalf("without the cache: got %q, want three", got)
	}
	writeRun(t, other, func(tx *store.Tx) error { return tx.PutPost(ctx, bodyPost("go/a", "four")) })
	if got := served(t, st, "go/a"); got != "four" {
		t.Errorf("without the cache: got %q right after another process's commit, want four", got)
	}
}

// A cache smaller than what is read keeps answering right.
func TestPostCacheEvicts(t *testing.T) {
	ctx := context.Background()
	st, _ := openWriteStore(t)
	st.SetPostCacheBytes(2000)
	ids := []string{"go/a", "go/b", "go/c", "go/d", "go/e"}
	writeRun(t, st, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.PutPost(ctx, bodyPost(id, strings.Repeat(id[3:], 600))); err != nil {
				return err
			}
		}
		return nil
	})
	for range 3 {
		for _, id := range ids {
			if got, want := served(t, st, id), strings.Repeat(id[3:], 600); got != want {
				t.Fatalf("%s: got %.20q..., want %.20q...", id, got, want)
			}
		}
	}
}

// TestPostSpill: past a payload cache too small for them, payloads are
// served from the spill file, right, in every encoding and through WithPost;
// a commit empties it; a spill too small for all of them, or none, answers
// right too; and readers racing commits only ever see a whole version.
func TestPostSpill(t *testing.T) {
	ctx := context.Background()
	ids := []string{"go/a", "go/b", "go/c", "go/d", "go/e"}
	body := func(id string, gen int) string { return strings.Repeat(id[3:]+string(rune('0'+gen)), 400) }
	for _, tc := range []struct {
		name  string
		spill int64
	}{
		{"holds all", store.DefaultPostSpillBytes},
		{"holds some", 2000},
		{"off", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openWriteStore(t)
			st.SetPostCacheBytes(1) // on, but holding nothing
			st.SetPostSpillBytes(tc.spill)
			for gen := range 2 {
				writeRun(t, st, func(tx *store.Tx) error {
					for _, id := range ids {
						if err := tx.PutPost(ctx, bodyPost(id, body(id, gen))); err != nil {
							return err
						}
					}
					return nil
				})
				for round := range 3 {
					for _, id := range ids {
						if got := served(t, st, id); got != body(id, gen) {
							t.Fatalf("generation %d, round %d, %s: got %.12q...", gen, round, id, got)
						}
						err := st.WithPost(ctx, id, "en", repr.Brotli, func(sp store.StoredPost) error {
							if string(sp.Body) != body(id, gen) || sp.Lang != "en" || sp.ETag != `"`+body(id, gen)+`"` {
								t.Errorf("WithPost %s: %.12q..., lang %q", id, sp.Body, sp.Lang)
							}
							return nil
						})
						if err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if _, err := st.Post(ctx, "go/none", "ko", repr.Identity); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("no such post: %v", err)
			}

			// Readers racing commits: a post is always one whole version.
			done := make(chan struct{})
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for {
						select {
						case <-done:
							return
						default:
						}
						for _, id := range ids {
							got := served(t, st, id)
							if got != body(id, 1) && got != body(id, 2) && got != body(id, 3) {
								t.Errorf("%s: torn or stale %.12q...", id, got)
								return
							}
						}
					}
				})
			}
			for gen := 2; gen <= 3; gen++ {
				writeRun(t, st, func(tx *store.Tx) error {
					for _, id := range ids {
						if err := tx.PutPost(ctx, bodyPost(id, body(id, gen))); err != nil {
							return err
						}
					}
					return nil
				})
			}
			close(done)
			wg.Wait()
			for _, id := range ids {
				if got := served(t, st, id); got != body(id, 3) {
					t.Errorf("after the last commit, %s: %.12q...", id, got)
				}
			}
		})
	}
}

// TestPostSpillLeavesTheDiskToTheIndex: the spill file beside the index
// takes at most a quarter of its disk's free space, whatever its bound: the
// index's runs need that room more than a cache does.
func TestPostSpillLeavesTheDiskToTheIndex(t *testing.T) {
	ctx := context.Background()
	disk := testutil.Tmpfs(t, 64<<20)
	st, err := store.Open(ctx, filepath.Join(disk, "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetPostCacheBytes(1) // on, but holding nothing: every read goes to the spill
	st.SetPostSpillBytes(store.DefaultPostSpillBytes)
	var ids []string
	writeRun(t, st, func(tx *store.Tx) error {
		for i := range 40 {
			id := fmt.Sprintf("go/p%02d", i)
			ids = append(ids, id)
			// Stored gzipped, as index runs store them: the index stays
			// small, and the spill holds the identity bodies served.
			p := bodyPost(id, strings.Repeat(id+" ", 100_000/(len(id)+1)))
			for j := range p.Payloads {
				gz, err := repr.Compress(repr.Gzip, p.Payloads[j].Body)
				if err != nil {
					return err
				}
				p.Payloads[j].Gzip = gz
			}
			if err := tx.PutPost(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	// Most of the disk taken by other files: 6 MB left.
	filler := make([]byte, freeBytes(t, disk)-6<<20)
	if err := os.WriteFile(filepath.Join(disk, "other"), filler, 0o644); err != nil {
		t.Fatal(err)
	}
	before := freeBytes(t, disk)
	for _, id := range ids { // 4 MB of identity bodies
		served(t, st, id)
	}
	if took := before - freeBytes(t, disk); took > before/4+64<<10 {
		t.Errorf("the spill took %d of the %d bytes free", took, before)
	}
	for _, id := range ids { // and still served right
		if !strings.HasPrefix(served(t, st, id), id+" ") {
			t.Fatalf("%s served wrong", id)
		}
	}
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	return int64(fs.Bavail) * fs.Bsize
}
