package server

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
)

// routes lists every endpoint geul serves: this function is the one place a
// route is registered. The handlers' files carry their documentation.
func (s *Server) routes() {
	e := s.echo
	// Outermost: every request gets its id and deadline first, and is
	// counted and logged with the status actually sent. represent is last:
	// it buffers what handlers write, so that it runs inside the panic
	// recovery and after CORS has named its headers.
	e.Use(chain(s.requestContext, s.observe, s.recoverPanic, s.commonHeaders, s.cors(), s.cacheKeys, s.represent))

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
	// A stream's HEAD is its own handler: it must not open a stream.
	e.GET(eventsPath, s.handleEvents)
	e.HEAD(eventsPath, s.handleEventsHead)
	// An author's page of a post, drafts included: preview.go.
	s.get(previewPath, s.handlePreview, s.previewAuth)
	s.get(previewPath+"/*", s.handlePreviewFile, s.previewAuth)
	// The API's description, the OpenAPI document and Swagger UI over it: docs.go.
	s.get("/openapi.yaml", s.handleOpenAPIYAML)
	s.get("/openapi.json", s.handleOpenAPIJSON)
	s.get("/docs", s.handleDocs)
	s.get("/docs/", s.handleDocsInDir)
	// A parameter, not a wildcard: echo's wildcard routes change how it
	// answers a wrong method elsewhere (404 instead of 405).
	s.get("/docs/:file", s.handleDocsFile)

	// Operators' routes, mounted only with a token (without one there is
	// nothing to guess at, and they answer 404 like any unknown path): admin.go.
	if s.cfg.AdminToken != "" {
		s.guard = newAdminGuard(s.cfg.AdminToken)
		// A group with middleware catches every path under it, so the token
		// is asked for before anything about /admin is told.
		g := e.Group("/admin", s.adminAuth)
		route(g, "/status", map[string]echo.HandlerFunc{
			http.MethodGet:  s.handleAdminStatus,
			http.MethodHead: s.handleAdminStatus, // every GET answers HEAD (see get)
		})
		route(g, "/reindex", map[string]echo.HandlerFunc{http.MethodPost: s.handleAdminReindex})
	}
}

// chain is the middleware of every request, composed once. echo composes
// its middleware around the matched handler on every request, a closure per
// middleware; the chain ends in the handler the router matched instead
// (c.Handler(): a route's, or the 404 or 405 one), so echo's composition is
// only the return of this one function.
func chain(mw ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	h := func(c echo.Context) error { return c.Handler()(c) }
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return func(echo.HandlerFunc) echo.HandlerFunc { return h }
}

// get registers h for GET and HEAD: echo v4 answers HEAD only where a route
// asks for it, and every GET of geul must answer HEAD. Register every GET
// route through it.
func (s *Server) get(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	s.echo.GET(path, h, m...)
	s.echo.HEAD(path, h, m...)
}

// methodNotAllowedRoute names the routes that only answer 405: they are no
// part of the API (see Routes).
const methodNotAllowedRoute = "method-not-allowed"

// route registers path's handlers by method in g, and a 405 with Allow for
// every other method, as the router answers elsewhere (a group with
// middleware would otherwise catch them).
func route(g *echo.Group, path string, byMethod map[string]echo.HandlerFunc) {
	allowed := slices.Sorted(maps.Keys(byMethod))
	for _, m := range allowed {
		g.Add(m, path, byMethod[m])
	}
	allow := strings.Join(allowed, ", ")
	notAllowed := func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderAllow, allow)
		return echo.ErrMethodNotAllowed
	}
	for _, m := range []string{http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead,
		http.MethodOptions, http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodTrace} {
		if byMethod[m] == nil {
			g.Add(m, path, notAllowed).Name = methodNotAllowedRoute
		}
	}
}

// UndocumentedRoutes are the routes the OpenAPI document leaves out on
// purpose, as "METHOD path" in echo's form: /docs/, which is /docs's page,
// and Swagger UI's own static files, which are no part of the API. The
// contract test holds every other route to the document.
var UndocumentedRoutes = []string{"GET /docs/", "HEAD /docs/", "GET /docs/:file", "HEAD /docs/:file"}

// Route is one registered route: a method and echo's path (":name" for a
// parameter, "*" for the rest).
type Route struct {
	Method, Path string
}

// Routes lists every registered route, sorted, for the contract test.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound || r.Name == methodNotAllowedRoute {
			continue // a group's catch-all for its 404s, or a 405: not routes
		}
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	slices.SortFunc(out, func(a, b Route) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	return slices.Compact(out)
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
