package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

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
	c, set, err := serveConfig(args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	// A line per request: written by one goroutine in batches, none lost
	// (see server.LogWriter), the last of them when serve returns.
	logOut := server.NewLogWriter(stderr, server.DefaultLogQueueBytes)
	defer logOut.Close()
	log := newLoggerTo(logOut, stderr, c.level())
	c.warnAdminToken(log)
	cfg := set.server
	if c.readOnly {
		return serveReplica(ctx, c, cfg, set.cacheBytes, log, stdout)
	}
	cfg.Health = server.NewHealth()
	st, err := openWritable(ctx, c.db)
	if errors.Is(err, errServeReadOnly) {
		// An index that cannot be written is still served; see faults.go.
		log.Error("serving the index read-only: index runs are off", "err", err)
		cfg.Health.SetStorage(err.Error(), true)
		c.readOnly = true
		return serveReplica(ctx, c, cfg, set.cacheBytes, log, stdout)
	}
	if err != nil {
		return err
	}
	if st.Rebuilt() {
		log.Warn(rebuiltNote, "db", c.db)
	}
	return serveWritable(ctx, c, set, cfg, st, log, stdout)
}

// serveConfig reads serve's flags over the environment.
func serveConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) (*config, serveSettings, error) {
	c := loadConfig(getenv)
	fs := newFlags("serve", stderr)
	c.serveFlags(fs)
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return nil, serveSettings{}, err
	}
	if len(pos) > 0 {
		return nil, serveSettings{}, fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, pos)
	}
	set, err := c.serve()
	if err != nil {
		return nil, serveSettings{}, err
	}
	return c, set, nil
}

// newIndexRuns makes the indexRuns of a serve that writes st. Its indexers
// wait for files to settle for as long as settle says, in nanoseconds.
func newIndexRuns(ctx context.Context, c *config, set serveSettings, health *server.Health, st *store.Store, log *slog.Logger, settle *atomic.Int64) *indexRuns {
	tune := func(st *store.Store) {
		st.SetPostCacheBytes(set.cacheBytes)
		st.SetPostSpillBytes(set.spillBytes)
		if err := st.SetMaxBytes(ctx, set.dbMaxBytes); err != nil {
			log.Warn("GEUL_DB_MAX_MB not applied", "err", err)
		}
	}
	tune(st)
	newIndexer := func(st *store.Store) *index.Indexer {
		ix := index.New(c.content, st)
		// Bundle files' URLs in posts' html start with the same base as feed links.
		ix.SetBaseURL(c.baseURL)
		ix.SetSettleAge(time.Duration(settle.Load()))
		return ix
	}
	return &indexRuns{ix: newIndexer(st), dir: c.content, st: st, log: log,
		health: health, newIndexer: newIndexer, tune: tune, bg: ctx}
}

// serveWritable serves st and keeps it indexed: a first index, then one
// after each change where watching is on.
func serveWritable(ctx context.Context, c *config, set serveSettings, cfg server.Config, st *store.Store, log *slog.Logger, stdout io.Writer) error {
	var settle atomic.Int64 // see SetSettleAge below
	// Every index run of serve goes through runs, which reports it to the server.
	runs := newIndexRuns(ctx, c, set, cfg.Health, st, log, &settle)
	cfg.Reindexer = runs
	cfg.ContentDir = c.content
	live := server.NewLive(st, log, cfg)
	defer live.Close()
	srv := live.Server()
	runs.srv, runs.live = srv, live
	defer runs.wg.Wait()
	if c.publish != "" {
		// Publishing ends before the store closes (deferred above).
		runs.pub = startPublisher(ctx, st, c.publish, log)
		defer runs.pub.stop()
	}
	hs, serveErr, err := listen(c.addr, live, stdout)
	if err != nil {
		return err
	}

	// Watching starts before the first index, so that a file saved while it
	// runs is indexed right after.
	var w *watch.Watcher
	if c.watch {
		if w, err = watch.New(c.content, watch.Options{Log: log}); err != nil {
			_ = hs.Close()
			return err
		}
		defer w.Close()
	}

	// Nothing runs the indexer again when there is neither a watcher nor
	// POST /admin/reindex: the first run may skip working out posts when no
	// file changed, and what it remembers is dropped once it is done.
	once := w == nil && cfg.AdminToken == ""
	if once {
		runs.ix.SetSkipUnchanged(true)
	}
	// The first index runs while the server already answers /healthz and a 503
	// on /readyz. A signal during it stops the server like any other.
	first, err := runs.Run(ctx)
	if err != nil && ctx.Err() == nil && !serveAsItWas(ctx, srv, st, log, err) {
		_ = hs.Close()
		return err
	}
	if ctx.Err() == nil {
		srv.SetReady()
	}
	if once {
		// What the indexer remembers of every file and post would only
		// weigh on the server's memory.
		runs.forget()
	}
	if w != nil {
		// Runs the watcher starts come once the folder has been quiet; a file
		// modified within half that time is still being written, and waits for
		// the next run. The first index reads every file however fresh (a file
		// changing while it is read is still caught), so that ready means
		// the whole folder as it stood is served.
		settle.Store(int64(watch.DefaultQuiet / 2))
		runs.ix.SetSettleAge(watch.DefaultQuiet / 2)
		defer watchChanges(ctx, w, runs, first, c.content, log)()
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutdown(hs, log)
}

// listen starts live's HTTP server on addr; its error, once it stops, comes
// on serveErr.
// httpServing is what listen serves: an indexing server (server.Live) or a
// read-only one (server.Replica).
type httpServing interface {
	HTTPServer(addr string) *http.Server
}

func listen(addr string, live httpServing, stdout io.Writer) (hs *http.Server, serveErr <-chan error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	hs = live.HTTPServer(addr)
	fmt.Fprintf(stdout, "geul listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	return hs, errc, nil
}

// watchChanges indexes after each change w reports until ctx is done or the
// returned stop is called; stop returns after the run in progress rolls back
// or commits, so call it before the store closes.
func watchChanges(ctx context.Context, w *watch.Watcher, runs *indexRuns, first index.Summary, content string, log *slog.Logger) (stop func()) {
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(wctx, reindexOnChange(runs, log, func(path string) { w.Changed(path) }))
	}()
	if len(first.Unsettled) > 0 {
		// Files still being written when the first index read them.
		w.Trigger()
	}
	log.Info("watching for changes", "content", content, "folders", len(w.Watched()))
	return func() {
		cancel()
		<-done
		runs.waitRenders()
	}
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
