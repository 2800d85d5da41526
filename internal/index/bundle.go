package index

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/store"
)

// kindBundle is a bundle file's kind in the store.
const kindBundle = "bundle"

// SetBaseURL sets the address bundle file URLs in posts' html start with
// (`geul serve --base-url`), over site.yaml's baseURL; with neither they are
// root-relative (/posts/{category}/{slug}/{file}). It must name where geul's
// /posts paths are reachable: geul itself, or a site that passes them on.
func (ix *Indexer) SetBaseURL(u string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.baseURL = u
}

// bundleBase is the base of bundle file URLs: an http(s) address without a
// query, its trailing slashes dropped, or "" for root-relative URLs. A base
// that is none of these is not used (the server warns about it for feeds).
func bundleBase(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	return strings.TrimRight(raw, "/")
}

// attachBundles gives each post its bundle files from the files of next.
func attachBundles(posts []*content.Post, next map[string]*known) {
	if len(posts) == 0 {
		return
	}
	byID := make(map[string]*content.Post, len(posts))
	for _, p := range posts {
		byID[p.ID()] = p
	}
	for _, k := range next {
		if k.bundle == nil {
			continue
		}
		id, _, ok := content.BundleFileOf(k.bundle.Path)
		if p := byID[id]; ok && p != nil && isBundlePost(p) {
			p.Bundle = append(p.Bundle, k.bundle)
		}
	}
	for _, p := range posts {
		slices.SortFunc(p.Bundle, func(a, b *content.BundleFile) int { return strings.Compare(a.Name, b.Name) })
	}
}

// isBundlePost reports whether one of p's files is a bundle's index file: a
// flat post with a folder of the same name beside it has no bundle.
func isBundlePost(p *content.Post) bool {
	for _, f := range p.Files {
		if strings.Count(f.Path, "/") == 2 {
			return true
		}
	}
	return false
}

// relink rewrites a post file's html to its bundle's URLs and reports the
// references to files the bundle does not have, at the line of the markdown
// file that makes them (else the closing line of its front matter).
func relink(base string, p *content.Post, f *content.File, d *doc) (string, []*content.Error) {
	files := make(map[string]*content.BundleFile, len(p.Bundle))
	for _, b := range p.Bundle {
		files[b.Name] = b
	}
	html, missing := markdown.RelinkBundle(d.html, func(name string) (markdown.BundleLink, bool) {
		b := files[name]
		if b == nil {
			return markdown.BundleLink{}, false
		}
		return markdown.BundleLink{URL: markdown.BundleURL(base, p.ID(), b.Name), Width: b.Width, Height: b.Height}, true
	})
	return html, missingWarnings(f, d.body, missing)
}

// missingWarnings reports references to files a bundle does not have, at
// the line of the markdown file that makes them.
func missingWarnings(f *content.File, body string, missing []markdown.MissingRef) []*content.Error {
	var warns []*content.Error
	for _, m := range missing {
		warns = append(warns, &content.Error{
			Path: f.Path, Line: refLine(f, body, m), Warning: true,
			Reason: fmt.Sprintf("%q is not a file of the post's bundle: the link is left as written", m.Ref),
		})
	}
	return warns
}

// refLine finds the line of the markdown body that holds a reference, as the
// html has it or decoded.
func refLine(f *content.File, body string, m markdown.MissingRef) int {
	for _, s := range []string{m.Ref, m.Name} {
		if i := strings.Index(body, s); s != "" && i >= 0 {
			return f.BodyLine + strings.Count(body[:i], "\n")
		}
	}
	return max(f.BodyLine-1, 1)
}

// postFiles is the files field of a post's payload.
func postFiles(base string, p *content.Post) []api.PostFile {
	out := make([]api.PostFile, len(p.Bundle))
	for i, b := range p.Bundle {
		out[i] = api.PostFile{Name: b.Name, URL: markdown.BundleURL(base, p.ID(), b.Name), Type: b.Type, Bytes: b.Size, Width: b.Width, Height: b.Height}
	}
	return out
}

// bundleOp stores a changed bundle file. Its bytes are read again here rather
// than kept since it was read, so that a run holds one file's bytes at a time
// whatever the bundles weigh; bytes that changed since are an error, and the
// next run (the watcher retries) reads them afresh.
func (b *builder) bundleOp(fsys fs.FS, r *read, modified time.Time) writeOp {
	return func(ctx context.Context, tx *store.Tx) error {
		data, err := content.ReadBundleFile(fsys, r.entry.Path)
		if err != nil {
			return fmt.Errorf("store %s: %w", r.entry.Path, err)
		}
		if hashOf(data) != r.hash {
			return fmt.Errorf("store %s: the file changed while it was indexed", r.entry.Path)
		}
		meta, err := json.Marshal(r.bundle)
		if err != nil {
			return fmt.Errorf("store %s: %w", r.entry.Path, err)
		}
		if err := tx.PutFile(ctx, store.FileRecord{FileState: stateOf(r.entry, kindBundle, r.hash), Meta: meta}); err != nil {
			return err
		}
		id, _, _ := content.BundleFileOf(r.entry.Path)
		bf := r.bundle
		return tx.PutBundleFile(ctx, store.BundleFile{
			Path: bf.Path, PostID: id, Name: bf.Name, Hash: bf.Hash, Type: bf.Type, Size: bf.Size,
			Width: bf.Width, Height: bf.Height, Modified: modified, Data: data,
		})
	}
}

// bundleClock gives the Last-Modified of the bundle files whose bytes this
// run stores, by post id, by the rule of posts' (see modified): the one this
// run gives their post when it rebuilds it, else the release clock's next
// tick; a database built from nothing gives a file without a served post (a
// draft's) the release clock the run will seal, the newest of its posts'.
// Unchanged bytes keep theirs (see store.Tx.PutBundleFile), so caches
// revalidating a file that did not change keep their copy.
func (b *builder) bundleClock(dirty []*content.Post) func(postID string) time.Time {
	byPost := make(map[string]time.Time, len(dirty))
	rest := b.clock.Add(time.Second)
	if b.fresh {
		rest = time.Unix(0, 0).UTC()
	}
	for _, p := range dirty {
		t := b.modified(p)
		byPost[p.ID()] = t
		if b.fresh && t.After(rest) {
			rest = t
		}
	}
	return func(id string) time.Time {
		if t, ok := byPost[id]; ok {
			return t
		}
		return rest
	}
}

// bundleTargets adds to a watcher's paths every known file of the bundles
// they touch, so that a file removed from a bundle is seen as gone.
func (ix *Indexer) bundleTargets(targets []string) []string {
	dirs := map[string]bool{}
	for _, p := range targets {
		if parts := strings.SplitN(p, "/", 3); len(parts) == 3 {
			dirs[parts[0]+"/"+parts[1]+"/"] = true
		}
	}
	if len(dirs) == 0 {
		return targets
	}
	for p := range ix.files {
		if i := nthSlash(p, 2); i > 0 && dirs[p[:i+1]] {
			targets = append(targets, p)
		}
	}
	return targets
}

// nthSlash is the index of the n-th "/" of p, or -1.
func nthSlash(p string, n int) int {
	off := 0
	for ; n > 0; n-- {
		i := strings.IndexByte(p[off:], '/')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off - 1
}
