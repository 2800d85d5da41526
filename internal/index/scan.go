package index

import (
	"context"
	"io/fs"
	"maps"
	"slices"
	"sort"

	"github.com/geul-dev/geul/internal/content"
)

// unchangedStat reports whether e has the size and time the index last
// recorded for its file.
func unchangedStat(k *known, e content.Entry) bool {
	return k != nil && k.state.Size == e.Size && k.state.MTime == e.ModTime.UnixNano()
}

// scanAll finds what changed by looking at every file: site.yaml first (it
// decides the languages the scan accepts, so it is read and applied at once),
// then a full content.Scan. It returns the files to read, the known files that
// are gone, and every content file present.
func (ix *Indexer) scanAll(ctx context.Context, fsys fs.FS, next map[string]*known, sum *Summary, apply func(*read), errs *[]*content.Error) (toRead []content.Entry, deleted []string, files map[string]bool, err error) {
	files = map[string]bool{}
	if fi, err := fs.Stat(fsys, content.SiteFile); err == nil {
		files[content.SiteFile] = true
		e := content.Entry{Path: content.SiteFile, Kind: content.KindSite, Size: fi.Size(), ModTime: fi.ModTime()}
		if !unchangedStat(next[e.Path], e) {
			apply(ix.readEntry(fsys, e))
		} else {
			sum.Unchanged++
		}
	}
	entries, scanErrs, err := content.Scan(ctx, fsys, ix.siteOf(next))
	if err != nil {
		return nil, nil, nil, err
	}
	*errs = append(*errs, scanErrs...)
	for _, e := range entries {
		if e.Kind == content.KindSite {
			continue
		}
		files[e.Path] = true
		if unchangedStat(next[e.Path], e) {
			sum.Unchanged++
			continue
		}
		toRead = append(toRead, e)
	}
	// A file that turned bad keeps its last good state.
	bad := map[string]bool{}
	for _, e := range scanErrs {
		bad[e.Path] = true
	}
	for p := range next {
		if !files[p] && !bad[p] {
			deleted = append(deleted, p)
		}
	}
	sort.Strings(deleted)
	return toRead, deleted, files, nil
}

// scanTargets is scanAll for the paths a watcher named, when
// content.ScanPaths can judge them alone (ok). Every other file is as the
// last run left it, problems included. It also returns the ids of the posts
// those paths belong to: only they can change.
func (ix *Indexer) scanTargets(ctx context.Context, fsys fs.FS, site content.Site, targets []string, sum *Summary, errs *[]*content.Error) (toRead []content.Entry, deleted []string, files map[string]bool, only map[string]bool, ok bool) {
	only = map[string]bool{}
	named := map[string]bool{}
	for _, p := range targets {
		named[p] = true
		if id, ok := content.PostIDOf(p); ok {
			only[id] = true
		}
	}
	// The other files of those posts that the last run found a problem
	// with are looked at again too: a run over every file reads them again
	// (their state on disk is not their last good one), and the problem
	// of a post (a missing title) is found while assembling it.
	for _, e := range slices.Concat(ix.fileErrs, ix.last.errs) {
		if id, ok := content.PostIDOf(e.Path); ok && only[id] && !named[e.Path] {
			named[e.Path] = true
			targets = append(targets, e.Path)
		}
	}
	targets = ix.bundleTargets(targets)
	entries, problems, gone, ok := content.ScanPaths(ctx, fsys, site, targets)
	if !ok {
		return nil, nil, nil, nil, false
	}
	for _, e := range ix.fileErrs {
		if !named[e.Path] {
			*errs = append(*errs, e)
		}
	}
	*errs = append(*errs, problems...)
	files = maps.Clone(ix.files)
	for _, e := range problems {
		// Not a content file as it stands; its last good state keeps serving.
		delete(files, e.Path)
	}
	for _, e := range entries {
		files[e.Path] = true
		if unchangedStat(ix.known[e.Path], e) {
			continue
		}
		toRead = append(toRead, e)
	}
	for _, p := range gone {
		delete(files, p)
		if ix.known[p] != nil {
			deleted = append(deleted, p)
		}
	}
	sort.Strings(deleted)
	sum.Unchanged = len(files) - len(toRead)
	return toRead, deleted, files, only, true
}
