package content_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/testutil"
)

const goodPost = "---\ntitle: T\ndate: 2025-01-01\n---\nbody\n"

func file(s string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(s), Mode: 0o644, ModTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func scan(t *testing.T, fsys fs.FS, site content.Site) ([]string, []string) {
	t.Helper()
	entries, errs, err := content.Scan(context.Background(), fsys, site)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	for _, e := range errs {
		t.Log(e)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Kind.String()+" "+e.Path)
	}
	return got, errorsAt(errs)
}

func TestScanLayout(t *testing.T) {
	fsys := fstest.MapFS{
		"site.yaml":                    file("languages: [ko, en]\n"),
		"README.md":                    file("not content"),
		"cs/_category.yaml":            file("name: {ko: 컴퓨터 공학}\n"),
		"cs/a.ko.md":                   file(goodPost),
		"cs/a.en.md":                   file(goodPost),
		"cs/b/index.ko.md":             file(goodPost),
		"cs/b/index.md":                file("no language: ignored"),
		"cs/b/diagram.png":             file("png"),
		"cs/b/notes.ko.md":             file("not the index: ignored"),
		"cs/b/sub/index.ko.md":         file("too deep: ignored"),
		"cs/b/.index.ko.md":            file("hidden"),
		"cs/README.md":                 file("no language: ignored"),
		"cs/notes.txt":                 file("ignored"),
		"cs/.draft.ko.md":              file("hidden"),
		"cs/.hidden/index.ko.md":       file("hidden bundle"),
		".git/config":                  file("hidden"),
		".github/x/y.ko.md":            file("hidden"),
		"Assets/logo.png":              file("a folder that is not a category stays quiet"),
		"life/c.en.md":                 file(goodPost),
		"life/_category.yaml/x":        file("a folder named like the category file"),
		"empty-category/.gitkeep":      file(""),
		"cs/b/deeper/more/index.ko.md": file("ignored"),
	}
	got, errs := scan(t, fsys, content.DefaultSite())
	want := []string{
		"category cs/_category.yaml",
		"post cs/a.en.md",
		"post cs/a.ko.md",
		"bundle file cs/b/diagram.png",
		"post cs/b/index.ko.md",
		"post life/c.en.md",
		"site site.yaml",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}

	entries, _, _ := content.Scan(context.Background(), fsys, content.DefaultSite())
	for _, e := range entries {
		if e.Size != int64(len(fsys[e.Path].Data)) || !e.ModTime.Equal(fsys[e.Path].ModTime) {
			t.Errorf("%s: Size %d ModTime %v", e.Path, e.Size, e.ModTime)
		}
	}
}

func TestScanBadNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
	}{
		{"slug with upper case", "cs/My-Post.ko.md"},
		{"slug with space", "cs/my post.ko.md"},
		{"slug with underscore", "cs/my_post.ko.md"},
		{"slug with non-ASCII", "cs/파이썬.ko.md"},
		{"slug with a dot", "cs/v1.2.ko.md"},
		{"bundle folder with upper case", "cs/My-Post/index.ko.md"},
		{"bundle folder with underscore", "cs/_drafts/index.ko.md"},
		{"category folder with upper case", "CS/a.ko.md"},
		{"category folder with space", "computer science/a/index.ko.md"},
		{"category folder with non-ASCII", "컴퓨터/a.ko.md"},
		{"category file in a bad folder", "Computer_Science/_category.yaml"},
		{"language not in the site", "cs/a.fr.md"},
		{"language not in the site, bundle", "cs/a/index.ja.md"},
		{"upper-case language", "cs/a.KO.md"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"cs/good.ko.md": file(goodPost),
				tc.path:         file(goodPost),
			}
			got, errs := scan(t, fsys, content.DefaultSite())
			if want := []string{"post cs/good.ko.md"}; !reflect.DeepEqual(got, want) {
				t.Errorf("entries = %q, want %q", got, want)
			}
			if want := []string{tc.path + ":0"}; !reflect.DeepEqual(errs, want) {
				t.Errorf("errors = %q, want %q", errs, want)
			}
		})
	}
}

