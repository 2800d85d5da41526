package content_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/testutil"
)

// TestScanPaths checks what a look at a few named paths says, against the
// full Scan of the same folder: the same entry or problem for each post file,
// gone for what is not there, and "cannot tell" for everything a full Scan
// must judge.
func TestScanPaths(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"site.yaml":             "languages: [ko, en]\n",
		"cs/_category.yaml":     "name: CS\n",
		"cs/flat.ko.md":         goodPost,
		"cs/flat.en.md":         goodPost,
		"cs/bundle/index.ko.md": goodPost,
		"cs/bundle/diagram.png": "png",
		"cs/bundle/img/a.png":   "png",
		"cs/Bad_Slug.ko.md":     goodPost,
		"cs/x.fr.md":            goodPost,
		"Bad_Cat/p.ko.md":       goodPost,
		"cs/dir.ko.md/keep":     "",
		"outside/target.ko.md":  goodPost,
	})
	symlink(t, filepath.Join(dir, "outside", "target.ko.md"), filepath.Join(dir, "cs", "link.ko.md"))
	symlink(t, filepath.Join(dir, "cs"), filepath.Join(dir, "linkcat"))
	fsys := openRoot(t, dir)
	site, err := content.ParseSite([]byte("languages: [ko, en]\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	tests := []struct {
		path     string
		entry    bool // listed as a post or bundle file
		problem  bool // reported
		gone     bool
		cantTell bool
	}{
		{path: "cs/flat.ko.md", entry: true},
		{path: "cs/bundle/index.ko.md", entry: true},
		{path: "cs/Bad_Slug.ko.md", problem: true},
		{path: "cs/x.fr.md", problem: true},
		{path: "Bad_Cat/p.ko.md", problem: true},
		{path: "cs/deleted.ko.md", gone: true},
		{path: "nocat/deleted.ko.md", gone: true},
		{path: "cs/nobundle/index.ko.md", gone: true},
		{path: "cs/_category.yaml", cantTell: true},
		{path: "site.yaml", cantTell: true},
		{path: "cs", cantTell: true},
		{path: "cs/bundle", cantTell: true},
		{path: "cs/dir.ko.md", cantTell: true},
		{path: "cs/link.ko.md", cantTell: true},
		{path: "linkcat/flat.ko.md", cantTell: true},
		{path: "cs/.hidden.ko.md", cantTell: true},
		{path: "cs/bundle/other.ko.md", gone: true},
		{path: "cs/bundle/diagram.png", entry: true},
		{path: "cs/bundle/img/a.png", entry: true},
		{path: "cs/bundle/img", gone: true},
		{path: "cs/bundle/removed.png", gone: true},
		{path: "cs/bundle/.hidden.png", cantTell: true},
		{path: "cs/nobundle/a.png", gone: true},
		{path: "a/b/c/d.ko.md", gone: true},
		{path: "../escape.ko.md", cantTell: true},
		{path: "cs/readme.md", cantTell: true},
	}
	fullEntries, fullErrs, err := content.Scan(ctx, fsys, site)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			entries, problems, gone, ok := content.ScanPaths(ctx, fsys, site, []string{tt.path})
			if ok == tt.cantTell {
				t.Fatalf("ok = %v, want %v", ok, !tt.cantTell)
			}
			if !ok {
				return
			}
			// A path in a bundle lists the whole bundle.
			if got := slices.ContainsFunc(entries, func(e content.Entry) bool { return e.Path == tt.path }); got != tt.entry {
				t.Errorf("entries %v, want %s in them: %v", entries, tt.path, tt.entry)
			}
			if got := len(problems) == 1; got != tt.problem {
				t.Errorf("problems %v, want one: %v", problems, tt.problem)
			}
			if got := slices.Equal(gone, []string{tt.path}); got != tt.gone {
				t.Errorf("gone %v, want it: %v", gone, tt.gone)
			}
			// What the full Scan says of the same path.
			for _, e := range entries {
				i := slices.IndexFunc(fullEntries, func(f content.Entry) bool { return f.Path == e.Path })
				if i < 0 || fullEntries[i] != e {
					t.Errorf("entry %+v; the full scan has %v", e, i >= 0 && fullEntries[i] == e)
				}
			}
			for _, p := range problems {
				i := slices.IndexFunc(fullErrs, func(f *content.Error) bool { return f.Path == p.Path })
				if i < 0 || fullErrs[i].Error() != p.Error() {
					t.Errorf("problem %v; the full scan does not report it alike", p)
				}
			}
		})
	}

	// Several paths at once, repeated ones once.
	entries, problems, gone, ok := content.ScanPaths(ctx, fsys, site,
		[]string{"cs/flat.en.md", "cs/deleted.ko.md", "cs/flat.ko.md", "cs/flat.en.md", "cs/x.fr.md"})
	if !ok || len(entries) != 2 || entries[0].Path != "cs/flat.en.md" || len(problems) != 1 || !slices.Equal(gone, []string{"cs/deleted.ko.md"}) {
		t.Errorf("several paths: ok %v, entries %v, problems %v, gone %v", ok, entries, problems, gone)
	}
	// One path a full Scan must judge makes the whole answer "cannot tell".
	if _, _, _, ok := content.ScanPaths(ctx, fsys, site, []string{"cs/flat.ko.md", "cs/_category.yaml"}); ok {
		t.Error("a _category.yaml among post files: ok, want a full scan")
	}
	if err := os.Remove(filepath.Join(dir, "cs", "flat.ko.md")); err != nil {
		t.Fatal(err)
	}
	if _, _, gone, ok := content.ScanPaths(ctx, fsys, site, []string{"cs/flat.ko.md"}); !ok || !slices.Equal(gone, []string{"cs/flat.ko.md"}) {
		t.Errorf("after removing cs/flat.ko.md: gone %v (ok %v)", gone, ok)
	}
}
