package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/store"
)

// eventsPath is the SSE stream; it is exempt from the request timeout.
const eventsPath = "/events"

const (
	// DefaultEventHeartbeat is how often an idle event stream gets a comment,
	// so proxies and load balancers do not close it as dead.
	DefaultEventHeartbeat = 15 * time.Second
	// eventBuffer is how many announcements a client may fall behind before it
	// is dropped. Generations come at most a few a second, so a client this far
	// behind is stuck; it reconnects and catches up from the change log.
	eventBuffer = 8
	// maxEventClients bounds open streams so they cannot use up file descriptors.
	maxEventClients = 1000
	// DefaultEventsPerClient bounds the streams of one client address, so
	// that one client cannot take them all; a page open in a few tabs
	// behind one address stays well within it.
	DefaultEventsPerClient = 8
	// eventsRetryAfter is the Retry-After of a refused stream, in seconds.
	eventsRetryAfter = 10
)

// errHubFull and errHubClosed refuse a new event client.
var (
	errHubFull      = errors.New("too many event clients")
	errHubClosed    = errors.New("server shutting down")
	errClientStream = errors.New("too many event streams from this address")
)

// Hub announces new index generations to the clients of GET /events. Publish
// never waits for a client: a client whose buffer is full is dropped, so a slow
// or stalled client cannot hold back indexing or the other clients.
type Hub struct {
	mu      sync.Mutex
	clients map[*eventClient]struct{}
	byAddr  map[string]int // open streams by client address
	closed  bool
}

type eventClient struct {
	ch   chan eventMsg // closed when the hub drops the client or shuts down
	addr string
}

type eventMsg struct {
	event string // "generation", or "run" for an index run (see PublishRun)
	gen   int64
	data  []byte // the event's JSON, encoded once for every client
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{clients: map[*eventClient]struct{}{}, byAddr: map[string]int{}}
}

// drop ends c's stream. Called with h.mu held.
func (h *Hub) drop(c *eventClient) {
	delete(h.clients, c)
	close(c.ch)
	if h.byAddr[c.addr]--; h.byAddr[c.addr] <= 0 {
		delete(h.byAddr, c.addr)
	}
}

// Publish announces a new generation with what changed since the last one
// announced.
func (h *Hub) Publish(ch api.Changes) {
	data, err := api.Encode(ch)
	if err != nil {
		return // api.Changes always encodes
	}
	h.send(eventMsg{event: "generation", gen: ch.Generation, data: bytes.TrimSuffix(data, []byte("\n"))})
}

// PublishRun announces an index run that read changed files, whether or not
// it changed what is served: an author's preview of a draft reloads on it.
// It carries no id, so it never moves a client's Last-Event-ID.
func (h *Hub) PublishRun(gen int64) {
	h.send(eventMsg{event: "run", gen: gen, data: []byte(`{"generation":` + strconv.FormatInt(gen, 10) + `}`)})
}

func (h *Hub) send(msg eventMsg) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c.ch <- msg:
		default:
			h.drop(c)
		}
	}
}

// Clients is the number of connected clients.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// Close ends every stream and refuses new ones, so a graceful shutdown does
// not wait on clients that never hang up.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		h.drop(c)
	}
}

// isClosed reports whether the hub has shut down: HEAD answers as GET would.
func (h *Hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// admits reports why a stream for addr would be refused now, or nil.
func (h *Hub) admits(addr string, perAddr int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refusal(addr, perAddr)
}

// refusal is admits with h.mu held.
func (h *Hub) refusal(addr string, perAddr int) error {
	switch {
	case h.closed:
		return errHubClosed
	case len(h.clients) >= maxEventClients:
		return errHubFull
	case h.byAddr[addr] >= perAddr:
		return errClientStream
	}
	return nil
}

func (s *Server) eventsPerClient() int {
	if s.cfg.EventsPerClient > 0 {
		return s.cfg.EventsPerClient
	}
	return DefaultEventsPerClient
}

// refuseStream answers a refused stream: 429 with Retry-After when this
// client has its share, else 503.
func (s *Server) refuseStream(c echo.Context, err error) error {
	if errors.Is(err, errClientStream) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(eventsRetryAfter))
		return &Error{Code: ETooMany, Message: fmt.Sprintf("%v: at most %d at once; close one or retry later", err, s.eventsPerClient())}
	}
	return &Error{Code: EUnavailable, Message: err.Error()}
}

// subscribe opens a stream for the client at addr, which may hold at most
// perAddr streams.
func (h *Hub) subscribe(addr string, perAddr int) (*eventClient, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.refusal(addr, perAddr); err != nil {
		return nil, err
	}
	c := &eventClient{ch: make(chan eventMsg, eventBuffer), addr: addr}
	h.clients[c] = struct{}{}
	h.byAddr[addr]++
	return c, nil
}

func (h *Hub) unsubscribe(c *eventClient) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		h.drop(c)
	}
}

// observeRun reports an index run (see Publish): it updates the metrics
// and, when the generation moved, announces it to the event clients.
func (s *Server) observeRun(ctx context.Context, r IndexRun) {
	s.metrics.observeIndex(r)
	s.health().observe(r, time.Now())
	if r.Err != nil {
		return
	}
	if r.Touched > 0 {
		s.events.PublishRun(r.Generation)
	}
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if r.Generation <= s.published {
		return // a later run already announced it
	}
	since := s.published
	s.published = r.Generation
	if s.events.Clients() == 0 {
		return
	}
	// Announce everything after the last announced generation, not only this
	// run's: runs reported out of order or not at all are still covered.
	if since >= 0 {
		if cs, err := s.store.Changes(ctx, since); err == nil {
			// A run may have committed meanwhile: its changes went out now.
			s.published = max(s.published, cs.Generation)
			s.events.Publish(changesBody(since, cs.Generation, cs.Changes))
			return
		}
	}
	// The first run of the process, or a span pruned away: this generation's
	// own changes are what there is to say.
	changes, err := s.store.GenerationChanges(ctx, r.Generation)
	if err != nil {
		s.log.ErrorContext(ctx, "announce generation", "generation", r.Generation, "err", err)
		return
	}
	s.events.Publish(changesBody(r.Generation-1, r.Generation, changes))
}

