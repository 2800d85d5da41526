package index_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

// A first build stopped part way keeps the posts it saved: the next run
// renders only the rest, and ends with the same release as a build that was
// never stopped.
func TestStoppedFirstBuildResumes(t *testing.T) {
	defer index.SetSaveEvery(1)()
	dir := t.TempDir()
	cs, err := corpus.Generate(dir, corpus.Options{Posts: 8, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	build := func(t *testing.T, db string, stopAt int) (index.Summary, error) {
		t.Helper()
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		ix := index.New(dir, st)
		// Posts are counted as built before the writer saves them: the
		// stop waits for a save, so that the stopped build keeps some.
		// Progress calls are serialized and a worker reports a post before
		// it takes the next, so with two workers at most one more post is
		// built meanwhile, whatever the machine's CPUs: some are left.
		ix.SetWorkers(2)
		ix.SetProgress(func(p index.Progress) {
			if stopAt > 0 && p.Stage == index.StageBuild && p.Done >= stopAt && runCtx.Err() == nil {
				waitForSavedPost(t, db)
				cancel()
			}
		})
		sum, err := ix.Run(runCtx)
		if err == nil {
			_, err = st.Seal(ctx, sum.Languages, time.Now())
		}
		return sum, err
	}
	whole := filepath.Join(t.TempDir(), "whole.db")
	if _, err := build(t, whole, 0); err != nil {
		t.Fatal(err)
	}
	stopped := filepath.Join(t.TempDir(), "stopped.db")
	if _, err := build(t, stopped, 3); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped build: %v, want context.Canceled", err)
	}
	sum, err := build(t, stopped, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rendered == 0 || sum.Rendered >= cs.Files || sum.Total != cs.Posts {
		t.Errorf("resumed build rendered %d of %d files, %d posts; want some but not all, %d posts", sum.Rendered, cs.Files, sum.Total, cs.Posts)
	}
	release := func(db string) string {
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		rel, err := st.Release(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rel.Hash
	}
	if a, b := release(whole), release(stopped); a != b {
		t.Errorf("release of the resumed build %s, of the whole one %s", b, a)
	}
}

// waitForSavedPost waits until the database at db has a committed post.
func waitForSavedPost(t *testing.T, db string) {
	t.Helper()
	r, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		var n int
		if err := r.QueryRow(`SELECT count(*) FROM posts`).Scan(&n); err == nil && n > 0 {
			return
		}
	}
	t.Error("no post was saved within 30 s")
}
