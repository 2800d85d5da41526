package server

import (
	"log/slog"
	"net/http"

	"github.com/geul-dev/geul/internal/store"
)

// Live serves the index of geul serve: a Server over the writable store,
// then, when the database file was deleted or replaced and a run built a new
// one, a Server over that. Swap hands over between requests, as a Replica
// does between releases: a request is served whole by the Server current
// when it started, and the previous store closes after its last request.
type Live struct{ r *Replica }

// NewLive returns a Live serving st, which it owns from now on (it closes it).
func NewLive(st *store.Store, log *slog.Logger, cfg Config) *Live {
	r := newReplica(log, cfg)
	r.cur = newPinned(newServer(st, log, cfg, r.metrics))
	return &Live{r}
}

// Server is the Server current now: the one index runs are reported to.
func (l *Live) Server() *Server {
	p := l.r.acquire()
	defer l.r.unpin(p)
	return p.srv
}

// Successor returns a Server over st, with the configuration, metrics and
// Health of the current one, to be readied (its languages, site and release
// loaded, SetReady) and handed to Swap.
func (l *Live) Successor(st *store.Store) *Server {
	return newServer(st, l.r.log, l.r.cfg, l.r.metrics)
}

// Swap makes srv current; Live owns its store from now on. The previous
// Server's event streams end now (EventSource reconnects to srv); the
// channel returned is closed once its store is closed, after its last
// request.
func (l *Live) Swap(srv *Server) <-chan struct{} {
	return l.r.swap(newPinned(srv)).closed
}

// ServeHTTP serves the request from the Server current as it starts.
func (l *Live) ServeHTTP(w http.ResponseWriter, req *http.Request) { l.r.ServeHTTP(w, req) }

// HTTPServer returns an http.Server for the Live; see Server.HTTPServer.
func (l *Live) HTTPServer(addr string) *http.Server { return l.r.HTTPServer(addr) }

// Close drops the current Server; its store closes once no request holds it.
func (l *Live) Close() { l.r.Close() }
