package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/server"
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
	res, err := checkContent(ctx, c.content)
	if err != nil {
		return err
	}
	if *format == "json" {
		// The shape GET /admin/status gives content errors, so that one
		// tool reads both.
		out := make([]api.ContentError, len(res.errs))
		for i, e := range res.errs {
			out[i] = server.APIContentError(e.Path, e.Line, e.Reason, e.Warning)
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("check: %w", err)
		}
	} else {
		for _, e := range res.errs {
			fmt.Fprintln(stdout, e.Error())
		}
		verdict := "ok"
		if n := res.errors(); n > 0 {
			verdict = fmt.Sprintf("%d error", n)
			if n > 1 {
				verdict += "s"
			}
		}
		if w := len(res.errs) - res.errors(); w > 0 {
			verdict += fmt.Sprintf(", %d warning", w)
			if w > 1 {
				verdict += "s"
			}
		}
		fmt.Fprintf(stdout, "checked %d files, %d posts: %s\n", res.files, res.posts, verdict)
	}
	if res.errors() > 0 {
		return errSilent
	}
	return nil
}

// errors counts the problems that are not warnings: warnings alone leave
// the content clean.
func (r checkReport) errors() int {
	n := 0
	for _, e := range r.errs {
		if !e.Warning {
			n++
		}
	}
	return n
}

// bundleIndexOf is the post id of a bundle's index.<lang>.md path.
func bundleIndexOf(p string) (string, bool) {
	dir, file := path.Split(p)
	if !strings.HasPrefix(file, "index.") || strings.Count(dir, "/") != 2 {
		return "", false
	}
	return strings.TrimSuffix(dir, "/"), true
}

type checkReport struct {
	files, posts int
	errs         []*content.Error
}

// checkContent reads every content file under dir and returns every problem,
// sorted by file and line. The error is for dir itself being unreadable.
func checkContent(ctx context.Context, dir string) (checkReport, error) {
	var rep checkReport
	root, err := os.OpenRoot(dir)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", dir, err)
	}
	defer root.Close()
	fsys := root.FS()

	add := func(err error) {
		var ce *content.Error
		if errors.As(err, &ce) {
			rep.errs = append(rep.errs, ce)
			return
		}
		rep.errs = append(rep.errs, &content.Error{Reason: err.Error()})
	}

	// site.yaml decides the languages, which the scan needs; a broken one is
	// reported and the default languages are checked against.
	site := content.DefaultSite()
	if _, err := fs.Stat(fsys, content.SiteFile); err == nil {
		rep.files++
		data, err := content.ReadFile(fsys, content.SiteFile)
		if err == nil {
			site, err = content.ParseSite(data)
		}
		if err != nil {
			add(err)
		}
	}

	entries, scanErrs, err := content.Scan(ctx, fsys, site)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", dir, err)
	}
	rep.errs = append(rep.errs, scanErrs...)
	// Bundle files are checked by the scan (size, symlinks); nothing in
	// them is parsed; their names are what the bundle's posts may link to.
	bundles := map[string]map[string]bool{}
	for _, e := range entries {
		if id, name, ok := content.BundleFileOf(e.Path); ok && e.Kind == content.KindBundleFile {
			if bundles[id] == nil {
				bundles[id] = map[string]bool{}
			}
			bundles[id][name] = true
		}
	}
	entries = slices.DeleteFunc(entries, func(e content.Entry) bool {
		return e.Kind == content.KindSite || e.Kind == content.KindBundleFile
	})
	rep.files += len(entries)

	// Parsing and rendering dominate on a large folder: spread them over
	// the CPUs.
	md := markdown.New()
	files := make([]*content.File, len(entries))
	errs := make([]error, len(entries))
	warns := make([][]*content.Error, len(entries))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := range next {
				e := entries[i]
				data, err := content.ReadFile(fsys, e.Path)
				if err != nil {
					errs[i] = err
					continue
				}
				switch e.Kind {
				case content.KindCategory:
					_, errs[i] = content.ParseCategory(e.Path, data)
				case content.KindPost:
					// Rendered as an index run renders it, budget included,
					// so that check reports what index would.
					var inBundle func(string) bool
					if id, ok := bundleIndexOf(e.Path); ok {
						names := bundles[id]
						inBundle = func(name string) bool { return names[name] }
					}
					f, ws, err := index.CheckPost(md, e.Path, data, inBundle)
					if err != nil {
						errs[i] = err
						continue
					}
					warns[i] = ws
					f.Body = nil // only the front matter is assembled
					files[i] = f
				}
			}
		})
	}
	for i := range entries {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("check %s: %w", dir, err)
	}
	for i, err := range errs {
		if err != nil {
			add(err)
		}
		rep.errs = append(rep.errs, warns[i]...)
	}
	files = slices.DeleteFunc(files, func(f *content.File) bool { return f == nil })
	posts, aerrs := content.Assemble(site, files)
	rep.errs = append(rep.errs, aerrs...)
	rep.posts = len(posts)
	slices.SortStableFunc(rep.errs, func(a, b *content.Error) int {
		if a.Path != b.Path {
			if a.Path < b.Path {
				return -1
			}
			return 1
		}
		return a.Line - b.Line
	})
	return rep, nil
}