func TestScanSiteLanguages(t *testing.T) {
	fsys := fstest.MapFS{
		"cs/a.fr.md": file(goodPost),
		"cs/a.ko.md": file(goodPost),
	}
	got, errs := scan(t, fsys, content.Site{Languages: []string{"fr", "en"}})
	if want := []string{"post cs/a.fr.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
	if want := []string{"cs/a.ko.md:0"}; !reflect.DeepEqual(errs, want) {
		t.Errorf("errors = %q, want %q", errs, want)
	}
}

func TestScanTooLarge(t *testing.T) {
	fsys := fstest.MapFS{
		"cs/big.ko.md":         file(strings.Repeat("x", content.MaxFileSize+1)),
		"cs/limit.ko.md":       file(strings.Repeat("x", content.MaxFileSize)),
		"cs/big/diagram.png":   file(strings.Repeat("x", content.MaxFileSize+1)), // not content: no limit
		"cs/_category.yaml":    file(strings.Repeat("#", content.MaxFileSize+1)),
		"cs/small/index.ko.md": file(goodPost),
	}
	got, errs := scan(t, fsys, content.DefaultSite())
	if want := []string{"post cs/limit.ko.md", "post cs/small/index.ko.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
	if want := []string{"cs/_category.yaml:0", "cs/big.ko.md:0"}; !reflect.DeepEqual(errs, want) {
		t.Errorf("errors = %q, want %q", errs, want)
	}
}

func openRoot(t *testing.T, dir string) fs.FS {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root.FS()
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks not available: %v", err)
	}
}

func TestScanSymlinks(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	dir := filepath.Join(base, "content")
	testutil.WriteFiles(t, outside, map[string]string{"secret.md": goodPost, "cat/x.ko.md": goodPost})
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/a.ko.md":        goodPost,
		"shared/inside.txt": goodPost,
	})
	// Escaping the root, by absolute and by relative target.
	symlink(t, filepath.Join(outside, "secret.md"), filepath.Join(dir, "cs", "leak.ko.md"))
	symlink(t, "../../outside/secret.md", filepath.Join(dir, "cs", "leak2.en.md"))
	symlink(t, filepath.Join(outside, "cat"), filepath.Join(dir, "escaped"))
	// Staying inside the root: followed.
	symlink(t, "../shared/inside.txt", filepath.Join(dir, "cs", "inside.en.md"))
	// Dangling, with a name that could be content, and one that could not.
	symlink(t, "nowhere", filepath.Join(dir, "cs", "gone.ko.md"))
	symlink(t, "nowhere", filepath.Join(dir, "cs", "photo.png"))

	got, errs := scan(t, openRoot(t, dir), content.DefaultSite())
	if want := []string{"post cs/a.ko.md", "post cs/inside.en.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
	want := []string{"cs/gone.ko.md:0", "cs/leak.ko.md:0", "cs/leak2.en.md:0", "escaped:0"}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors = %q, want %q", errs, want)
	}

	// ReadFile refuses the escaping symlink too.
	_, err := content.ReadFile(openRoot(t, dir), "cs/leak.ko.md")
	asError(t, err, "cs/leak.ko.md", 0)
	data, err := content.ReadFile(openRoot(t, dir), "cs/inside.en.md")
	if err != nil || string(data) != goodPost {
		t.Errorf("ReadFile through an inside symlink = %q, %v", data, err)
	}
}

func TestScanAndReadTooLargeOnDisk(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/big.ko.md": strings.Repeat("x", content.MaxFileSize+1),
		"cs/ok.ko.md":  goodPost,
	})
	fsys := openRoot(t, dir)
	got, errs := scan(t, fsys, content.DefaultSite())
	if want := []string{"post cs/ok.ko.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
	if want := []string{"cs/big.ko.md:0"}; !reflect.DeepEqual(errs, want) {
		t.Errorf("errors = %q, want %q", errs, want)
	}
	_, err := content.ReadFile(fsys, "cs/big.ko.md")
	asError(t, err, "cs/big.ko.md", 0)

	data, err := content.ReadFile(fsys, "cs/ok.ko.md")
	if err != nil || string(data) != goodPost {
		t.Errorf("ReadFile = %q, %v", data, err)
	}
}

