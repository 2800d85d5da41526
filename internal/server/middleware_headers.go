package server

import "github.com/labstack/echo/v4"

// commonHeaders are sent with every response, errors included.
func (s *Server) commonHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h["X-Content-Type-Options"] = nosniff
		h["Content-Security-Policy"] = contentSecurityPolicy
		return next(c)
	}
}

// The common headers' values, shared by every response (assigned, not Set,
// which would allocate them per request; net/http only reads them).
var (
	nosniff               = []string{"nosniff"}
	contentSecurityPolicy = []string{"default-src 'none'; frame-ancestors 'none'"}
)
