package index

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/store"
)

// The writer must get the posts' writes in date order however the workers
// finish them, with no worker more than the window ahead.
func TestSequencerKeepsOrder(t *testing.T) {
	const n, window = 500, 4
	var got []int
	var mu sync.Mutex
	s := newSequencer(window, func(op writeOp) { _ = op(context.Background(), nil) })
	var ahead atomic.Int64
	var wg sync.WaitGroup
	next := make(chan int)
	for range 3 {
		wg.Go(func() {
			for i := range next {
				s.start(i)
				s.mu.Lock()
				if d := int64(i - s.next); d > ahead.Load() {
					ahead.Store(d)
				}
				s.mu.Unlock()
				time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
				var op writeOp
				if i%7 != 3 { // some items have nothing to write
					op = func(context.Context, *store.Tx) error {
						mu.Lock()
						got = append(got, i)
						mu.Unlock()
						return nil
					}
				}
				s.done(i, op)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	want := 0
	for _, i := range got {
		for want%7 == 3 {
			want++
		}
		if i != want {
			t.Fatalf("write of item %d came where item %d's belongs; got order %v", i, want, got)
		}
		want++
	}
	if want != n {
		t.Errorf("got %d writes, up to item %d; want every item's but those with none, up to %d", len(got), want, n)
	}
	if a := ahead.Load(); a >= window {
		t.Errorf("a worker started %d items past the first unfinished one; the window is %d", a, window)
	}
}

func TestByDateOrdersOldestFirst(t *testing.T) {
	at := func(d string) time.Time { tm, _ := time.Parse(time.DateOnly, d); return tm }
	posts := []*content.Post{
		{Category: "a", Slug: "z", Time: at("2024-03-01")},
		{Category: "b", Slug: "y", Time: at("2023-01-01")},
		{Category: "a", Slug: "x", Time: at("2024-03-01")},
	}
	got := byDate(posts)
	want := []string{"b/y", "a/x", "a/z"}
	for i, p := range got {
		if p.ID() != want[i] {
			t.Fatalf("byDate: got %s at %d, want %s", p.ID(), i, want[i])
		}
	}
	if posts[0].ID() != "a/z" {
		t.Errorf("byDate reordered its argument")
	}
}
