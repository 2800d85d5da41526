package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// shutdownGrace bounds how long in-flight requests may take after a signal.
const shutdownGrace = 10 * time.Second

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o options
	fs := newFlags("serve", stderr, getenv, &o)
	fs.StringVar(&o.addr, "addr", envDefault(getenv, "GEUL_ADDR", ":8080"), "listen address (GEUL_ADDR)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, pos)
	}
	log := newLogger(stderr, getenv)
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()

	srv := server.New(st, log, server.Config{CacheControl: getenv("GEUL_CACHE_CONTROL")})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.addr, err)
	}
	hs := srv.HTTPServer(o.addr)
	fmt.Fprintf(stdout, "geul listening on http://%s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	// The first index runs while the server already answers /healthz and a 503
	// on /readyz.
	ix := index.New(o.content, st, log)
	sum, err := ix.Run(ctx)
	if err != nil {
		_ = hs.Close()
		return err
	}
	logSummary(log, sum)
	srv.SetLanguages(sum.Languages)
	srv.SetReady()

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
