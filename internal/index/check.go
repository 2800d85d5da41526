package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown"
)

// CheckReport is what Check found.
type CheckReport struct {
	Files, Posts int
	// Errors are every problem, warnings among them, sorted by file and line.
	Errors []*content.Error
}

// ErrorCount is the number of Errors that are not warnings: warnings alone
// leave the content clean.
func (r CheckReport) ErrorCount() int { return Summary{Errors: r.Errors}.ErrorCount() }

// Check reads the content folder dir the way a run does (scan, read, parse,
// render within the budget, assemble the posts) on the run's worker pool,
// with nothing written: no store, for geul check. The error is for dir
// itself being unreadable.
func Check(ctx context.Context, dir string) (CheckReport, error) {
	var rep CheckReport
	root, err := os.OpenRoot(dir)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", dir, err)
	}
	defer root.Close()
	fsys := root.FS()
	add := func(err error) {
		var ce *content.Error
		if errors.As(err, &ce) {
			rep.Errors = append(rep.Errors, ce)
			return
		}
		rep.Errors = append(rep.Errors, &content.Error{Reason: err.Error()})
	}

	// site.yaml decides the languages, which the scan needs; a broken one is
	// reported and the default languages are checked against.
	site := content.DefaultSite()
	if _, err := fs.Stat(fsys, content.SiteFile); err == nil {
		rep.Files++
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
	rep.Errors = append(rep.Errors, scanErrs...)
	bundles := bundleNames(entries)
	entries = slices.DeleteFunc(entries, func(e content.Entry) bool {
		return e.Kind == content.KindSite || e.Kind == content.KindBundleFile
	})
	rep.Files += len(entries)

	ix := &Indexer{dir: dir, md: markdown.New(), workers: runtime.NumCPU()}
	files := make([]*content.File, len(entries))
	errs := make([]error, len(entries))
	warns := make([][]*content.Error, len(entries))
	ix.parallel(ctx, len(entries), func(i int) {
		files[i], warns[i], errs[i] = ix.checkEntry(fsys, entries[i], bundles)
	})
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("check %s: %w", dir, err)
	}
	for i, err := range errs {
		if err != nil {
			add(err)
		}
		rep.Errors = append(rep.Errors, warns[i]...)
	}
	files = slices.DeleteFunc(files, func(f *content.File) bool { return f == nil })
	posts, aerrs := content.Assemble(site, files)
	rep.Errors = append(rep.Errors, aerrs...)
	rep.Posts = len(posts)
	sortErrors(rep.Errors)
	return rep, nil
}

// bundleNames are the names of every bundle's files by post id: what the
// bundle's posts may link to. The scan checked the files (size, symlinks);
// nothing in them is parsed.
func bundleNames(entries []content.Entry) map[string]map[string]bool {
	bundles := map[string]map[string]bool{}
	for _, e := range entries {
		if id, name, ok := content.BundleFileOf(e.Path); ok && e.Kind == content.KindBundleFile {
			if bundles[id] == nil {
				bundles[id] = map[string]bool{}
			}
			bundles[id][name] = true
		}
	}
	return bundles
}

// checkEntry reads and parses one category or post file; a post is rendered
// as a run renders it, budget included, so that check reports what a run
// would. Only a post's front matter is kept, for assembling.
func (ix *Indexer) checkEntry(fsys fs.FS, e content.Entry, bundles map[string]map[string]bool) (*content.File, []*content.Error, error) {
	data, err := content.ReadFile(fsys, e.Path)
	if err != nil {
		return nil, nil, err
	}
	if e.Kind == content.KindCategory {
		_, err := content.ParseCategory(e.Path, data)
		return nil, nil, err
	}
	if e.Kind != content.KindPost {
		return nil, nil, nil
	}
	var inBundle func(string) bool
	if id, ok := bundleIndexOf(e.Path); ok {
		names := bundles[id]
		inBundle = func(name string) bool { return names[name] }
	}
	f, ws, err := CheckPost(ix.md, e.Path, data, inBundle)
	if err != nil {
		return nil, nil, err
	}
	f.Body = nil
	return f, ws, nil
}

// bundleIndexOf is the post id of a bundle's index.<lang>.md path.
func bundleIndexOf(p string) (string, bool) {
	dir, file := path.Split(p)
	if !strings.HasPrefix(file, "index.") || strings.Count(dir, "/") != 2 {
		return "", false
	}
	return strings.TrimSuffix(dir, "/"), true
}
