package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// indexed indexes the content folder dir into a new database at db and
// returns a ready server over it; the store closes when the test ends. Content
// errors and warnings fail the test.
func indexed(tb testing.TB, dir, db string) (*store.Store, *server.Server) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sum, err := index.New(dir, st).Run(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if len(sum.Errors) > 0 {
		tb.Fatalf("content errors: %v", sum.Errors)
	}
	// Sealed as geul index and geul serve seal a run: the release carries
	// the posts' cache keys.
	rel, err := st.Seal(ctx, sum.Languages, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	s := server.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Config{})
	s.Publish(ctx, server.Update{Site: sum.Site, Release: rel, Run: server.IndexRun{Generation: sum.Generation, Changed: sum.Changed, Posts: sum.Posts}})
	s.SetReady()
	return st, s
}
