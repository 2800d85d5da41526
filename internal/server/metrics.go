package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routeUnmatched labels requests no route matched, so scanners probing random
// paths cannot grow the label set.
const routeUnmatched = "unmatched"

// metrics are geul's Prometheus metrics, in a registry of their own: several
// servers in one process (tests) never collide, and nothing a library
// registers globally leaks into /metrics.
type metrics struct {
	reg  *prometheus.Registry
	http http.Handler // serves reg

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	indexRuns     *prometheus.CounterVec
	indexDuration prometheus.Histogram
	indexLast     prometheus.Gauge
	generation    prometheus.Gauge
	posts         *prometheus.GaugeVec
	contentErrors prometheus.Gauge

	observerCache sync.Map // observerKey → *requestObservers

	routesOnce sync.Once
	routes     map[string]bool // route templates, to tell unmatched requests apart
}

func newMetrics(eventClients func() float64) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "geul_http_requests_total",
		Help: "HTTP requests answered, by route template, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "geul_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route template and method.",
		// A stored payload is served in well under a millisecond; searches and
		// cold pages take longer.
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route", "method"})
	m.indexRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "geul_index_runs_total",
		Help: "Index runs, by result (ok or error).",
	}, []string{"result"})
	m.indexDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "geul_index_duration_seconds",
		Help:    "Time an index run took.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
	})
	m.indexLast = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "geul_index_last_run_timestamp_seconds",
		Help: "When the last successful index run finished, in unix seconds.",
	})
	m.generation = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "geul_index_generation",
		Help: "The index generation: it moves with every run that changed what is served.",
	})
	m.posts = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "geul_posts",
		Help: "Posts with a body, by language.",
	}, []string{"lang"})
	m.contentErrors = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "geul_content_errors",
		Help: "Content errors found by the last index run.",
	})
	m.reg.MustRegister(
		m.requests, m.latency,
		m.indexRuns, m.indexDuration, m.indexLast, m.generation, m.posts, m.contentErrors,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "geul_events_clients",
			Help: "Clients connected to GET /events.",
		}, eventClients),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	return m
}

// IndexRun is what the server is told of an index run.
type IndexRun struct {
	Err        error // the run failed; nothing of it was committed
	Duration   time.Duration
	Generation int64
	Changed    bool           // the run moved the generation
	Posts      map[string]int // posts with a body, by language
	Errors     int            // content errors
	Touched    int            // post files rendered or deleted: what a preview may show changed
}

func (m *metrics) observeIndex(r IndexRun) {
	m.indexDuration.Observe(r.Duration.Seconds())
	if r.Err != nil {
		m.indexRuns.WithLabelValues("error").Inc()
		return
	}
	m.indexRuns.WithLabelValues("ok").Inc()
	m.indexLast.SetToCurrentTime()
	m.generation.Set(float64(r.Generation))
	m.contentErrors.Set(float64(r.Errors))
	// Reset first so a language dropped from the site stops being reported.
	m.posts.Reset()
	for lang, n := range r.Posts {
		m.posts.WithLabelValues(lang).Set(float64(n))
	}
}

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// route is the request's route template (c.Path()), never the raw URL, whose
// slugs and query strings would make a series per post.
func (m *metrics) route(e *echo.Echo, c echo.Context) string {
	m.routesOnce.Do(func() {
		m.routes = map[string]bool{}
		for _, r := range e.Routes() {
			if r.Method != echo.RouteNotFound {
				m.routes[r.Path] = true
			}
		}
	})
	if p := c.Path(); m.routes[p] {
		return p
	}
	return routeUnmatched
}

// observe counts and times every request, and logs it with its request id.
// It answers errors itself (through the error handler) so the status it
// records is the one sent.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		ctx := c.Request().Context()
		err := next(c)
		// A client that went away is not a failure of ours: there is
		// nobody to answer, and 499 (nginx's "client closed request")
		// keeps it out of the 5xx that alerts watch.
		gone := err != nil && !c.Response().Committed && errors.Is(ctx.Err(), context.Canceled)
		if gone {
			c.Response().Status = statusClientClosed
		} else if err != nil {
			c.Error(err)
		}
		d := time.Since(start)
		req, res := c.Request(), c.Response()
		route := s.metrics.route(s.echo, c)
		method := req.Method
		if !knownMethods[method] {
			method = "OTHER"
		}
		status := res.Status
		o := s.metrics.observers(route, method, status)
		o.requests.Inc()
		o.latency.Observe(d.Seconds())
		level := slog.LevelInfo
		if quietRoutes[route] && status < 400 {
			level = slog.LevelDebug // probes and scrapes every few seconds would drown the log
		}
		if gone {
			level = slog.LevelInfo
		}
		// Attrs, not key-value pairs: those box the numbers, an allocation each.
		s.log.LogAttrs(req.Context(), level, "request", slog.String("method", req.Method),
			slog.String("path", clip(req.URL.Path, maxEchoBytes)), slog.String("route", route),
			slog.Int("status", status), slog.Int64("bytes", res.Size), slog.Duration("duration", d),
			slog.String("remote", req.RemoteAddr))
		return nil
	}
}

// statusClientClosed is logged and counted for a request whose client
// disconnected before the answer; it is never sent.
const statusClientClosed = 499

// requestObservers are the series one kind of request is counted and timed
// in. WithLabelValues hashes its labels and formats the status on every
// call; the observers are looked up once per route, method and status, a set
// the route templates and knownMethods bound.
type requestObservers struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

type observerKey struct {
	route, method string
	status        int
}

func (m *metrics) observers(route, method string, status int) *requestObservers {
	k := observerKey{route, method, status}
	if o, ok := m.observerCache.Load(k); ok {
		return o.(*requestObservers)
	}
	o := &requestObservers{
		requests: m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
		latency:  m.latency.WithLabelValues(route, method),
	}
	got, _ := m.observerCache.LoadOrStore(k, o)
	return got.(*requestObservers)
}

var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// handleMetrics serves the metrics in Prometheus' text format.
//
//	@Summary		Prometheus metrics
//	@Description	Requests by route template and status with latency histograms, index runs and their duration, the generation, posts per language, content errors, SSE clients, and Go runtime and process metrics.
//	@Tags			meta
//	@ID				getMetrics
//	@Produce		plain
//	@x-uncached		true
//	@Success		200	{string}	string	"Prometheus text exposition format"
//	@Router			/metrics [get]
func (s *Server) handleMetrics(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	s.metrics.http.ServeHTTP(c.Response(), c.Request())
	return nil
}
