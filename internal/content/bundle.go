package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	_ "image/gif"  // DecodeConfig of gif bundle images
	_ "image/jpeg" // and jpeg
	_ "image/png"  // and png
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	_ "golang.org/x/image/webp" // and webp
)

// A bundle is a post folder, <category>/<slug>/ with index.<lang>.md files;
// every other file in it (images, a PDF, a data file) belongs to the post
// and is served beside it. What counts as a bundle file:
//
//   - any regular file in the bundle folder or in folders under it, up to
//     MaxBundleDepth folders deep, so that images/a.png works as in most
//     blogs; names are kept as written, relative to the bundle folder;
//   - never a .md file (the post's sources and any draft notes beside them),
//     never a hidden name (".x", at any level), never a file larger than
//     MaxBundleFileSize (reported);
//   - a symlink only when it stays inside its bundle and points at a real
//     file or folder (reported otherwise), so that a bundle cannot publish
//     another post's drafts or anything outside the content folder.
//
// A folder with no index.<lang>.md file is not a bundle: its files are not
// content (a shared "images" folder beside flat posts stays quiet).
const (
	// MaxBundleFileSize is the largest bundle file indexed, in bytes: the
	// index stores each file's bytes, and a request reads one whole.
	MaxBundleFileSize = 20 << 20
	// MaxBundleDepth is how many folders deep under a bundle folder files
	// are found.
	MaxBundleDepth = 4
)

// BundleFile is one file of a bundle, as the index keeps and serves it.
type BundleFile struct {
	// Path is the file's path relative to the content root.
	Path string
	// Name is the path relative to the bundle folder ("diagram.png",
	// "images/a.png"): the last part of its URL.
	Name string
	// Hash is the hex SHA-256 of the bytes.
	Hash string
	Size int64
	// Type is the Content-Type: by extension, else sniffed from the bytes.
	Type string
	// Width and Height are the pixel size of png, jpeg, gif and webp
	// images, 0 for anything else or an image that cannot be decoded.
	Width, Height int
}

// BundleFileOf splits a bundle file's path into its post id and its name in
// the bundle; ok is false for a path that cannot be one.
func BundleFileOf(p string) (postID, name string, ok bool) {
	parts := strings.Split(p, "/")
	if len(parts) < 3 || len(parts) > 3+MaxBundleDepth || !ValidSlug(parts[0]) || !ValidSlug(parts[1]) {
		return "", "", false
	}
	for _, part := range parts[2:] {
		if part == "" || part == "." || part == ".." || hidden(part) || strings.ContainsAny(part, "\\\x00") {
			return "", "", false
		}
	}
	name = strings.Join(parts[2:], "/")
	if isSource(name) {
		return "", "", false
	}
	return parts[0] + "/" + parts[1], name, true
}

// isSource reports whether a bundle name is markdown, which is never served.
func isSource(name string) bool {
	return strings.EqualFold(path.Ext(name), ".md")
}

// ParseBundleFile describes the bytes of the bundle file at p.
func ParseBundleFile(p string, data []byte) (*BundleFile, error) {
	_, name, ok := BundleFileOf(p)
	if !ok {
		return nil, errorf(p, 0, "not a bundle file: want <category>/<slug>/<name> beside index.<lang>.md")
	}
	sum := sha256.Sum256(data)
	f := &BundleFile{Path: p, Name: name, Hash: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	f.Type = mime.TypeByExtension(path.Ext(name))
	if f.Type == "" {
		f.Type = http.DetectContentType(data)
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
		// A broken image is still served as it is; it only gets no size.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
			f.Width, f.Height = cfg.Width, cfg.Height
		}
	}
	return f, nil
}

// ReadBundleFile reads a bundle file, enforcing MaxBundleFileSize while
// reading. Errors are *Error (Line 0).
func ReadBundleFile(fsys fs.FS, p string) ([]byte, error) {
	data, err := readFileMax(fsys, p, MaxBundleFileSize)
	if err != nil {
		return nil, err
	}
	return data, nil
}

// hasIndex reports whether a bundle folder's listing has a post file.
func hasIndex(ents []fs.DirEntry) bool {
	for _, d := range ents {
		if base, _, ok := splitPostName(d.Name()); ok && base == bundleIndex && !hidden(d.Name()) {
			return true
		}
	}
	return false
}

// bundleFiles lists the bundle files of dir (a bundle folder, or a folder
// under one at depth), reporting what cannot be one.
func (s *scanner) bundleFiles(bundle, dir string, ents []fs.DirEntry, depth int) error {
	for _, d := range ents {
		name := d.Name()
		if hidden(name) {
			continue
		}
		p := dir + "/" + name
		if d.Type()&fs.ModeSymlink != 0 && !s.insideBundle(bundle, p) {
			continue
		}
		fi, ok := s.follow(p, d, true)
		if !ok {
			continue
		}
		if fi.IsDir() {
			if depth >= MaxBundleDepth {
				continue
			}
			sub, ok, err := s.readDir(p)
			if err != nil {
				return err
			}
			if ok {
				if err := s.bundleFiles(bundle, p, sub, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		if isSource(name) {
			continue
		}
		switch {
		case !fi.Mode().IsRegular():
			s.fail(p, "not a regular file (%v)", fi.Mode().Type())
		case fi.Size() > MaxBundleFileSize:
			s.fail(p, "bundle file is %d bytes, more than the limit of %d", fi.Size(), MaxBundleFileSize)
		default:
			s.entries = append(s.entries, Entry{Path: p, Kind: KindBundleFile, Size: fi.Size(), ModTime: fi.ModTime()})
		}
	}
	return nil
}

// insideBundle reports whether the symlink at p points inside its bundle
// folder at something that is not a symlink itself, reporting it otherwise.
// The content root's os.Root keeps links inside the content folder; this
// keeps them inside the post.
func (s *scanner) insideBundle(bundle, p string) bool {
	rl, ok := s.fsys.(fs.ReadLinkFS)
	if !ok {
		s.fail(p, "symlinks in bundles cannot be checked on this file system")
		return false
	}
	target, err := rl.ReadLink(p)
	if err != nil {
		s.fail(p, "cannot read symlink: %v", plainErr(err))
		return false
	}
	resolved := path.Join(path.Dir(p), target)
	if path.IsAbs(target) || !strings.HasPrefix(resolved, bundle+"/") {
		s.fail(p, "symlink leads outside its bundle %s", bundle)
		return false
	}
	if fi, err := rl.Lstat(resolved); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		s.fail(p, "symlink leads to another symlink")
		return false
	}
	return true
}
