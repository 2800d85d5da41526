package content

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"
)

// MaxFileSize is the largest content file read, in bytes. It bounds the
// memory one bad commit can make the indexer use.
const MaxFileSize = 5 << 20

// Kind is what a content file is.
type Kind int

const (
	// KindSite is site.yaml.
	KindSite Kind = iota + 1
	// KindCategory is <category>/_category.yaml.
	KindCategory
	// KindPost is <category>/<slug>.<lang>.md or <category>/<slug>/index.<lang>.md.
	KindPost
	// KindBundleFile is any other file of a bundle: see BundleFile.
	KindBundleFile
)

// String names the kind in reports and logs.
func (k Kind) String() string {
	switch k {
	case KindSite:
		return "site"
	case KindCategory:
		return "category"
	case KindPost:
		return "post"
	case KindBundleFile:
		return "bundle file"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Entry is one file found by Scan, not yet read.
type Entry struct {
	// Path is slash-separated, relative to the content root.
	Path    string
	Kind    Kind
	Size    int64
	ModTime time.Time
}

// Scan walks fsys (an os.Root's FS in production, an fstest.MapFS in tests)
// and lists site.yaml, <category>/_category.yaml and the post files
// <category>/<slug>.<lang>.md and <category>/<slug>/index.<lang>.md, sorted
// by path, and the files of each bundle (see BundleFile). Hidden files and
// folders (".x") and files that are none of these (README.md, files with no
// language in their name, images beside flat posts) are ignored.
//
// Problems that concern one entry are returned as []*Error, sorted by path,
// and the entry is left out: a bad slug or category folder name, a language
// not in site.Languages, a symlink that cannot be followed (with an os.Root,
// one leading outside the root), a file larger than MaxFileSize, something
// that is not a regular file, a folder that cannot be read. A bad name is
// reported only for files that would otherwise be content, so that a folder
// of images named "Assets" stays quiet. The error result is for the content
// root itself being unreadable, or ctx being done.
//
// Symlinks are followed through fsys, so an os.Root's FS refuses those that
// escape the root; an os.DirFS would follow them anywhere.
func Scan(ctx context.Context, fsys fs.FS, site Site) ([]Entry, []*Error, error) {
	s := &scanner{ctx: ctx, fsys: fsys, langs: site.languages()}
	if err := s.root(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(s.entries, func(a, b Entry) int { return cmp.Compare(a.Path, b.Path) })
	SortErrors(s.errs)
	return s.entries, s.errs, nil
}

type scanner struct {
	ctx     context.Context
	fsys    fs.FS
	langs   []string
	entries []Entry
	errs    []*Error
}

func (s *scanner) fail(path, format string, args ...any) {
	s.errs = append(s.errs, errorf(path, 0, format, args...))
}

// readDir lists a folder. Only the root's failure is fatal; any other folder
// is reported and skipped.
func (s *scanner) readDir(dir string) ([]fs.DirEntry, bool, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, false, err
	}
	ents, err := fs.ReadDir(s.fsys, dir)
	if err != nil {
		if dir == "." {
			return nil, false, fmt.Errorf("content: reading the content root: %w", err)
		}
		s.fail(dir, "cannot read folder: %v", plainErr(err))
		return nil, false, nil
	}
	return ents, true, nil
}

// follow returns the FileInfo of a directory entry, following a symlink.
// worthReporting says whether a broken symlink is worth an error: only when
// its name could be content.
func (s *scanner) follow(path string, d fs.DirEntry, worthReporting bool) (fs.FileInfo, bool) {
	if d.Type()&fs.ModeSymlink != 0 {
		fi, err := fs.Stat(s.fsys, path)
		if err != nil {
			if worthReporting {
				s.fail(path, "cannot follow symlink (it must stay inside the content folder): %v", plainErr(err))
			}
			return nil, false
		}
		return fi, true
	}
	fi, err := d.Info()
	if err != nil {
		// A file deleted between listing and stat is not a problem: the
		// next scan will not see it either.
		if worthReporting && !errors.Is(err, fs.ErrNotExist) {
			s.fail(path, "cannot stat: %v", plainErr(err))
		}
		return nil, false
	}
	return fi, true
}

// mayBeDir reports whether a name could be a category or bundle folder; a
// name with a dot is not, so a broken symlink "photo.png" stays quiet.
func mayBeDir(name string) bool {
	return !strings.Contains(name, ".")
}

func (s *scanner) root() error {
	ents, _, err := s.readDir(".")
	if err != nil {
		return err
	}
	for _, d := range ents {
		name := d.Name()
		if hidden(name) {
			continue
		}
		fi, ok := s.follow(name, d, name == SiteFile || mayBeDir(name))
		if !ok {
			continue
		}
		switch {
		case fi.IsDir():
			if err := s.category(name); err != nil {
				return err
			}
		case name == SiteFile:
			s.add(name, KindSite, fi)
		}
	}
	return nil
}

// category lists one category folder: its _category.yaml, its flat post
// files and its bundles.
func (s *scanner) category(cat string) error {
	ents, ok, err := s.readDir(cat)
	if err != nil || !ok {
		return err
	}
	catProblem := categoryProblem(cat)
	for _, d := range ents {
		name := d.Name()
		if hidden(name) {
			continue
		}
		p := cat + "/" + name
		slug, lang, isPost := splitPostName(name)
		fi, ok := s.follow(p, d, name == CategoryFile || isPost || mayBeDir(name))
		if !ok {
			continue
		}
		if fi.IsDir() {
			if err := s.bundle(cat, catProblem, name); err != nil {
				return err
			}
			continue
		}
		switch {
		case name == CategoryFile:
			if catProblem != "" {
				s.fail(p, "%s", catProblem)
				continue
			}
			s.add(p, KindCategory, fi)
		case isPost:
			s.post(p, catProblem, slug, lang, fi)
		}
	}
	return nil
}

// bundle lists the index.<lang>.md files of a bundle folder and, when it has
// any, the bundle's other files.
func (s *scanner) bundle(cat, catProblem, slug string) error {
	dir := cat + "/" + slug
	ents, ok, err := s.readDir(dir)
	if err != nil || !ok {
		return err
	}
	if hasIndex(ents) && catProblem == "" && ValidSlug(slug) {
		if err := s.bundleFiles(dir, dir, ents, 0); err != nil {
			return err
		}
	}
	for _, d := range ents {
		name := d.Name()
		base, lang, isPost := splitPostName(name)
		if !isPost || base != bundleIndex {
			continue
		}
		p := dir + "/" + name
		fi, ok := s.follow(p, d, true)
		if !ok || fi.IsDir() {
			continue
		}
		s.post(p, catProblem, slug, lang, fi)
	}
	return nil
}

// categoryProblem is why cat is not a valid category folder name, or "".
func categoryProblem(cat string) string {
	if !ValidSlug(cat) {
		return slugProblem("category folder name", cat)
	}
	return ""
}

// post adds a post file after checking its names, reporting the first
// problem: category, then slug, then language.
func (s *scanner) post(p, catProblem, slug, lang string, fi fs.FileInfo) {
	switch {
	case catProblem != "":
		s.fail(p, "%s", catProblem)
	case !ValidSlug(slug):
		s.fail(p, "%s", slugProblem("slug", slug))
	case !slices.Contains(s.langs, lang):
		s.fail(p, "language %q is not one of the site's languages %v (site.yaml)", lang, s.langs)
	default:
		s.add(p, KindPost, fi)
	}
}

func (s *scanner) add(p string, kind Kind, fi fs.FileInfo) {
	switch {
	case !fi.Mode().IsRegular():
		// A named pipe would block the reader forever.
		s.fail(p, "not a regular file (%v)", fi.Mode().Type())
	case fi.Size() > MaxFileSize:
		s.fail(p, "file is %d bytes, more than the limit of %d", fi.Size(), MaxFileSize)
	default:
		s.entries = append(s.entries, Entry{Path: p, Kind: kind, Size: fi.Size(), ModTime: fi.ModTime()})
	}
}

// ReadFile reads one content file, enforcing MaxFileSize while reading: a
// file that grew past the limit since Scan is an *Error too, and memory stays
// bounded whatever the file system claims. All errors are *Error (Line 0).
func ReadFile(fsys fs.FS, path string) ([]byte, error) {
	data, err := readFileMax(fsys, path, MaxFileSize)
	if err != nil {
		return nil, err
	}
	return data, nil
}

func readFileMax(fsys fs.FS, path string, limit int) ([]byte, *Error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, errorf(path, 0, "cannot read: %v", plainErr(err))
	}
	defer f.Close()
	// The size from Stat is only a hint for the buffer (read one byte more to
	// see EOF without growing); the limit is enforced on the bytes read.
	size := 512
	if fi, err := f.Stat(); err == nil {
		if !fi.Mode().IsRegular() {
			return nil, errorf(path, 0, "not a regular file (%v)", fi.Mode().Type())
		}
		if fi.Size() > int64(limit) {
			return nil, errorf(path, 0, "file is %d bytes, more than the limit of %d", fi.Size(), limit)
		}
		size = max(size, int(fi.Size())+1)
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit+1-len(buf)))
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, errorf(path, 0, "file is more than the limit of %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, errorf(path, 0, "cannot read: %v", plainErr(err))
		}
	}
}

