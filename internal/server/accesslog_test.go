package server_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/server"
)

// sink records what a LogWriter writes, batch by batch, slowly when told.
type sink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	batches []int
	delay   time.Duration
}

func (s *sink) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, len(p))
	return s.buf.Write(p)
}

// TestLogWriterKeepsEveryLine: lines written from many goroutines all arrive,
// once each, whole, each goroutine's in its order, whether the sink keeps up
// or is slower than the writers (then the queue never holds more than its
// bound: the writers write it out themselves), and after Close too.
func TestLogWriterKeepsEveryLine(t *testing.T) {
	for _, tc := range []struct {
		name  string
		max   int
		delay time.Duration
	}{
		{"sink keeps up", server.DefaultLogQueueBytes, 0},
		{"queue full", 100, time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sink{delay: tc.delay}
			lw := server.NewLogWriter(s, tc.max)
			const writers, lines = 8, 200
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range lines {
						fmt.Fprintf(lw, "{\"writer\":%d,\"line\":%d}\n", w, i)
					}
				})
			}
			wg.Wait()
			if err := lw.Close(); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(lw, "{\"after\":\"close\"}\n")
			next := make([]int, writers)
			got := strings.Split(strings.TrimSuffix(s.buf.String(), "\n"), "\n")
			if len(got) != writers*lines+1 || got[len(got)-1] != `{"after":"close"}` {
				t.Fatalf("%d lines, last %q; want %d and the one after Close", len(got), got[len(got)-1], writers*lines+1)
			}
			for _, l := range got[:len(got)-1] {
				var w, i int
				if _, err := fmt.Sscanf(l, "{\"writer\":%d,\"line\":%d}", &w, &i); err != nil || next[w] != i {
					t.Fatalf("line %q: want writer %d's line %d (%v)", l, w, next[w], err)
				}
				next[w]++
			}
			for _, n := range s.batches {
				if longest := len(`{"writer":7,"line":199}` + "\n"); n > tc.max+longest {
					t.Errorf("a batch of %d bytes: the queue holds at most %d", n, tc.max)
				}
			}
		})
	}
}

// TestLogWriterBatches: lines that come one at a time, as requests end, go
// out together, many to a write, and the last goes out without Close.
func TestLogWriterBatches(t *testing.T) {
	s := &sink{}
	lw := server.NewLogWriter(s, server.DefaultLogQueueBytes)
	defer lw.Close()
	const lines = 200
	start := time.Now()
	for i := range lines {
		fmt.Fprintf(lw, "{\"msg\":\"request\",\"line\":%d}\n", i)
		time.Sleep(100 * time.Microsecond)
	}
	fmt.Fprint(lw, "{\"msg\":\"last\"}\n")
	elapsed := time.Since(start)
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		done, batches := strings.HasSuffix(s.buf.String(), "{\"msg\":\"last\"}\n"), len(s.batches)
		s.mu.Unlock()
		if done {
			// A write per 5 ms is twice what the writer's 10 ms delay
			// gives; woken for every line, it wrote one or two a time.
			if most := int(elapsed/(5*time.Millisecond)) + 5; batches > most {
				t.Errorf("%d lines over %v in %d writes: want at most %d", lines+1, elapsed, batches, most)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last line was not written within 5 s without Close (%d writes so far)", batches)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
