package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
)

// routes lists every endpoint geul serves.
func (s *Server) routes() {
	e := s.echo
	// Outermost: every request gets its id first, and is counted and logged
	// with the status actually sent.
	e.Use(s.requestID, s.observe)
	// represent is last: it buffers what handlers write, so that it runs
	// inside the panic recovery and after CORS has named its headers.
	e.Use(s.recoverPanic, s.requestTimeout, s.commonHeaders, s.cors(), s.cacheKeys, s.represent)

	s.get("/", s.handleIndex)
	s.get("/healthz", s.handleHealthz)
	s.get("/readyz", s.handleReadyz)
	s.get("/posts/:category/:slug", s.handlePost)
	// The images and other files beside a bundle post: bundles.go.
	s.get("/posts/:category/:slug/*", s.handleBundleFile)
	// Lists.
	s.get("/posts", s.handleListPosts)
	s.get("/categories", s.handleCategories)
	s.get("/categories/:category", s.handleCategory)
	s.get("/tags", s.handleTags)
	s.get("/tags/:tag", s.handleTag)
	// Full-text search: search.go.
	s.get("/search", s.handleSearch)
	// Feeds and the sitemap, for readers and search engines: feeds.go, sitemap.go.
	s.get("/feed.xml", s.handleRSS)
	s.get("/atom.xml", s.handleAtom)
	s.get("/feed.json", s.handleJSONFeed)
	s.get("/sitemap.xml", s.handleSitemap)
	// The stylesheet of highlighted code in post html: highlight.go.
	s.get("/highlight.css", s.handleHighlightCSS)
	// Operations and change feeds: metrics.go, changes.go, events.go.
	s.get("/metrics", s.handleMetrics)
	s.get("/changes", s.handleChanges)
	e.GET(eventsPath, s.handleEvents)
	e.HEAD(eventsPath, s.handleEventsHead)
	// An author's page of a post, drafts included: preview.go.
	s.get(previewPath, s.handlePreview, s.previewAuth)
	s.get(previewPath+"/*", s.handlePreviewFile, s.previewAuth)
	// Mounted only with a token: admin.go.
	s.adminRoutes()
	// The API's description: docs.go.
	s.docsRoutes()
}

// get registers h for GET and HEAD: echo v4 answers HEAD only where a route
// asks for it, and every GET of geul must answer HEAD. Register every GET
// route through it.
func (s *Server) get(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	s.echo.GET(path, h, m...)
	s.echo.HEAD(path, h, m...)
}

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

// recoverPanic turns a panic into a generic 500; the stack goes to the log only.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.ErrorContext(c.Request().Context(), "panic", "panic", r, "path", c.Request().URL.Path)
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

// handleHealthz godoc
//
//	@Summary		Liveness
//	@Description	Answers as soon as the process serves HTTP, before the first index is complete.
//	@Tags			meta
//	@ID				getHealthz
//	@Produce		json
//	@x-uncached		true
//	@Success		200	{object}	api.Health
//	@Router			/healthz [get]
func (s *Server) handleHealthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, api.Health{Status: "ok"})
}

// handleReadyz godoc
//
//	@Summary		Readiness
//	@Description	Ready once the first index is complete; until then a 503 problem with Retry-After. release names the release served (its content hash). detail, when present, says what is wrong while the last good index is served: index runs failing, the database file deleted or replaced, the index served read-only.
//	@Tags			meta
//	@ID				getReadyz
//	@Produce		json
//	@x-uncached		true
//	@Success		200	{object}	api.Health
//	@Failure		503	{object}	api.Problem
//	@Router			/readyz [get]
func (s *Server) handleReadyz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if !s.ready.Load() {
		// Written here, not returned: a load balancer polls this while geul
		// starts, and that is no error worth a log line.
		c.Response().Header().Set("Retry-After", "1")
		writeProblem(c, api.Problem{Type: problemType + EUnavailable, Title: http.StatusText(http.StatusServiceUnavailable),
			Status: http.StatusServiceUnavailable, Detail: "the first index is still running", Instance: c.Request().URL.Path})
		return nil
	}
	return c.JSON(http.StatusOK, api.Health{Status: "ready", Release: s.release().Hash, Detail: s.readyDetail()})
}