// ScanPaths is Scan for a few post files named by a watcher: it stats each
// path and returns what Scan would list for it (an entry, or a problem), and
// the paths named that are no longer content files (deleted, or renamed
// away). Each path must be a flat post file's name,
// <category>/<slug>.<lang>.md, reached through real folders, not symlinks, or
// a path inside a bundle folder <category>/<slug>/ (its index.<lang>.md, a
// bundle file, a folder in it): the whole bundle is then listed as Scan lists
// it, every entry of it returned. For anything else (a category folder,
// site.yaml, a _category.yaml, a symlinked folder on the way, a path that
// cannot be stat'ed) ok is false and only a full Scan gives the right answer.
func ScanPaths(ctx context.Context, fsys fs.FS, site Site, paths []string) (entries []Entry, problems []*Error, gone []string, ok bool) {
	lfs, canLstat := fsys.(fs.ReadLinkFS)
	if !canLstat {
		return nil, nil, nil, false
	}
	ps := &pathScan{scanner: &scanner{ctx: ctx, fsys: fsys, langs: site.languages()}, lfs: lfs,
		bundles: map[string][]string{}}
	for _, p := range slices.Compact(slices.Sorted(slices.Values(paths))) {
		if ctx.Err() != nil || !ps.path(p) {
			return nil, nil, nil, false
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(ps.bundles)) {
		if !ps.bundleDir(dir) {
			return nil, nil, nil, false
		}
	}
	s := ps.scanner
	slices.Sort(ps.gone)
	slices.SortFunc(s.entries, func(a, b Entry) int { return cmp.Compare(a.Path, b.Path) })
	SortErrors(s.errs)
	return s.entries, s.errs, ps.gone, true
}

// pathScan is the state of one ScanPaths. Its methods return false for a
// path only a full Scan can judge.
type pathScan struct {
	*scanner
	lfs     fs.ReadLinkFS
	bundles map[string][]string // bundle folder: the paths named in it
	gone    []string
}

// lstat says whether a real folder or file is at p: exists false when p does
// not exist; ok false for a symlink or any other answer a full Scan must
// judge.
func (ps *pathScan) lstat(p string) (fi fs.FileInfo, exists, ok bool) {
	fi, err := ps.lfs.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, true
	case err != nil || fi.Mode()&fs.ModeSymlink != 0:
		return nil, false, false
	}
	return fi, true, true
}

