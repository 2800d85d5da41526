package server

import (
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
)

// TestHubDropsSlowClients: a client that stops reading is dropped once its
// buffer is full, and Publish never waits for it.
func TestHubDropsSlowClients(t *testing.T) {
	h := NewHub()
	slow, err := h.subscribe("192.0.2.1", maxEventClients)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := h.subscribe("192.0.2.1", maxEventClients)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 100)
	go func() {
		for m := range fast.ch {
			got <- m.gen
		}
		close(got)
	}()
	done := make(chan struct{})
	go func() {
		for g := int64(1); g <= eventBuffer+5; g++ {
			h.Publish(api.Changes{Generation: g})
			time.Sleep(time.Millisecond) // let the fast reader keep up
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a client that does not read")
	}
	if n := h.Clients(); n != 1 {
		t.Errorf("clients: got %d, want 1 (the slow one dropped)", n)
	}
	// The slow client's channel holds what fitted, then is closed: its stream ends.
	n := 0
	for range slow.ch {
		n++
	}
	if n != eventBuffer {
		t.Errorf("slow client got %d messages before its channel closed, want %d", n, eventBuffer)
	}
	h.Close()
	var last int64
	for g := range got {
		last = g
	}
	if last != eventBuffer+5 {
		t.Errorf("fast client: last generation %d, want %d", last, eventBuffer+5)
	}
	if _, err := h.subscribe("192.0.2.1", maxEventClients); err != errHubClosed {
		t.Errorf("subscribe after Close: got %v, want %v", err, errHubClosed)
	}
	h.unsubscribe(slow) // a handler leaving after the drop must not panic
}

// BenchmarkHubPublish is the cost an index run pays to announce a generation
// to 100 connected clients that keep up.
func BenchmarkHubPublish(b *testing.B) {
	h := NewHub()
	for range 100 {
		c, err := h.subscribe("192.0.2.1", maxEventClients)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for range c.ch {
			}
		}()
	}
	ch := api.Changes{Since: 1, Generation: 2, Created: []api.ChangedPost{{Slug: "cs/a", Lang: "ko", Generation: 2}}, Updated: []api.ChangedPost{}, Deleted: []api.ChangedPost{}}
	for b.Loop() {
		ch.Generation++
		h.Publish(ch)
	}
	b.StopTimer()
	h.Close()
}
