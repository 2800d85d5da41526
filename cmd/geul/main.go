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
	// geul serve holds little besides what the index remembers of every file
	// and a cache of payloads: a tighter garbage collector keeps its memory
	// close to that (on 10,000 posts, under 150 MiB rather than over 200).
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
