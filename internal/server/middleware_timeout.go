package server

import (
	"context"

	"github.com/labstack/echo/v4"
)

// requestTimeout bounds every request so a stuck query cannot hold a client.
func (s *Server) requestTimeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Path() == eventsPath {
			return next(c) // a stream lasts as long as its client
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
