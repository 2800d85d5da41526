package index_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

// TestBodiesHeldInAFileIndexTheSame: a run that holds every body it read in
// its file, as a big first index does past the memory bound, stores the
// same release as one that holds them in memory.
func TestBodiesHeldInAFileIndexTheSame(t *testing.T) {
	ctx := context.Background()
	built := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	release := func(held int64) string {
		defer index.SetHeldMemBytes(held)()
		st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		sum, err := index.New("../../content", st).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rendered == 0 {
			t.Fatal("nothing rendered")
		}
		rel, err := st.Seal(ctx, sum.Languages, built)
		if err != nil {
			t.Fatal(err)
		}
		return rel.Hash
	}
	inMemory, inFile := release(1<<40), release(0)
	if inMemory == "" || inMemory != inFile {
		t.Fatalf("release held in memory %q, held in a file %q", inMemory, inFile)
	}
}
