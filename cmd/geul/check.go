package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/index"
)

// runCheck validates the content folder the way the indexer reads it (names,
// front matter, site and category files, bodies rendered within the
// rendering budget, posts assembled from their language files) without a
// database or a server, for a content repository's CI. It
// exits 0 when the content is clean and 1 with every problem otherwise.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := loadConfig(getenv)
	fs := newFlags("check", stderr)
	c.contentFlag(fs, "content folder")
	format := fs.String("format", "text", "output: text (file:line: reason lines) or json (an array of {file, line, reason, message}, as GET /admin/status lists them)")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: check takes no arguments, got %q", errUsage, pos)
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("%w: unknown --format %q: text or json", errUsage, *format)
	}
	res, err := index.Check(ctx, c.content)
	if err != nil {
		return err
	}
	if *format == "json" {
		// The shape GET /admin/status gives content errors, so that one
		// tool reads both.
		out := make([]api.ContentError, len(res.Errors))
		for i, e := range res.Errors {
			out[i] = e.API()
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("check: %w", err)
		}
	} else {
		for _, e := range res.Errors {
			fmt.Fprintln(stdout, e.Error())
		}
		verdict := "ok"
		if n := res.ErrorCount(); n > 0 {
			verdict = fmt.Sprintf("%d error", n)
			if n > 1 {
				verdict += "s"
			}
		}
		if w := len(res.Errors) - res.ErrorCount(); w > 0 {
			verdict += fmt.Sprintf(", %d warning", w)
			if w > 1 {
				verdict += "s"
			}
		}
		fmt.Fprintf(stdout, "checked %d files, %d posts: %s\n", res.Files, res.Posts, verdict)
	}
	if res.ErrorCount() > 0 {
		return errSilent
	}
	return nil
}
