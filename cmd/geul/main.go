// Command geul indexes a folder of markdown posts into SQLite and serves them as
// JSON. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// geul serve holds little besides a cache of payloads and, while an index
	// run may come (--watch, /admin/reindex), what the index remembers of
	// every file: a tighter garbage collector keeps its memory close to that.
	// GOGC, when set, still decides.
	if len(os.Args) > 1 && os.Args[1] == "serve" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if err != errSilent {
			fmt.Fprintln(os.Stderr, "geul:", err)
		}
		os.Exit(exitCode(err))
	}
}