func TestReadFile(t *testing.T) {
	fsys := fstest.MapFS{
		"cs/limit.ko.md": file(strings.Repeat("x", content.MaxFileSize)),
		"cs/empty.ko.md": file(""),
		"cs/dir/x":       file(""),
	}
	data, err := content.ReadFile(fsys, "cs/limit.ko.md")
	if err != nil || len(data) != content.MaxFileSize {
		t.Errorf("file at the limit: %d bytes, %v", len(data), err)
	}
	data, err = content.ReadFile(fsys, "cs/empty.ko.md")
	if err != nil || len(data) != 0 {
		t.Errorf("empty file: %q, %v", data, err)
	}
	_, err = content.ReadFile(fsys, "cs/missing.ko.md")
	e := asError(t, err, "cs/missing.ko.md", 0)
	if strings.Contains(e.Reason, "open") {
		t.Errorf("reason repeats the operation: %q", e.Reason)
	}
	_, err = content.ReadFile(fsys, "cs/dir")
	asError(t, err, "cs/dir", 0)
}

// growingFS serves files whose Stat claims a small size but whose content
// is larger, like a file that grows between Scan and ReadFile.
type growingFS struct{ size int }

func (g growingFS) Open(name string) (fs.File, error) {
	return &growingFile{left: g.size}, nil
}

type growingFile struct{ left int }

func (f *growingFile) Stat() (fs.FileInfo, error) { return smallInfo{}, nil }
func (f *growingFile) Close() error               { return nil }
func (f *growingFile) Read(p []byte) (int, error) {
	if f.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), f.left)
	for i := range n {
		p[i] = 'x'
	}
	f.left -= n
	return n, nil
}

type smallInfo struct{}

func (smallInfo) Name() string       { return "x" }
func (smallInfo) Size() int64        { return 10 }
func (smallInfo) Mode() fs.FileMode  { return 0o644 }
func (smallInfo) ModTime() time.Time { return time.Time{} }
func (smallInfo) IsDir() bool        { return false }
func (smallInfo) Sys() any           { return nil }

func TestReadFileGrewPastLimit(t *testing.T) {
	_, err := content.ReadFile(growingFS{size: content.MaxFileSize + 1}, "cs/grown.ko.md")
	asError(t, err, "cs/grown.ko.md", 0)

	data, err := content.ReadFile(growingFS{size: content.MaxFileSize}, "cs/grown.ko.md")
	if err != nil || len(data) != content.MaxFileSize {
		t.Errorf("file grown to the limit: %d bytes, %v", len(data), err)
	}
}

// failingFS fails to list one folder.
type failingFS struct {
	fstest.MapFS
	dir string
}

func (f failingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == f.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrPermission}
	}
	return f.MapFS.ReadDir(name)
}

func TestScanUnreadableFolder(t *testing.T) {
	fsys := failingFS{
		MapFS: fstest.MapFS{
			"cs/a.ko.md":       file(goodPost),
			"cs/b/index.ko.md": file(goodPost),
			"life/c.ko.md":     file(goodPost),
		},
		dir: "cs/b",
	}
	got, errs := scan(t, fsys, content.DefaultSite())
	if want := []string{"post cs/a.ko.md", "post life/c.ko.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
	if want := []string{"cs/b:0"}; !reflect.DeepEqual(errs, want) {
		t.Errorf("errors = %q, want %q", errs, want)
	}

	fsys.dir = "life"
	got, errs = scan(t, fsys, content.DefaultSite())
	if want := []string{"post cs/a.ko.md", "post cs/b/index.ko.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
	if want := []string{"life:0"}; !reflect.DeepEqual(errs, want) {
		t.Errorf("errors = %q, want %q", errs, want)
	}

	// The root itself is fatal: there is nothing to index.
	fsys.dir = "."
	if _, _, err := content.Scan(context.Background(), fsys, content.DefaultSite()); err == nil {
		t.Error("unreadable root: no error")
	}
}

func TestScanCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := content.Scan(ctx, fstest.MapFS{"cs/a.ko.md": file(goodPost)}, content.DefaultSite())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
