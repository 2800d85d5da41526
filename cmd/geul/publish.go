package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/geul-dev/geul/internal/store"
)

// publisher writes a release into a publish folder after index runs
// (geul serve --publish DIR), on a goroutine of its own: a release of a
// 10,000-post index takes a second or more to copy, and saves must not wait
// for it. Runs that come while it copies make one more release after it, of
// the index as it is then.
type publisher struct {
	mu   sync.Mutex
	st   *store.Store // see setStore
	dir  string
	log  *slog.Logger
	wake chan struct{} // holds at most one pending request
	done chan struct{}

	last string // hash of the release last published; loop only
}

func startPublisher(ctx context.Context, st *store.Store, dir string, log *slog.Logger) *publisher {
	p := &publisher{st: st, dir: dir, log: log, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go p.loop(ctx)
	return p
}

// kick asks for a release of the index as it is now. A nil publisher (no
// --publish) does nothing.
func (p *publisher) kick() {
	if p == nil {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default: // one is pending already, and will see this run too
	}
}

func (p *publisher) loop(ctx context.Context) {
	defer close(p.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		}
		if err := p.publish(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("publish release", "dir", p.dir, "err", err)
		}
	}
}

// publish writes the index's release unless it is the one last published.
func (p *publisher) publish(ctx context.Context) error {
	p.mu.Lock()
	st := p.st
	p.mu.Unlock()
	rel, err := st.Release(ctx)
	if err != nil {
		return err
	}
	if rel.Hash == p.last {
		return nil
	}
	path, rel, err := st.Publish(ctx, p.dir, store.PublishKeep)
	if err != nil {
		return err
	}
	p.last = rel.Hash
	p.log.Info("published release", "release", rel.Short(), "path", path)
	return nil
}

// stop waits for a release being written; call it after ctx ends.
func (p *publisher) stop() { <-p.done }

// setStore makes the publisher publish st's releases from now on: the
// database was built anew (see rebuild.go). A nil publisher does nothing.
func (p *publisher) setStore(st *store.Store) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.st = st
	p.mu.Unlock()
	p.kick()
}
