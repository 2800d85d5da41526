package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// post is a minimal post record with a payload per language.
func post(id string, langs ...string) store.PostRecord {
	p := store.PostRecord{ID: id, Category: "cs", Slug: id[len("cs/"):], Date: "2025-01-02", Title: id, Langs: langs, Fingerprint: fmt.Sprint(time.Now().UnixNano())}
	for _, l := range langs {
		p.Payloads = append(p.Payloads, store.Payload{Lang: l, ETag: `"x"`, Body: []byte(`{}`), Item: []byte(`{}`)})
	}
	return p
}

// run commits one index run made of fn's writes and returns its generation.
func run(t *testing.T, st *store.Store, fn func(ctx context.Context, tx *store.Tx) error) (int64, bool) {
	t.Helper()
	ctx := context.Background()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		t.Fatal(err)
	}
	gen, changed, err := tx.Commit(ctx, store.RunInfo{At: time.Now(), Duration: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return gen, changed
}

// put writes posts as the indexer does: the rendering of each search
// document's file first (its text is what snippets are cut from), then the
// post.
func put(ps ...store.PostRecord) func(context.Context, *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		for _, p := range ps {
			for _, d := range p.Search {
				if d.Path == "" {
					continue
				}
				f := store.FileRecord{FileState: store.FileState{Path: d.Path, Kind: "post", Hash: "h"}, Meta: []byte(`{}`), Text: d.Body}
				if err := tx.PutFile(ctx, f); err != nil {
					return err
				}
			}
			if err := tx.PutPost(ctx, p); err != nil {
				return err
			}
		}
		return nil
	}
}

func del(ids ...string) func(context.Context, *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.DeletePost(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}
}

func both(fns ...func(context.Context, *store.Tx) error) func(context.Context, *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		for _, fn := range fns {
			if err := fn(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestChangesFoldSpans(t *testing.T) {
	st := openStore(t)
	run(t, st, put(post("cs/a", "ko", "en"), post("cs/b", "ko"))) // 1
	run(t, st, both(put(post("cs/a", "ko")), del("cs/b")))        // 2: a/en deleted, a/ko updated
	run(t, st, put(post("cs/c", "ko"), post("cs/d", "en")))       // 3
	run(t, st, both(del("cs/c"), put(post("cs/b", "ko", "en"))))  // 4: b back
	if gen, changed := run(t, st, put()); gen != 4 || changed {   // nothing changed
		t.Fatalf("empty run: got generation %d changed %v, want 4 false", gen, changed)
	}
	ch := func(id, lang, op string, gen int64) store.Change {
		return store.Change{PostID: id, Lang: lang, Op: op, Generation: gen}
	}
	tests := []struct {
		since int64
		want  []store.Change
	}{
		{0, []store.Change{
			// a/en was created at 1 and deleted at 2: a client holding 0 never saw it.
			ch("cs/a", "ko", "created", 2),
			ch("cs/d", "en", "created", 3),
			ch("cs/b", "en", "created", 4),
			ch("cs/b", "ko", "created", 4),
		}},
		{1, []store.Change{
			ch("cs/a", "en", "deleted", 2),
			ch("cs/a", "ko", "updated", 2),
			ch("cs/d", "en", "created", 3),
			ch("cs/b", "en", "created", 4),
			ch("cs/b", "ko", "updated", 4), // deleted at 2, back at 4: the client holding 1 has it
		}},
		{3, []store.Change{
			ch("cs/b", "en", "created", 4),
			ch("cs/b", "ko", "created", 4),
			ch("cs/c", "ko", "deleted", 4),
		}},
		{4, []store.Change{}},
	}
	for _, tt := range tests {
		cs, err := st.Changes(context.Background(), tt.since)
		if err != nil {
			t.Fatalf("since %d: %v", tt.since, err)
		}
		if cs.Generation != 4 || cs.Since != tt.since {
			t.Errorf("since %d: got generation %d since %d, want 4 %d", tt.since, cs.Generation, cs.Since, tt.since)
		}
		if !reflect.DeepEqual(cs.Changes, tt.want) {
			t.Errorf("since %d:\ngot  %v\nwant %v", tt.since, cs.Changes, tt.want)
		}
	}

	got, err := st.GenerationChanges(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Change{ch("cs/a", "en", "deleted", 2), ch("cs/a", "ko", "updated", 2), ch("cs/b", "ko", "deleted", 2)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("generation 2:\ngot  %v\nwant %v", got, want)
	}
}

func TestChangesPruneAndBounds(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	st.SetKeepGenerations(2)
	for i := range 5 {
		run(t, st, put(post(fmt.Sprintf("cs/p%d", i), "ko")))
	}
	tests := []struct {
		since   int64
		wantErr error
		wantN   int
	}{
		{0, store.ErrGenerationGone, 0},
		{2, store.ErrGenerationGone, 0},
		{3, nil, 2},
		{5, nil, 0},
		{6, store.ErrGenerationAhead, 0},
	}
	for _, tt := range tests {
		cs, err := st.Changes(ctx, tt.since)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("since %d: got err %v, want %v", tt.since, err, tt.wantErr)
		}
		if cs.Generation != 5 || cs.Oldest != 3 {
			t.Errorf("since %d: got generation %d oldest %d, want 5 3", tt.since, cs.Generation, cs.Oldest)
		}
		if len(cs.Changes) != tt.wantN {
			t.Errorf("since %d: got %d changes, want %d", tt.since, len(cs.Changes), tt.wantN)
		}
	}
	// Keeping more later does not pretend pruned generations are whole again.
	st.SetKeepGenerations(100)
	run(t, st, put(post("cs/p9", "ko")))
	if _, err := st.Changes(ctx, 2); !errors.Is(err, store.ErrGenerationGone) {
		t.Errorf("since 2 after raising keep: got %v, want %v", err, store.ErrGenerationGone)
	}
	// Pruning belongs to the run's transaction: old rows are gone from the table.
	got, err := st.GenerationChanges(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("generation 1 after pruning: got %v, want none", got)
	}
}

func TestChangesEmptyIndex(t *testing.T) {
	st := openStore(t)
	cs, err := st.Changes(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Generation != 0 || len(cs.Changes) != 0 {
		t.Errorf("got %+v, want generation 0 and no changes", cs)
	}
	if _, err := st.Changes(context.Background(), 1); !errors.Is(err, store.ErrGenerationAhead) {
		t.Errorf("since 1: got %v, want %v", err, store.ErrGenerationAhead)
	}
}

// BenchmarkChanges measures GET /changes' store side over a change log of
// 10,000 posts in two languages (a full first index) plus 100 small runs:
// since=0 folds the whole log, since=current-10 a few runs.
func BenchmarkChanges(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "index.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	commit := func(ps ...store.PostRecord) {
		tx, err := st.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			if err := tx.PutPost(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := tx.Commit(ctx, store.RunInfo{At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	var all []store.PostRecord
	for i := range 10000 {
		all = append(all, post(fmt.Sprintf("cs/p%05d", i), "ko", "en"))
	}
	commit(all...)
	for i := range 100 {
		commit(post(fmt.Sprintf("cs/p%05d", i*7), "ko", "en"), post(fmt.Sprintf("cs/new%03d", i), "ko"))
	}
	for _, since := range []int64{0, 91} {
		b.Run(fmt.Sprintf("since=%d", since), func(b *testing.B) {
			for b.Loop() {
				cs, err := st.Changes(ctx, since)
				if err != nil || len(cs.Changes) == 0 {
					b.Fatal(err, len(cs.Changes))
				}
			}
		})
	}
}
