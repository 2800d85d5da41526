package main

import (
	"context"
	"log/slog"

	"github.com/geul-dev/geul/internal/watch"
)

// reindexOnChange is what `geul serve --watch` does after a burst of changes:
// one incremental run through runs (which tells the server and its event
// clients, and checkpoints) over the paths the watcher names, or over
// everything when it cannot name them. A file still being written asks for
// another run, which looks at it again; a post whose rendering the run left
// to the background asks, through ready, for a run over it once done.
func reindexOnChange(runs *indexRuns, log *slog.Logger, ready func(path string)) watch.Func {
	var unsettled []string // left by the last run, for the next
	return func(ctx context.Context, changed []string) (bool, error) {
		log.Debug("content changed", "paths", changed)
		if changed != nil {
			changed = append(changed, unsettled...)
		}
		sum, err := runs.RunWatched(ctx, changed, ready)
		if err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, err
		}
		unsettled = sum.Unsettled
		if len(sum.Unsettled) > 0 {
			log.Info("files still being written; indexing them again shortly", "files", sum.Unsettled)
		}
		if len(sum.Deferred) > 0 {
			log.Info("files still rendering; indexing them once done", "files", sum.Deferred)
		}
		return len(sum.Unsettled) > 0, nil
	}
}
