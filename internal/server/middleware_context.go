package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// requestContext gives a request, in one allocation, the context its
// handlers see: its id, the caller's X-Request-Id when it is well formed
// (else a new one), which the response carries and the server's logger adds
// to every line logged for the request; and its deadline,
// Config.RequestTimeout from now, so that a stuck query cannot hold a
// client. An event stream has no deadline: it lasts as long as its client.
func (s *Server) requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		rc := &reqContext{Context: req.Context(), id: id}
		rc.idHeader[0] = id
		c.Response().Header()[HeaderRequestID] = rc.idHeader[:]
		if c.Path() != eventsPath {
			rc.deadline = time.Now().Add(s.cfg.RequestTimeout)
			defer rc.release()
		}
		c.SetRequest(req.WithContext(rc))
		return next(c)
	}
}

// reqContext is a request's context: its id and its deadline over the
// connection's context. context.WithTimeout would start a timer for every
// request, and most never wait on one (a stored post is a lookup and a
// write): the timer is started by the first call to Done, and until then
// Err compares the clock with the deadline.
type reqContext struct {
	context.Context // the connection's: canceled when the client goes

	id       string
	idHeader [1]string // the X-Request-Id header's value, allocated with the rest
	deadline time.Time // zero: none

	once  sync.Once
	timed atomic.Pointer[timedContext] // set by the first Done, or by release
}

// timedContext is the context.WithDeadline a reqContext's Done started.
type timedContext struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// ended is the context of a request that has been answered: canceled.
var ended = func() *timedContext {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return &timedContext{ctx: ctx}
}()

func (c *reqContext) Value(key any) any {
	if _, ok := key.(requestIDKey); ok {
		return c // not c.id: a string in an interface is an allocation
	}
	return c.Context.Value(key)
}

func (c *reqContext) Deadline() (time.Time, bool) {
	d, ok := c.Context.Deadline()
	if c.deadline.IsZero() || (ok && d.Before(c.deadline)) {
		return d, ok
	}
	return c.deadline, true
}

func (c *reqContext) Done() <-chan struct{} {
	if c.deadline.IsZero() {
		return c.Context.Done()
	}
	c.once.Do(func() {
		ctx, cancel := context.WithDeadline(c.Context, c.deadline)
		c.timed.Store(&timedContext{ctx, cancel})
	})
	return c.timed.Load().ctx.Done()
}

func (c *reqContext) Err() error {
	if t := c.timed.Load(); t != nil {
		return t.ctx.Err()
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !c.deadline.IsZero() && !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// release stops the timer Done started, if any, once the request is
// answered; from then on the context is canceled, as net/http's is.
func (c *reqContext) release() {
	c.once.Do(func() { c.timed.Store(ended) })
	if t := c.timed.Load(); t.cancel != nil {
		t.cancel()
	}
}