// writeEvent writes one SSE event and flushes it.
func writeEvent(c echo.Context, event string, id int64, data []byte) error {
	w := c.Response()
	var b bytes.Buffer
	if id >= 0 {
		fmt.Fprintf(&b, "id: %d\n", id)
	}
	fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", event, data)
	if _, err := w.Write(b.Bytes()); err != nil {
		return err
	}
	w.Flush()
	return nil
}

// handleEvents streams a "generation" event for every index run that changed
// what is served; a frontend in development reloads on it.
//
// The stream opens with a "hello" event carrying the current generation as its
// id. A client reconnecting with Last-Event-ID (EventSource does so by itself)
// first gets a "generation" event with everything it missed, or a "resync"
// event when that is no longer kept. Comments keep idle connections open.
//
//	@Summary		Index generations as Server-Sent Events
//	@Description	Events: hello {"generation": N}; generation (an api.Changes object, id = its generation); resync {"generation": N, "detail": "..."}; run {"generation": N} after an index run that read changed files, drafts included, without an id. Send Last-Event-ID to resume.
//	@Tags			changes
//	@ID				streamEvents
//	@Produce		text/event-stream
//	@Param			Last-Event-ID	header		int			false	"the last generation this client saw"
//	@Success		200				{object}	api.Changes	"a stream of events whose data are JSON"
//	@Failure		429				{object}	api.Problem	"too many streams from this client address"
//	@Failure		503				{object}	api.Problem
//	@Router			/events [get]
func (s *Server) handleEvents(c echo.Context) error {
	ctx := c.Request().Context()
	cl, err := s.events.subscribe(s.clientIP(c), s.eventsPerClient())
	if err != nil {
		return s.refuseStream(c, err)
	}
	defer s.events.unsubscribe(cl)
	// Subscribed before reading the generation: whatever is published from now
	// on is either in the generation read or arrives on the channel.
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return err
	}
	// The stream outlives the server's write timeout.
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Time{})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.Response().WriteHeader(http.StatusOK)
	sent, err := s.greet(c, gen)
	if err != nil {
		return nil // the client is gone
	}

	heartbeat := s.cfg.EventHeartbeat
	if heartbeat <= 0 {
		heartbeat = DefaultEventHeartbeat
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-cl.ch:
			if !ok {
				return nil // dropped as too slow, or shutting down
			}
			if m.event == "run" {
				if err := writeEvent(c, m.event, -1, m.data); err != nil {
					return nil
				}
				continue
			}
			if m.gen <= sent {
				continue
			}
			if err := writeEvent(c, "generation", m.gen, m.data); err != nil {
				return nil
			}
			sent = m.gen
		case <-tick.C:
			if _, err := c.Response().Write([]byte(": ping\n\n")); err != nil {
				return nil
			}
			c.Response().Flush()
		}
	}
}

// handleEventsHead answers HEAD /events with the stream's headers alone: the
// GET handler would stream on for a client that reads nothing.
func (s *Server) handleEventsHead(c echo.Context) error {
	if err := s.events.admits(s.clientIP(c), s.eventsPerClient()); err != nil {
		return s.refuseStream(c, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	return c.NoContent(http.StatusOK)
}

// greet opens a stream at generation gen, catching a returning client up, and
// returns the generation the client now holds.
func (s *Server) greet(c echo.Context, gen int64) (int64, error) {
	last, err := strconv.ParseInt(strings.TrimSpace(c.Request().Header.Get("Last-Event-ID")), 10, 64)
	if err != nil || last < 0 || last == gen {
		data, _ := api.Encode(map[string]int64{"generation": gen})
		return gen, writeEvent(c, "hello", gen, bytes.TrimSpace(data))
	}
	cs, err := s.store.Changes(c.Request().Context(), last)
	if err == nil {
		// cs may be past gen if a run committed meanwhile; its own snapshot is what is sent.
		data, _ := api.Encode(changesBody(last, cs.Generation, cs.Changes))
		return cs.Generation, writeEvent(c, "generation", cs.Generation, bytes.TrimSpace(data))
	}
	if !errors.Is(err, store.ErrGenerationGone) && !errors.Is(err, store.ErrGenerationAhead) {
		s.log.ErrorContext(c.Request().Context(), "catch up event client", "since", last, "err", err)
		return gen, err
	}
	// Pruned, or the index was rebuilt behind the client's back.
	data, _ := api.Encode(map[string]any{"generation": gen, "detail": resyncDetail(gen)})
	return gen, writeEvent(c, "resync", gen, bytes.TrimSpace(data))
}

// changesBody turns the store's net changes into the public shape.
func changesBody(since, gen int64, changes []store.Change) api.Changes {
	out := api.Changes{Since: since, Generation: gen, Created: []api.ChangedPost{}, Updated: []api.ChangedPost{}, Deleted: []api.ChangedPost{}}
	for _, ch := range changes {
		p := api.ChangedPost{Slug: ch.PostID, Lang: ch.Lang, Generation: ch.Generation, Keys: ChangeKeys(ch.PostID)}
		switch ch.Op {
		case store.OpCreated:
			out.Created = append(out.Created, p)
		case store.OpDeleted:
			out.Deleted = append(out.Deleted, p)
		default:
			out.Updated = append(out.Updated, p)
		}
	}
	return out
}
