// Package server is geul's HTTP API: echo routes over the store. Handlers know
// nothing of files; every answer comes from the index.
package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"
)

// Config is what the server needs besides the store.
type Config struct {
	// ContentDir is the content folder, read only by the author's preview
	// for the files beside a post; empty on a server of a release.
	ContentDir string
	// CacheControl is sent with every public GET response.
	CacheControl string
	// RequestTimeout bounds each request; it is longer than the store's busy timeout.
	RequestTimeout time.Duration
	// CORSOrigins may read the public API from a browser: "*" (the default)
	// for any origin, else exact origins such as https://blog.example.
	CORSOrigins []string
	// BaseURL, PostURL and CategoryURL shape the absolute links of the feeds
	// and the sitemap; see feeds.go for the templates and the precedence.
	BaseURL, PostURL, CategoryURL string
	// AdminToken is the bearer token of the /admin routes; empty leaves them
	// unmounted (404). See admin.go.
	AdminToken string
	// Reindexer runs POST /admin/reindex; nil answers 503.
	Reindexer Reindexer
	// EventHeartbeat is how often an idle /events stream gets a comment
	// (DefaultEventHeartbeat when 0).
	EventHeartbeat time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For or Forwarded
	// header names the client; see clientip.go. None: the peer is the client.
	TrustedProxies []*net.IPNet
	// EventsPerClient bounds the /events streams of one client address
	// (DefaultEventsPerClient when 0); see events.go.
	EventsPerClient int
	// Health is shared by the servers of one process, over one database
	// after another; NewHealth's when nil. See runhealth.go.
	Health *Health
}

// DefaultCacheControl lets clients reuse an answer for a minute and shared
// caches (a CDN, nginx in front of replicas) for five; both may serve it stale
// for ten minutes while they revalidate, and for a day while geul fails.
// Shared caches purge by the cache keys (cachekeys.go) sooner than that.
const DefaultCacheControl = "public, max-age=60, s-maxage=300, stale-while-revalidate=600, stale-if-error=86400"

// Server serves the index.
type Server struct {
	store   *store.Store
	log     *slog.Logger
	cfg     Config
	echo    *echo.Echo
	ready   atomic.Bool
	state   atomic.Pointer[served] // the site and release served; see Publish
	stateMu sync.Mutex             // serializes Publish's swaps
	reprs   *reprCache             // validators and compressed forms of built answers
	stored  *storedHeaders         // headers of stored posts; see storedheaders.go
	// cacheControl is cfg.CacheControl as a header value.
	cacheControl []string
	feeds        feedCache // site settings and rendered feeds; see feeds.go

	metrics   *metrics    // see metrics.go
	events    *Hub        // /events clients; see events.go
	pubMu     sync.Mutex  // serializes announcing generations
	published int64       // the last generation announced, -1 before the first
	guard     *adminGuard // nil when /admin is not mounted; see admin.go
}

// New returns a server over st. It answers 503 on /readyz until SetReady.
func New(st *store.Store, log *slog.Logger, cfg Config) *Server {
	return newServer(st, log, cfg, nil)
}

// newServer is New with metrics shared with other servers (a Replica's, one
// per release), or its own when m is nil.
func newServer(st *store.Store, log *slog.Logger, cfg Config, m *metrics) *Server {
	if cfg.CacheControl == "" {
		cfg.CacheControl = DefaultCacheControl
	}
	if len(cfg.CORSOrigins) == 0 {
		cfg.CORSOrigins = []string{"*"}
	}
	if cfg.Health == nil {
		cfg.Health = NewHealth()
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	s := &Server{store: st, log: withRequestID(log), cfg: cfg, reprs: newReprCache(),
		stored: newStoredHeaders(), cacheControl: []string{cfg.CacheControl}, events: NewHub(), published: -1}
	s.metrics = m
	if m == nil {
		s.metrics = newMetrics(func() float64 { return float64(s.events.Clients()) })
	}
	s.initFeeds()
	s.state.Store(&served{site: site.New(0, content.DefaultSite(), nil)})
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	s.echo = e
	s.routes()
	return s
}

// site is the snapshot of the site served.
func (s *Server) site() *site.Snapshot { return s.state.Load().site }

func (s *Server) languages() []string { return s.site().Languages() }

// SetReady marks the first index as complete.
func (s *Server) SetReady() { s.ready.Store(true) }

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// HTTPServer returns an http.Server for the handler with every timeout set, so a
// slow or stalled client cannot hold a connection forever.
func (s *Server) HTTPServer(addr string) *http.Server {
	hs := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      s.cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.Background() },
	}
	// Shutdown waits for active connections; event streams never end by
	// themselves, so they are ended here.
	hs.RegisterOnShutdown(s.events.Close)
	return hs
}

// Events is the hub of the /events clients.
func (s *Server) Events() *Hub { return s.events }
