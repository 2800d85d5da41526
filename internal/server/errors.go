package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/store"
)

// Error codes: every error a handler returns is one of these, and
// codeStatus gives each its HTTP status.
const (
	ENotFound = "not_found"
	EInvalid  = "invalid"
	EInternal = "internal"
	// EUnavailable: the server cannot answer yet (the first index is running).
	EUnavailable = "unavailable"
	// EUnauthorized: an admin or preview route without the right token.
	EUnauthorized = "unauthorized"
	// ETooMany: too many failed authentications, or event streams, from one client.
	ETooMany = "too_many_requests"
	// EGone: a change feed asked from a generation no longer kept.
	EGone = "gone"
	// EStorageFull: an index run found no space for the index database.
	EStorageFull = "insufficient_storage"
	// EPrecondition: a file's If-Match or If-Unmodified-Since does not hold.
	EPrecondition = "precondition_failed"
	// ERange: a file's Range asks for no byte it has.
	ERange = "range_not_satisfiable"
)

// Error is an error meant for the client: its code picks the status, its
// message is shown as the problem's detail.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func invalidf(format string, args ...any) error {
	return &Error{Code: EInvalid, Message: fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) error {
	return &Error{Code: ENotFound, Message: fmt.Sprintf(format, args...)}
}

// codeStatus is the one table from error codes to HTTP status.
var codeStatus = map[string]int{
	ENotFound:     http.StatusNotFound,
	EInvalid:      http.StatusBadRequest,
	EInternal:     http.StatusInternalServerError,
	EUnavailable:  http.StatusServiceUnavailable,
	EUnauthorized: http.StatusUnauthorized,
	ETooMany:      http.StatusTooManyRequests,
	EGone:         http.StatusGone,
	EStorageFull:  http.StatusInsufficientStorage,
	EPrecondition: http.StatusPreconditionFailed,
	ERange:        http.StatusRequestedRangeNotSatisfiable,
}

// ErrorStatusCode is the HTTP status of an error code; an unknown code is a
// 500, as the code of a bug.
func ErrorStatusCode(code string) int {
	if st, ok := codeStatus[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// problemType is the base of the problem type URIs geul documents.
const problemType = "https://geul.dev/problems/"

// handleError is echo's one error handler: every error becomes an RFC 9457
// problem. Internal errors are logged in full and shown as a generic message.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	req := c.Request()
	p := api.Problem{Instance: clip(req.URL.Path, maxEchoBytes)}
	var ge *Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ge):
		p.Status = ErrorStatusCode(ge.Code)
		p.Type = problemType + ge.Code
		p.Detail = ge.Message
	case errors.Is(err, context.DeadlineExceeded):
		// The request outlived Config.RequestTimeout: the server is
		// overloaded or a query is stuck, which a retry may not meet.
		p.Status = http.StatusServiceUnavailable
		p.Type = problemType + EUnavailable
		p.Detail = fmt.Sprintf("the request took longer than %s; retry later", s.cfg.RequestTimeout)
		c.Response().Header().Set("Retry-After", "1")
	case errors.Is(err, store.ErrNotFound):
		p.Status = http.StatusNotFound
		p.Type = problemType + ENotFound
		p.Detail = "no such resource"
	case errors.As(err, &he):
		p.Status = he.Code
		switch he.Code {
		case http.StatusNotFound:
			p.Type = problemType + ENotFound
			p.Detail = "no route for " + req.URL.Path
		case http.StatusMethodNotAllowed:
			p.Type = problemType + "method_not_allowed"
			p.Detail = req.Method + " is not allowed on " + req.URL.Path
		default:
			p.Type = problemType + EInvalid
			if m, ok := he.Message.(string); ok {
				p.Detail = m
			} else {
				p.Detail = http.StatusText(he.Code)
			}
		}
		if he.Code >= 500 {
			p.Type = problemType + EInternal
			p.Detail = "internal error"
		}
	default:
		p.Status = http.StatusInternalServerError
		p.Type = problemType + EInternal
		p.Detail = "internal error"
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	p.Title = http.StatusText(p.Status)
	p.Detail = clip(p.Detail, maxDetailBytes)
	path := clip(req.URL.Path, maxEchoBytes)
	if p.Status >= 500 {
		s.log.ErrorContext(req.Context(), "request failed", "method", req.Method, "path", path, "status", p.Status, "err", err)
	} else {
		s.log.WarnContext(req.Context(), "request rejected", "method", req.Method, "path", path, "status", p.Status, "err", clip(err.Error(), maxDetailBytes))
	}
	writeProblem(c, p)
}

func writeProblem(c echo.Context, p api.Problem) {
	h := c.Response().Header()
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Del("Content-Length") // a handler's, for the body the problem replaces
	h.Set("Cache-Control", "no-store")
	// Set, not left to Blob, which keeps a type already set (the file's,
	// or ServeContent's text/plain).
	h.Set(echo.HeaderContentType, "application/problem+json")
	body, _ := api.Encode(p)
	if c.Request().Method == http.MethodHead {
		c.Response().WriteHeader(p.Status)
		return
	}
	_ = c.Blob(p.Status, "application/problem+json", body)
}

// A problem repeats parts of the request (its path, a query value); a
// request of a megabyte must not get an answer of two. maxEchoBytes bounds
// the path a problem and a log line carry, maxDetailBytes a detail, which
// is a short sentence around whatever it quotes.
const (
	maxEchoBytes   = 256
	maxDetailBytes = 1024
)

// clip shortens s to at most n bytes and an ellipsis, cutting between
// characters so that the result stays valid UTF-8.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.ToValidUTF8(s[:i], "") + "…"
}
