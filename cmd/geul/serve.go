package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/geul-dev/geul/internal/feeds"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/watch"
)

// defaultAddr is where geul serve listens unless told otherwise: this machine
// only, so an author's make run is not open to the network.
const defaultAddr = "127.0.0.1:8080"

// shutdownGrace bounds how long in-flight requests may take after a signal.
const shutdownGrace = 10 * time.Second

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o options
	fs := newFlags("serve", stderr, getenv, &o)
	fs.StringVar(&o.addr, "addr", envDefault(getenv, "GEUL_ADDR", defaultAddr), "listen address (GEUL_ADDR); :8080 listens on every interface")
	watchContent := fs.Bool("watch", envBool(getenv, "GEUL_WATCH"), "re-index when content files change (GEUL_WATCH=1)")
	var rep replicaFlags
	rep.add(fs, getenv)
	// Links of the feeds and the sitemap; see internal/server/feeds.go.
	var links server.Config
	fs.StringVar(&links.BaseURL, "base-url", getenv("GEUL_BASE_URL"), "public site address for feed and sitemap links (GEUL_BASE_URL; else site.yaml's baseURL, else the request's host)")
	fs.StringVar(&links.PostURL, "post-url", getenv("GEUL_POST_URL"), "public post link with {base} {lang} {slug} {category} {name} (GEUL_POST_URL; default "+feeds.DefaultPostURL+")")
	fs.StringVar(&links.CategoryURL, "category-url", getenv("GEUL_CATEGORY_URL"), "public category link with {base} {lang} {category} (GEUL_CATEGORY_URL; default "+feeds.DefaultCategoryURL+")")
	proxies := fs.String("trusted-proxies", getenv("GEUL_TRUSTED_PROXIES"), "comma-separated CIDRs of proxies whose X-Forwarded-For/Forwarded name the client (GEUL_TRUSTED_PROXIES; default none: the peer is the client)")
	perClientFlag := fs.String("events-per-client", envDefault(getenv, "GEUL_EVENTS_PER_CLIENT", strconv.Itoa(server.DefaultEventsPerClient)), "open /events streams allowed per client address (GEUL_EVENTS_PER_CLIENT)")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, pos)
	}
	trusted, err := server.ParseTrustedProxies(*proxies)
	if err != nil {
		return fmt.Errorf("%w: --trusted-proxies: %v", errUsage, err)
	}
	perClient, err := strconv.Atoi(*perClientFlag)
	if err != nil || perClient < 1 {
		return fmt.Errorf("%w: --events-per-client %q: want a whole number from 1", errUsage, *perClientFlag)
	}
	if err := server.CheckLinks(links); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := rep.check(*watchContent); err != nil {
		return err
	}
	cacheBytes, err := envMiB(getenv, "GEUL_POST_CACHE_MB", store.DefaultPostCacheBytes)
	if err != nil {
		return err
	}
	spillBytes, err := envMiB(getenv, "GEUL_POST_SPILL_MB", store.DefaultPostSpillBytes)
	if err != nil {
		return err
	}
	// A line per request: written by one goroutine in batches, none lost
	// (see server.LogWriter), the last of them when serve returns.
	logOut := server.NewLogWriter(stderr, server.DefaultLogQueueBytes)
	defer logOut.Close()
	log := newLoggerTo(logOut, stderr, getenv)
	cfg := server.Config{CacheControl: getenv("GEUL_CACHE_CONTROL"),
		CORSOrigins: splitList(getenv("GEUL_CORS_ORIGINS")),
		AdminToken:  adminToken(getenv, log),
		BaseURL:     links.BaseURL, PostURL: links.PostURL, CategoryURL: links.CategoryURL,
		TrustedProxies: trusted, EventsPerClient: perClient}
	if rep.readOnly {
		return serveReplica(ctx, o, rep, cfg, cacheBytes, log, stdout)
	}
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	st.SetPostCacheBytes(cacheBytes)
	st.SetPostSpillBytes(spillBytes)

	// Every index run of serve goes through runs, which reports it to the server.
	runs := &indexRuns{ix: index.New(o.content, st), dir: o.content, st: st, log: log}
	// Bundle files' URLs in posts' html start with the same base as feed links.
	runs.ix.SetBaseURL(links.BaseURL)
	cfg.Reindexer = runs
	cfg.ContentDir = o.content
	srv := server.New(st, log, cfg)
	runs.srv = srv
	if rep.publish != "" {
		// Publishing ends before the store closes (deferred above).
		runs.pub = startPublisher(ctx, st, rep.publish, log)
		defer runs.pub.stop()
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.addr, err)
	}
	hs := srv.HTTPServer(o.addr)
	fmt.Fprintf(stdout, "geul listening on http://%s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	// Watching starts before the first index, so that a file saved while it
	// runs is indexed right after.
	var w *watch.Watcher
	if *watchContent {
		if w, err = watch.New(o.content, watch.Options{Log: log}); err != nil {
			_ = hs.Close()
			return err
		}
		defer w.Close()
	}

	// The first index runs while the server already answers /healthz and a 503
	// on /readyz. A signal during it stops the server like any other.
	first, err := runs.Run(ctx)
	if err != nil && ctx.Err() == nil {
		_ = hs.Close()
		return err
	}
	if ctx.Err() == nil {
		srv.SetReady()
	}
	if w != nil {
		// Runs the watcher starts come once the folder has been quiet; a file
		// modified within half that time is still being written, and waits for
		// the next run. The first index reads every file however fresh (a file
		// changing while it is read is still caught), so that ready means
		// the whole folder as it stood is served.
		runs.ix.SetSettleAge(watch.DefaultQuiet / 2)
	}

	// The watcher stops with ctx, after its run in progress rolls back or
	// commits, and before the store closes.
	if w != nil {
		wctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = w.Run(wctx, reindexOnChange(runs, log))
		}()
		defer func() { stop(); <-done }()
		if len(first.Unsettled) > 0 {
			// Files still being written when the first index read them.
			w.Trigger()
		}
		log.Info("watching for changes", "content", o.content, "folders", len(w.Watched()))
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutdown(hs, log)
}

// shutdown stops accepting and waits for in-flight requests, up to
// shutdownGrace.
func shutdown(hs *http.Server, log *slog.Logger) error {
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// splitList reads a comma-separated setting; empty items are dropped.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// envMiB reads a size in MiB from the environment variable name, def bytes
// when it is unset.
func envMiB(getenv func(string) string, name string, def int64) (int64, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	mb, err := strconv.Atoi(v)
	if err != nil || mb < 0 {
		return 0, fmt.Errorf("%w: %s=%q: want a number of MiB", errUsage, name, v)
	}
	return int64(mb) << 20, nil
}
