package server

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// serveContent is http.ServeContent (Range, If-Range, If-Match,
// If-Unmodified-Since) with its refusals answered as every error is, a
// problem: ServeContent writes a 416 as text/plain and a 412 with no body.
func serveContent(c echo.Context, name string, modified time.Time, r io.ReadSeeker) error {
	w := &refusalCatcher{ResponseWriter: c.Response()}
	http.ServeContent(w, c.Request(), name, modified, r)
	switch w.status {
	case 0:
		return nil
	case http.StatusRequestedRangeNotSatisfiable:
		// ServeContent's Content-Range (bytes */size), when it sets one,
		// stays: it tells the client the size.
		return &Error{Code: ERange, Message: "cannot serve Range " + clip(c.Request().Header.Get("Range"), maxEchoBytes) + ": malformed, or past the file's end"}
	case http.StatusPreconditionFailed:
		return &Error{Code: EPrecondition, Message: "the file does not meet If-Match or If-Unmodified-Since"}
	default:
		if w.status >= http.StatusInternalServerError {
			return fmt.Errorf("serve file %s: status %d", name, w.status)
		}
		return &Error{Code: EInvalid, Message: http.StatusText(w.status)}
	}
}

// refusalCatcher passes a success through and keeps an error status, with
// its body, from the client.
type refusalCatcher struct {
	http.ResponseWriter
	status int // the error status ServeContent answered, or 0
}

func (w *refusalCatcher) WriteHeader(code int) {
	if code >= http.StatusBadRequest {
		w.status = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *refusalCatcher) Write(b []byte) (int, error) {
	if w.status != 0 {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
