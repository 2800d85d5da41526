package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

func runIndex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := loadConfig(getenv)
	fs := newFlags("index", stderr)
	c.contentFlag(fs, "content folder")
	c.dbFlag(fs)
	c.publishFlag(fs, "also write the release into this folder")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: index takes no arguments, got %q", errUsage, pos)
	}
	if err := store.CheckWritable(c.db); err != nil {
		return err
	}
	index.TuneGC(getenv)
	st, err := store.Open(ctx, c.db)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Rebuilt() {
		fmt.Fprintf(stderr, "geul: %s: %s\n", c.db, rebuiltNote)
	}
	ix := index.New(c.content, st)
	ix.SetSkipUnchanged(true) // no run follows in this process
	bar := newProgressReport(stderr)
	ix.SetProgress(bar.update)
	sum, err := ix.Run(ctx)
	bar.finish()
	if err != nil {
		return err
	}
	// The run is served once it commits; folding it from the WAL into the
	// database file is the rest of the work, seconds after a full index.
	cp := time.Now()
	if err := st.Checkpoint(ctx); err != nil {
		return err
	}
	printSummary(stdout, sum, time.Since(cp))
	rel, err := st.Seal(ctx, sum.Languages, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "release: %s\n", rel.Hash)
	if c.publish != "" {
		path, _, err := st.Publish(ctx, c.publish, store.PublishKeep)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "published: %s\n", path)
	}
	if n := len(sum.Unsettled); n > 0 {
		fmt.Fprintf(stdout, "still being written, left for the next run: %d files\n", n)
	}
	if sum.ErrorCount() > 0 {
		return errSilent // warnings alone fail nothing
	}
	return nil
}

// printSummary writes what an index run did, then every content error as
// file:line: reason, the form editors and CI logs turn into links.
func printSummary(w io.Writer, s index.Summary, checkpoint time.Duration) {
	secs := s.Duration.Seconds()
	rate := 0.0
	if secs > 0 {
		// Posts, not files: a bilingual post is two files.
		rate = float64(s.Total) / secs
	}
	var langs []string
	for l := range s.Posts {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	per := make([]string, len(langs))
	for i, l := range langs {
		per[i] = fmt.Sprintf("%s %d", l, s.Posts[l])
	}
	fmt.Fprintf(w, "indexed %d files: %d read, %d unchanged skipped, %d rendered, %d deleted\n", s.Files, s.Read, s.Unchanged, s.Rendered, s.Deleted)
	if s.Quick {
		fmt.Fprintln(w, "nothing changed since the last run: the index is as it was")
	}
	fmt.Fprintf(w, "posts: %d (%s), %d payloads rebuilt, generation %d\n", s.Total, strings.Join(per, ", "), s.Payloads, s.Generation)
	fmt.Fprintf(w, "time: %.3fs, %.0f posts/s\n", secs, rate)
	fmt.Fprintf(w, "checkpoint: %.3fs\n", checkpoint.Seconds())
	n := s.ErrorCount()
	fmt.Fprintf(w, "errors: %d\n", n)
	if warnings := len(s.Errors) - n; warnings > 0 {
		fmt.Fprintf(w, "warnings: %d\n", warnings)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "  %s\n", e.Error())
	}
}

// logSummary logs an index run, and each content error as a warning.
func logSummary(log *slog.Logger, s index.Summary) {
	log.Info("indexed", "files", s.Files, "read", s.Read, "unchanged", s.Unchanged, "rendered", s.Rendered,
		"deleted", s.Deleted, "deferred", len(s.Deferred), "posts", s.Total, "payloads", s.Payloads, "generation", s.Generation,
		"errors", s.ErrorCount(), "targeted", s.Targeted, "quick", s.Quick, "duration", s.Duration)
	for _, e := range s.Errors {
		what := "content error"
		if e.Warning {
			what = "content warning"
		}
		log.Warn(what, "file", e.Path, "line", e.Line, "reason", e.Reason)
	}
}
