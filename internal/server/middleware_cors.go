package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// cors answers CORS for the public read API: GET and HEAD from the configured
// origins, preflight included. Admin routes never carry CORS headers, so a
// browser on another origin cannot call them.
func (s *Server) cors() echo.MiddlewareFunc {
	full := middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper:      func(c echo.Context) bool { return isAdminPath(c.Request().URL.Path) },
		AllowOrigins: s.cfg.CORSOrigins,
		AllowMethods: []string{http.MethodGet, http.MethodHead},
		AllowHeaders: []string{"Accept", "Accept-Language", "If-None-Match", "If-Modified-Since"},
		// What a browser client reads: the validators, the pages of a list,
		// the language served, the id to quote in a bug report, and when to
		// retry. Fetch safelists Content-Language and Last-Modified already;
		// they are named anyway for the clients and tools that read the list.
		ExposeHeaders: exposedHeaders,
		MaxAge:        600,
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		withCORS := full(next)
		return func(c echo.Context) error {
			req := c.Request()
			// Most requests are no browser's on another origin: all echo's
			// CORS does for them is name Origin in Vary, done here with a
			// shared value.
			if req.Method != http.MethodOptions && req.Header.Get(echo.HeaderOrigin) == "" && !isAdminPath(req.URL.Path) {
				if h := c.Response().Header(); len(h[echo.HeaderVary]) == 0 {
					h[echo.HeaderVary] = varyOrigin
				} else {
					h.Add(echo.HeaderVary, echo.HeaderOrigin)
				}
				return next(c)
			}
			return withCORS(c)
		}
	}
}

// varyOrigin is the Vary of an answer CORS could have changed.
var varyOrigin = []string{echo.HeaderOrigin}

// exposedHeaders are the response headers a script on another origin may read.
var exposedHeaders = []string{"ETag", "Link", "Content-Language", "Last-Modified", "X-Request-Id", "Retry-After", "Vary"}

func isAdminPath(p string) bool { return p == "/admin" || strings.HasPrefix(p, "/admin/") }
