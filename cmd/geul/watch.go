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
// another run, which looks at it again.
func reindexOnChange(runs *indexRuns, log *slog.Logger) watch.Func {
	var unsettled []string // left by the last run, for the next
	return func(ctx context.Context, changed []string) (bool, error) {
		log.Debug("content changed", "paths", changed)
		if changed != nil {
			changed = append(changed, unsettled...)
		}
		sum, err := runs.RunChanged(ctx, changed)
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
		return len(sum.Unsettled) > 0, nil
	}
}
