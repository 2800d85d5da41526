package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/geul-dev/geul/internal/store"
)

// Replica serves read-only releases one after another (geul serve
// --read-only). Swap hands it the next release; it switches between
// requests:
//
//   - every request is served whole by the release current when it started:
//     it holds a reference on the release (its store and a Server of its
//     own, with its own caches of feeds and compressed answers), so none sees
//     a mix of two;
//   - no request fails for the swap: the old release stays open until its last
//     request ends, then its store closes;
//   - event streams of the old release end at the swap; EventSource
//     reconnects, with Last-Event-ID, to the new one.
//
// The metrics outlive releases: one registry counts the requests of all.
type Replica struct {
	log     *slog.Logger
	cfg     Config
	metrics *metrics

	mu  sync.RWMutex // guards cur against a swap while a request pins it
	cur *pinned
}

// pinned is one release being served, with the references held on it: the
// Replica's while it is current, and one per request in flight.
type pinned struct {
	srv    *Server
	st     *store.Store
	refs   atomic.Int64
	closed chan struct{} // closed once st is
}

// NewReplica returns a Replica serving the release in st, which it owns from
// now on (it closes it).
func NewReplica(ctx context.Context, st *store.Store, log *slog.Logger, cfg Config) (*Replica, error) {
	r := newReplica(log, cfg)
	p, err := r.pin(ctx, st)
	if err != nil {
		return nil, err
	}
	r.cur = p
	return r, nil
}

// newReplica returns a Replica serving nothing yet, with the metrics its
// Servers share.
func newReplica(log *slog.Logger, cfg Config) *Replica {
	if cfg.Health == nil {
		cfg.Health = NewHealth()
	}
	r := &Replica{log: log, cfg: cfg}
	r.metrics = newMetrics(func() float64 {
		r.mu.RLock()
		defer r.mu.RUnlock()
		return float64(r.cur.srv.events.Clients())
	})
	return r
}

// pin builds the Server of the release in st, ready to serve.
func (r *Replica) pin(ctx context.Context, st *store.Store) (*pinned, error) {
	srv := newServer(st, r.log, r.cfg, r.metrics)
	rel, err := st.Release(ctx)
	if err != nil {
		return nil, err
	}
	if rel.Hash == "" {
		return nil, fmt.Errorf("release: the database holds no release: build it with geul index")
	}
	if err := srv.publishStored(ctx, rel); err != nil {
		return nil, err
	}
	srv.SetReady()
	return newPinned(srv), nil
}

// newPinned is srv pinned with the Replica's own reference, while current.
func newPinned(srv *Server) *pinned {
	p := &pinned{srv: srv, st: srv.store, closed: make(chan struct{})}
	p.refs.Store(1)
	return p
}

// Swap makes the release in st current, which the Replica owns from now on.
// Requests already in flight finish on the release they started with, which
// closes after the last of them. On an error st is left to the caller and
// the current release goes on serving.
func (r *Replica) Swap(ctx context.Context, st *store.Store) (store.Release, error) {
	p, err := r.pin(ctx, st)
	if err != nil {
		return store.Release{}, fmt.Errorf("swap release: %w", err)
	}
	old := r.swap(p)
	rel := p.srv.release()
	r.log.Info("serving release", "release", rel.Short(), "previous", old.srv.release().Short())
	return rel, nil
}

// swap makes p current and drops the previous, which it returns: its event
// streams end now, its store closes after its last request.
func (r *Replica) swap(p *pinned) *pinned {
	r.mu.Lock()
	old := r.cur
	r.cur = p
	r.mu.Unlock()
	old.srv.events.Close()
	r.unpin(old)
	return old
}

// Release is the release served now.
func (r *Replica) Release() store.Release {
	p := r.acquire()
	defer r.unpin(p)
	return p.srv.release()
}

func (r *Replica) acquire() *pinned {
	r.mu.RLock()
	p := r.cur
	p.refs.Add(1)
	r.mu.RUnlock()
	return p
}

// unpin drops a reference; the last closes the release's store.
func (r *Replica) unpin(p *pinned) {
	if p.refs.Add(-1) != 0 {
		return
	}
	if err := p.st.Close(); err != nil {
		r.log.Warn("close release", "release", p.srv.release().Short(), "err", err)
	}
	close(p.closed)
}

// ServeHTTP serves the request from the release current as it starts.
func (r *Replica) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p := r.acquire()
	defer r.unpin(p)
	p.srv.ServeHTTP(w, req)
}

// HTTPServer returns an http.Server for the Replica, with the timeouts of
// Server.HTTPServer; shutting it down ends the event streams.
func (r *Replica) HTTPServer(addr string) *http.Server {
	p := r.acquire()
	defer r.unpin(p)
	hs := p.srv.HTTPServer(addr)
	hs.Handler = r
	// Not through acquire: the hook runs on a goroutine of its own, maybe
	// after Close dropped the last reference.
	hs.RegisterOnShutdown(func() {
		r.mu.RLock()
		q := r.cur
		r.mu.RUnlock()
		q.srv.events.Close()
	})
	return hs
}

// Close drops the current release; its store closes once no request holds
// it. Serve nothing after Close.
func (r *Replica) Close() {
	r.mu.Lock()
	p := r.cur
	r.mu.Unlock()
	r.unpin(p)
}
