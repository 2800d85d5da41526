package index_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// The atomicity test flips a small content folder between two versions, A
// and B, while readers check that everything they read in one call is of one
// version, and of the version the generation says whenever the generation did
// not move around the call. Version A is written by odd runs (generations 1,
// 3, ...), B by even ones. B also has one more post, gamma/extra, so counts,
// lists and 404s move with the version too.

const (
	atomicPosts = 12 // in both versions; B adds gamma/extra
	markerA     = "verA"
	markerB     = "verB"
)

var atomicCats = []string{"alpha", "beta", "gamma"}

func marker(b bool) string {
	if b {
		return markerB
	}
	return markerA
}

// writeVersion writes every post of version B (or A) under dir.
func writeVersion(t testing.TB, dir string, b bool) {
	t.Helper()
	m := marker(b)
	put := func(rel, data string) { testutil.WriteFile(t, dir, rel, data) }
	for _, c := range atomicCats {
		put(c+"/_category.yaml", "name:\n  ko: "+c+"\n  en: "+c+"\n")
	}
	post := func(cat, slug string, i int) {
		for _, lang := range []string{"ko", "en"} {
			put(fmt.Sprintf("%s/%s.%s.md", cat, slug, lang), fmt.Sprintf(`---
title: Post %d %s %s
description: about %d, %s
date: 2025-01-%02d
tags: [common, tag-%s]
---

# Post %d

The body of post %d, version %s, in %s.
`, i, lang, m, i, m, 1+i%28, m, i, i, m, lang))
		}
	}
	for i := range atomicPosts {
		post(atomicCats[i%len(atomicCats)], fmt.Sprintf("post-%d", i), i)
	}
	extra := filepath.Join(dir, "gamma")
	if b {
		post("gamma", "extra", atomicPosts)
	} else {
		for _, lang := range []string{"ko", "en"} {
			if err := os.Remove(filepath.Join(extra, "extra."+lang+".md")); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
	}
}

// versionOf says which version a payload or list item is: B (true) or A,
// failing when it holds both or neither.
func versionOf(data []byte) (b bool, err error) {
	hasA, hasB := bytes.Contains(data, []byte(markerA)), bytes.Contains(data, []byte(markerB))
	if hasA == hasB {
		return false, fmt.Errorf("mixed or unmarked: %.200s", data)
	}
	return hasB, nil
}

func postsIn(b bool) int {
	if b {
		return atomicPosts + 1
	}
	return atomicPosts
}

// catCount is the number of posts of cat in a version.
func catCount(cat string, b bool) int {
	n := 0
	for i := range atomicPosts {
		if atomicCats[i%len(atomicCats)] == cat {
			n++
		}
	}
	if b && cat == "gamma" {
		n++
	}
	return n
}

// check is one reader's call: it reads something in one store call and
// returns the version it saw.
type check struct {
	name string
	read func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error)
}

func oneVersion(items [][]byte) (bool, error) {
	if len(items) == 0 {
		return false, errors.New("no items")
	}
	first, err := versionOf(items[0])
	if err != nil {
		return false, err
	}
	for _, it := range items[1:] {
		v, err := versionOf(it)
		if err != nil {
			return false, err
		}
		if v != first {
			return false, fmt.Errorf("one list holds both versions")
		}
	}
	return first, nil
}