// path lists the flat post file p, or notes p for its bundle's listing.
func (ps *pathScan) path(p string) bool {
	parts := strings.Split(p, "/")
	for _, part := range parts {
		if part == "" || part == "." || part == ".." || hidden(part) {
			return false
		}
	}
	if len(parts) >= 3 {
		// Inside a bundle: the whole bundle is listed again by bundleDir,
		// as Scan lists it, so that a new index.<lang>.md brings the files
		// beside it and a file's removal is seen.
		dir := parts[0] + "/" + parts[1]
		ps.bundles[dir] = append(ps.bundles[dir], p)
		return true
	}
	if len(parts) != 2 {
		return false
	}
	slug, lang, isPost := splitPostName(parts[1])
	if !isPost {
		return false
	}
	// Every folder on the way, then the file.
	for i := 1; i <= len(parts); i++ {
		fi, exists, ok := ps.lstat(strings.Join(parts[:i], "/"))
		if !ok {
			return false
		}
		if !exists {
			ps.gone = append(ps.gone, p)
			return true
		}
		if isDir := i < len(parts); fi.IsDir() != isDir {
			return false
		}
		if i == len(parts) {
			ps.post(p, categoryProblem(parts[0]), slug, lang, fi)
		}
	}
	return true
}

// bundleDir lists the bundle folder dir as Scan does; the paths named in it
// that it no longer holds are gone.
func (ps *pathScan) bundleDir(dir string) bool {
	cat, slug, _ := strings.Cut(dir, "/")
	present := true
	for _, d := range []string{cat, dir} {
		fi, exists, ok := ps.lstat(d)
		if !ok || exists && !fi.IsDir() {
			return false
		}
		if present = exists; !exists {
			break
		}
	}
	listed := map[string]bool{}
	if present {
		n, m := len(ps.entries), len(ps.errs)
		if err := ps.bundle(cat, categoryProblem(cat), slug); err != nil {
			return false
		}
		for _, e := range ps.entries[n:] {
			listed[e.Path] = true
		}
		for _, e := range ps.errs[m:] {
			listed[e.Path] = true
		}
	}
	for _, p := range ps.bundles[dir] {
		if !listed[p] {
			ps.gone = append(ps.gone, p)
		}
	}
	return true
}
