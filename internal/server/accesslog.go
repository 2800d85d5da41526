package server

import (
	"errors"
	"io"
	"sync"
	"time"
)

// DefaultLogQueueBytes bounds what a LogWriter holds before it is written:
// some thousand access-log lines.
const DefaultLogQueueBytes = 256 << 10

// logFlushDelay is how long a line may wait in a LogWriter's queue for
// others to go out with it. Woken for every line, the writer's goroutine
// wrote one or two lines per write(2) under load: 6.8 % of a geul serve
// process's CPU under wrk -c8 on one hot post (perf record -g), 0.7 % with
// the delay.
const logFlushDelay = 10 * time.Millisecond

// LogWriter writes log lines to w from one goroutine, in batches, so that a
// request formats its access-log line and goes on rather than wait for a
// write(2) of its own. A line goes out at most logFlushDelay after it is
// queued, or at once when a quarter of the queue's bound is queued.
// Nothing is dropped and the order is kept: lines queue in memory up to
// max bytes; a line that finds the queue full makes its
// writer write the queue out itself, synchronously, before it queues the
// line (a log sink slower than the requests slows the requests down rather
// than lose lines). Close writes what is queued. Each Write must be whole
// lines, as slog's handlers make them.
type LogWriter struct {
	w   io.Writer
	max int

	out sync.Mutex // held while a batch is written to w: batches go out in order

	mu      sync.Mutex
	pending []byte // queued lines
	spare   []byte // the buffer of the last batch written, for reuse
	closed  bool
	err     error // the last write error, reported by Close

	wake  chan struct{}
	done  chan struct{}
	timer *time.Timer // wakes the writer logFlushDelay after a line finds the queue empty
}

// NewLogWriter starts a LogWriter over w holding at most max bytes.
func NewLogWriter(w io.Writer, max int) *LogWriter {
	lw := &LogWriter{w: w, max: max, wake: make(chan struct{}, 1), done: make(chan struct{})}
	lw.timer = time.AfterFunc(time.Hour, func() {
		lw.mu.Lock()
		defer lw.mu.Unlock()
		if !lw.closed {
			lw.signal()
		}
	})
	lw.timer.Stop()
	go lw.run()
	return lw
}

// signal wakes the writer's goroutine; called with mu held and not closed.
func (lw *LogWriter) signal() {
	select {
	case lw.wake <- struct{}{}:
	default: // the writer is already due to run
	}
}

// Write queues p, a whole line or several.
func (lw *LogWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	for len(lw.pending) > 0 && len(lw.pending)+len(p) > lw.max && !lw.closed {
		lw.mu.Unlock()
		lw.flush() // full: this writer drains the queue itself
		lw.mu.Lock()
	}
	if lw.closed {
		// After Close, lines go out at once, after what was queued.
		lw.mu.Unlock()
		lw.flush()
		lw.out.Lock()
		defer lw.out.Unlock()
		return lw.w.Write(p)
	}
	first := len(lw.pending) == 0
	lw.pending = append(lw.pending, p...)
	// Under mu: Close closes wake only after it has seen mu with closed set.
	switch {
	case len(lw.pending) >= lw.max/4:
		lw.signal() // a batch worth a write: no need to wait
	case first:
		lw.timer.Reset(logFlushDelay)
	}
	lw.mu.Unlock()
	return len(p), nil
}

// flush writes what is queued, if anything.
func (lw *LogWriter) flush() {
	lw.out.Lock()
	defer lw.out.Unlock()
	lw.mu.Lock()
	batch := lw.pending
	lw.pending = lw.spare[:0]
	lw.mu.Unlock()
	if len(batch) == 0 {
		lw.mu.Lock()
		lw.spare = batch
		lw.mu.Unlock()
		return
	}
	_, err := lw.w.Write(batch)
	lw.mu.Lock()
	if err != nil {
		lw.err = err
	}
	if cap(batch) <= 2*lw.max {
		lw.spare = batch[:0]
	}
	lw.mu.Unlock()
}

func (lw *LogWriter) run() {
	defer close(lw.done)
	for range lw.wake {
		lw.flush()
	}
}

// Close writes what is queued and stops the writer's goroutine; later
// writes go straight to w. It reports the last error writing to w.
func (lw *LogWriter) Close() error {
	lw.mu.Lock()
	if lw.closed {
		lw.mu.Unlock()
		return errors.New("log writer closed twice")
	}
	lw.closed = true
	lw.timer.Stop()
	close(lw.wake)
	lw.mu.Unlock()
	<-lw.done
	lw.flush()
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.err
}
