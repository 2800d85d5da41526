package index

import (
	"cmp"
	"slices"
	"sync"

	"github.com/geul-dev/geul/internal/content"
)

// byDate returns posts oldest first (then by id). The store numbers a post's
// search documents by its date, and SQLite's full-text tables take rows in
// ascending rowid order cheaply: a row numbered below the one before it
// flushes the pending index to disk as a small segment, which later merges
// rewrite. Writing a full index by id (dates in any order) cost twice the
// full-text work of writing it by date.
func byDate(posts []*content.Post) []*content.Post {
	out := slices.Clone(posts)
	slices.SortStableFunc(out, func(a, b *content.Post) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID(), b.ID())
	})
	return out
}

// sequencer passes the writes of items 0..n-1, built by workers in any order,
// on in item order. A worker may start an item at most window items past the
// first unfinished one, which bounds what waits for its turn.
type sequencer struct {
	mu      sync.Mutex
	turn    *sync.Cond
	next    int // the first item not passed on
	window  int
	waiting map[int]writeOp
	send    func(writeOp)
}

func newSequencer(window int, send func(writeOp)) *sequencer {
	s := &sequencer{window: window, waiting: map[int]writeOp{}, send: send}
	s.turn = sync.NewCond(&s.mu)
	return s
}

// start waits until item i is within the window.
func (s *sequencer) start(i int) {
	s.mu.Lock()
	for i >= s.next+s.window {
		s.turn.Wait()
	}
	s.mu.Unlock()
}

// done records item i's write (nil when it has none, as when building it
// failed) and passes on every write whose turn has come. Every started item
// must be done exactly once.
func (s *sequencer) done(i int, op writeOp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting[i] = op
	for {
		op, ok := s.waiting[s.next]
		if !ok {
			break
		}
		delete(s.waiting, s.next)
		s.next++
		if op != nil {
			// Under the lock, so writes leave in order; send gives up when
			// the run is cancelled, so this cannot block for ever.
			s.send(op)
		}
	}
	s.turn.Broadcast()
}