var checks = []check{
	{"list", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		lang := []string{"ko", "en"}[rnd.IntN(2)]
		page, err := st.List(ctx, store.ListQuery{Lang: lang, Limit: 1000})
		if err != nil {
			return false, err
		}
		v, err := oneVersion(page.Items)
		if err != nil {
			return v, err
		}
		if page.Total != postsIn(v) || len(page.Items) != page.Total {
			return v, fmt.Errorf("version %s list: total %d, %d items, want %d", marker(v), page.Total, len(page.Items), postsIn(v))
		}
		return v, nil
	}},
	{"post", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		i := rnd.IntN(atomicPosts)
		id := fmt.Sprintf("%s/post-%d", atomicCats[i%len(atomicCats)], i)
		lang := []string{"ko", "en"}[rnd.IntN(2)]
		p, err := st.Post(ctx, id, lang, repr.Identity)
		if err != nil {
			return false, err
		}
		return versionOf(p.Body)
	}},
	{"extra post", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		p, err := st.Post(ctx, "gamma/extra", "en", repr.Identity)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil // only B has it
		}
		if err != nil {
			return false, err
		}
		v, err := versionOf(p.Body)
		if err == nil && !v {
			err = errors.New("gamma/extra served with version A content")
		}
		return v, err
	}},
	{"category page", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		info, page, err := st.CategoryPage(ctx, "gamma", store.ListQuery{Lang: "ko", Limit: 1000})
		if err != nil {
			return false, err
		}
		v, err := oneVersion(page.Items)
		if err != nil {
			return v, err
		}
		want := catCount("gamma", v)
		if info.Count != want || page.Total != want || len(page.Items) != want || info.Langs["ko"] != want {
			return v, fmt.Errorf("version %s gamma: count %d, ko %d, total %d, %d items, want %d",
				marker(v), info.Count, info.Langs["ko"], page.Total, len(page.Items), want)
		}
		return v, nil
	}},
	{"tag page", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		// Each version's tag exists only in it.
		b := rnd.IntN(2) == 1
		info, page, err := st.TagPage(ctx, "tag-"+marker(b), store.ListQuery{Lang: "en", Limit: 1000})
		if errors.Is(err, store.ErrNotFound) {
			return !b, nil
		}
		if err != nil {
			return false, err
		}
		v, err := oneVersion(page.Items)
		if err != nil {
			return v, err
		}
		if v != b || info.Count != postsIn(b) || len(page.Items) != postsIn(b) {
			return v, fmt.Errorf("tag-%s: version %s items, count %d, %d items, want %d", marker(b), marker(v), info.Count, len(page.Items), postsIn(b))
		}
		return v, nil
	}},
	{"search", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		// Each version's marker is found only in it, in every post.
		b := rnd.IntN(2) == 1
		terms, err := store.ParseQuery(marker(b))
		if err != nil {
			return false, err
		}
		lang := []string{"ko", "en"}[rnd.IntN(2)]
		res, err := st.Search(ctx, store.SearchQuery{Terms: terms, Lang: lang, Limit: 100})
		if err != nil {
			return false, err
		}
		if res.Total == 0 && len(res.Hits) == 0 {
			return !b, nil
		}
		items := make([][]byte, len(res.Hits))
		for i, h := range res.Hits {
			items[i] = h.Item
		}
		v, err := oneVersion(items)
		if err != nil {
			return v, err
		}
		if v != b || res.Total != postsIn(b) || len(res.Hits) != postsIn(b) {
			return v, fmt.Errorf("search %s: version %s hits, total %d, %d hits, want %d", marker(b), marker(v), res.Total, len(res.Hits), postsIn(b))
		}
		return v, nil
	}},
	{"categories", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		cats, err := st.Categories(ctx)
		if err != nil {
			return false, err
		}
		total := 0
		for _, c := range cats {
			total += c.Count
		}
		var v bool
		switch total {
		case postsIn(false):
		case postsIn(true):
			v = true
		default:
			return false, fmt.Errorf("categories count %d posts", total)
		}
		for _, c := range cats {
			if c.Count != catCount(c.Slug, v) || c.Langs["en"] != c.Count {
				return v, fmt.Errorf("version %s: category %s counts %d (en %d), want %d", marker(v), c.Slug, c.Count, c.Langs["en"], catCount(c.Slug, v))
			}
		}
		return v, nil
	}},
	{"status", func(ctx context.Context, st *store.Store, rnd *rand.Rand) (bool, error) {
		s, err := st.Status(ctx)
		if err != nil {
			return false, err
		}
		// The generation and the counts come from one snapshot: they agree.
		v := s.Generation%2 == 0
		if s.Posts["ko"] != postsIn(v) || s.Posts["en"] != postsIn(v) || len(s.Errors) != 0 {
			return v, fmt.Errorf("status at generation %d: posts %v, errors %v, want %d each", s.Generation, s.Posts, s.Errors, postsIn(v))
		}
		return v, nil
	}},
}

// TestReadersSeeWholeRuns runs readers against a writer that re-indexes the
// folder between two versions in a loop: every call sees one version, and when
// the generation is the same before and after a call, the version it stands for.
func TestReadersSeeWholeRuns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix := index.New(dir, st)

	runs := 10
	if testing.Short() {
		runs = 4
	}
	var took []time.Duration
	run := func(k int) {
		writeVersion(t, dir, k%2 == 0)
		start := time.Now()
		sum, err := ix.Run(ctx)
		took = append(took, time.Since(start))
		if err != nil {
			t.Fatalf("run %d: %v", k, err)
		}
		if sum.Generation != int64(k) || len(sum.Errors) > 0 {
			t.Fatalf("run %d: generation %d, errors %v; want generation %d, no errors", k, sum.Generation, sum.Errors, k)
		}
	}
	run(1)

	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		mu      sync.Mutex
		fails   []string
		reads   atomic.Int64
		pinned  atomic.Int64 // reads with the generation the same before and after
		perName sync.Map
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(fails) < 20 {
			fails = append(fails, fmt.Sprintf(format, args...))
		}
	}
	for r := range 4 {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(r), 7))
			for !stop.Load() {
				c := checks[rnd.IntN(len(checks))]
				g1, err := st.Generation(ctx)
				if err != nil {
					fail("generation: %v", err)
					return
				}
				v, err := c.read(ctx, st, rnd)
				if err != nil {
					fail("%s at generation %d: %v", c.name, g1, err)
					continue
				}
				g2, err := st.Generation(ctx)
				if err != nil {
					fail("generation: %v", err)
					return
				}
				reads.Add(1)
				n, _ := perName.LoadOrStore(c.name, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				if g2 < g1 {
					fail("generation went back from %d to %d", g1, g2)
				}
				if g1 == g2 {
					pinned.Add(1)
					if want := g1%2 == 0; v != want {
						fail("%s at generation %d saw version %s, want %s", c.name, g1, marker(v), marker(want))
					}
				}
			}
		})
	}
	for k := 2; k <= runs; k++ {
		run(k)
		// Let readers see each generation settled for a moment as well.
		time.Sleep(5 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	for _, f := range fails {
		t.Error(f)
	}
	perName.Range(func(k, v any) bool {
		if v.(*atomic.Int64).Load() == 0 {
			t.Errorf("check %s never ran", k)
		}
		return true
	})
	if reads.Load() < int64(runs) || pinned.Load() == 0 {
		t.Errorf("only %d reads (%d within one generation) over %d runs: the test checked too little", reads.Load(), pinned.Load(), runs)
	}
	t.Logf("%d runs (%v), %d reads, %d within one generation", runs, took, reads.Load(), pinned.Load())
}
