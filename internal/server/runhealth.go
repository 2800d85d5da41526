package server

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/store"
)

// Health is what the servers of one process know of their index runs and of
// the index database: runs failing since when and why, the file deleted or
// replaced, the index served read-only. /readyz says it in its detail and
// /admin/status in its runs, while the last good index goes on being served
// (a load balancer keeps sending requests to a server that answers them). One
// Health outlives the Servers of successive databases; see Config.Health.
type Health struct {
	mu       sync.Mutex
	since    time.Time // when the first failed run in a row ended; zero while runs succeed
	failures int
	lastErr  string
	storage  string // a standing problem of the database file, "" when none
	readOnly bool
}

// NewHealth returns the Health of runs that have not failed.
func NewHealth() *Health { return &Health{} }

// observe records a run's outcome.
func (h *Health) observe(r IndexRun, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Err == nil {
		h.since, h.failures, h.lastErr = time.Time{}, 0, ""
		return
	}
	if h.failures == 0 {
		h.since = now
	}
	h.failures++
	h.lastErr = runCause(r.Err)
}

// SetStorage records what is wrong with the database file, "" when nothing
// is any more; readOnly says the index is served read-only because of it.
func (h *Health) SetStorage(problem string, readOnly bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.storage, h.readOnly = problem, readOnly
}

// status is the Health in the public shape, with moved (the store's Moved)
// as the storage problem when nothing else is recorded.
func (h *Health) status(moved error) api.RunHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := api.RunHealth{Failing: h.failures > 0, Failures: h.failures, LastError: h.lastErr,
		Storage: h.storage, ReadOnly: h.readOnly}
	if !h.since.IsZero() {
		t := h.since
		out.FailingSince = &t
	}
	if out.Storage == "" && moved != nil {
		out.Storage = moved.Error() + "; the open index is served until the next run builds a new file"
	}
	return out
}

// detail is the status in one sentence, "" when all is well.
func (h *Health) detail(moved error) string {
	st := h.status(moved)
	var parts []string
	if st.Failing {
		parts = append(parts, fmt.Sprintf("index runs failing since %s (%d in a row): %s; the last good index is served",
			st.FailingSince.UTC().Format(time.RFC3339), st.Failures, st.LastError))
	}
	if st.Storage != "" {
		parts = append(parts, st.Storage)
	}
	return strings.Join(parts, "; ")
}

// runCause names what made a run fail, ahead of the error itself.
func runCause(err error) string {
	switch {
	case store.IsFull(err):
		return "no space left for the index database: " + err.Error()
	case store.IsReadOnly(err):
		return "the index database cannot be written: " + err.Error()
	}
	return err.Error()
}

// health is the server's Health.
func (s *Server) health() *Health { return s.cfg.Health }

// readyDetail is /readyz's detail: "" when all is well.
func (s *Server) readyDetail() string { return s.health().detail(s.store.Moved()) }

// runHealth is /admin/status's runs.
func (s *Server) runHealth() api.RunHealth { return s.health().status(s.store.Moved()) }

// runProblem is the problem of a failed admin reindex: the storage faults a
// client can do something about get a status of their own rather than 500.
func runProblem(err error) error {
	switch {
	case store.IsFull(err):
		return &Error{Code: EStorageFull, Message: "the run found no space for the index database, and nothing of it was kept; the last good index is served. Free space and reindex: " + err.Error()}
	case store.IsReadOnly(err):
		return &Error{Code: EUnavailable, Message: "the index database cannot be written; the last good index is served: " + err.Error()}
	}
	return err
}
