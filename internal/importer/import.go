package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Options tune Import.
type Options struct {
	// Lang is the language of the post's body, which names its file
	// (<slug>.<lang>.md). "" means the page's own language (Payload.Lang), and
	// "ko", the original blog's language, if the page does not say.
	Lang string
	// Force overwrites existing files whose bytes differ. Without it such a
	// file is an error, so an import never silently undoes an edit.
	Force bool
}

// defaultLang is the original blog's language, used when neither the options
// nor the page name one.
const defaultLang = "ko"

// Keys of the post object that Import maps to something other than a front
// matter key of the same name: they are derived from the file's path, become
// _category.yaml, or are the body.
var derivedKeys = map[string]bool{
	"slug": true, "categorySlug": true, "title": true, "date": true,
	"category": true, "description": true, "content": true,
}

var (
	slugPart = regexp.MustCompile(`^[a-z0-9-]+$`)
	// langRE is a lower-case BCP 47-like tag, as content file names need
	// (geul check and the indexer refuse "en-US.md"). It keeps the language,
	// which becomes part of a file name, free of dots and slashes.
	langRE = regexp.MustCompile(`^[a-z]{2,8}(-[a-z0-9]{1,8})*$`)
	// base60 matches YAML 1.1 sexagesimal numbers ("1:20"), which YAML 1.2
	// parsers read as strings but 1.1 parsers as numbers; see needsQuotes.
	base60 = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

// file is one content file Import writes.
type file struct {
	path string // relative to the content dir, slash-separated
	data []byte
}

// Import writes the post of an RSC page payload as content files under dir (the
// content directory), in the format of CONTENT.md:
//
//   - <category>/_category.yaml: name, a map from the post's "category" in the
//     payload's key order (skipped if the post has no category);
//   - <category>/<slug>.<lang>.md: front matter with title and description (maps
//     or strings as in the payload, key order kept), date as written, and every
//     other key of the post that CONTENT.md does not derive from the path, so it
//     is served under "extra"; then the "content" string, byte for byte.
//
// Slug and category come from the post's "slug" ("cs/multi..." is category "cs",
// slug "multi..."). Nothing is written unless every file can be: an existing
// file with different bytes is an error unless opts.Force, an identical one is
// left alone, so importing twice is a no-op. Files are written to a temporary
// name and renamed, so a watching indexer never sees half a file.
//
// Import returns the paths it wrote (relative, slash-separated), in the order
// written; files that already had the same bytes are not in it.
func Import(ctx context.Context, data []byte, dir string, opts Options) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := Parse(data)
	if err != nil {
		return nil, err
	}
	post, err := p.post()
	if err != nil {
		return nil, err
	}
	lang := opts.Lang
	if lang == "" {
		// A page says <html lang="en-US">; file names are lower case.
		lang = strings.ToLower(p.Lang())
	}
	if lang == "" {
		lang = defaultLang
	}
	if !langRE.MatchString(lang) {
		return nil, fmt.Errorf("importer: language %q: want a lower-case tag like ko or en", lang)
	}
	files, err := render(post, lang)
	if err != nil {
		return nil, err
	}
	return writeFiles(ctx, dir, files, lang, opts.Force)
}

// render turns a resolved post object into its content files.
func render(post *value, lang string) ([]file, error) {
	category, name, err := postPath(post)
	if err != nil {
		return nil, err
	}
	fm, err := frontMatter(post)
	if err != nil {
		return nil, err
	}
	md, err := postFile(post, fm)
	if err != nil {
		return nil, err
	}
	var files []file
	if cat := post.get("category"); cat != nil {
		y, err := categoryFile(cat, lang)
		if err != nil {
			return nil, err
		}
		files = append(files, file{path: path.Join(category, "_category.yaml"), data: y})
	}
	files = append(files, file{path: path.Join(category, name+"."+lang+".md"), data: md})
	return files, nil
}

// postPath is the category and the slug of the post's file, from its slug.
func postPath(post *value) (category, name string, err error) {
	slug := post.get("slug")
	if slug == nil || slug.kind != kindString {
		return "", "", errors.New(`importer: post has no "slug" string`)
	}
	category, name, ok := splitSlug(slug.str)
	if !ok {
		return "", "", fmt.Errorf("importer: post slug %q: want <category>/<slug> of lower-case ASCII letters, digits and '-'", slug.str)
	}
	if cs := post.get("categorySlug"); cs != nil && !cs.isString(category) {
		return "", "", fmt.Errorf("importer: post categorySlug does not match the category %q of its slug %q", category, slug.str)
	}
	return category, name, nil
}

// frontMatter is the post's front matter: title, description and date
// first, then every key the index does not derive, in the post's order.
func frontMatter(post *value) (*yaml.Node, error) {
	fm := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) { fm.Content = append(fm.Content, strNode(k), v) }

	title, err := localized(post.get("title"), "title")
	if err != nil {
		return nil, err
	}
	if title == nil {
		return nil, errors.New(`importer: post has no "title"`)
	}
	add("title", title)
	desc, err := localized(post.get("description"), "description")
	if err != nil {
		return nil, err
	}
	if desc != nil {
		add("description", desc)
	}
	date := post.get("date")
	if date == nil || date.kind != kindString || !isDate(date.str) {
		return nil, errors.New(`importer: post "date": want a YYYY-MM-DD or RFC 3339 string`)
	}
	add("date", dateNode(date.str))
	for i, k := range post.keys {
		if derivedKeys[k] {
			continue
		}
		add(k, yamlNode(post.elems[i], k == "updated"))
	}
	return fm, nil
}

// postFile is the post's Markdown file: front matter fm, then its content.
func postFile(post *value, fm *yaml.Node) ([]byte, error) {
	content := post.get("content")
	if content == nil || content.kind != kindString {
		return nil, errors.New(`importer: post has no "content" string`)
	}
	front, err := encodeYAML(fm)
	if err != nil {
		return nil, fmt.Errorf("importer: front matter: %w", err)
	}
	var md bytes.Buffer
	md.WriteString("---\n")
	md.Write(front)
	md.WriteString("---\n")
	md.WriteString(content.str)
	// The indexer rejects a file with invalid UTF-8; fail here, before writing.
	if !utf8.Valid(md.Bytes()) {
		return nil, errors.New("importer: post is not valid UTF-8")
	}
	return md.Bytes(), nil
}

// categoryFile is the _category.yaml naming the post's category cat, in lang
// when cat is a plain string.
func categoryFile(cat *value, lang string) ([]byte, error) {
	names, err := localized(cat, "category")
	if err != nil {
		return nil, err
	}
	if names.Kind == yaml.ScalarNode {
		// _category.yaml's name is always a map; a plain string names the
		// category in the post's language.
		names = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{strNode(lang), names}}
	}
	y, err := encodeYAML(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{strNode("name"), names}})
	if err != nil {
		return nil, fmt.Errorf("importer: _category.yaml: %w", err)
	}
	if !utf8.Valid(y) {
		return nil, errors.New("importer: category is not valid UTF-8")
	}
	return y, nil
}

// splitSlug splits "cs/multi..." into its category and slug, both valid.
func splitSlug(s string) (category, slug string, ok bool) {
	category, slug, ok = strings.Cut(s, "/")
	if !ok || !slugPart.MatchString(category) || !slugPart.MatchString(slug) {
		return "", "", false
	}
	return category, slug, true
}

// isDate reports whether s is a date CONTENT.md accepts.
func isDate(s string) bool {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return true
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// localized converts a title, description or category: a string, or an object of
// strings whose key order is kept. nil means absent.
func localized(v *value, what string) (*yaml.Node, error) {
	if v == nil {
		return nil, nil
	}
	switch v.kind {
	case kindString:
		return strNode(v.str), nil
	case kindObject:
		if len(v.keys) == 0 {
			return nil, fmt.Errorf("importer: post %q is an empty object", what)
		}
		n := &yaml.Node{Kind: yaml.MappingNode}
		for i, k := range v.keys {
			if v.elems[i].kind != kindString {
				return nil, fmt.Errorf("importer: post %q.%q is a JSON %s, want a string", what, k, v.elems[i].kind)
			}
			n.Content = append(n.Content, strNode(k), strNode(v.elems[i].str))
		}
		return n, nil
	}
	return nil, fmt.Errorf("importer: post %q is a JSON %s, want a string or an object of strings", what, v.kind)
}

// dateNode is a date as a plain scalar (date: 2025-02-21), as CONTENT.md's
// example writes it; the !!timestamp tag is what keeps the encoder from quoting.
func dateNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: s}
}

// strNode is a string scalar. The encoder quotes it when a plain scalar would
// read back as something else under YAML 1.2; needsQuotes adds the YAML 1.1
// cases, because the front matter may be read by a 1.1 parser.
func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if needsQuotes(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func needsQuotes(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF":
		return true
	}
	return base60.MatchString(s)
}

// yamlNode converts any JSON value, key order kept. dateish writes a date string
// plain, for keys such as "updated" that CONTENT.md types as dates.
func yamlNode(v *value, dateish bool) *yaml.Node {
	switch v.kind {
	case kindNull:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case kindBool:
		s := "false"
		if v.b {
			s = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: s}
	case kindNumber:
		tag := "!!int"
		for _, c := range v.str {
			if c == '.' || c == 'e' || c == 'E' {
				tag = "!!float"
				break
			}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.str}
	case kindString:
		if dateish && isDate(v.str) {
			return dateNode(v.str)
		}
		return strNode(v.str)
	case kindArray:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range v.elems {
			n.Content = append(n.Content, yamlNode(e, false))
		}
		return n
	default: // kindObject
		n := &yaml.Node{Kind: yaml.MappingNode}
		for i, k := range v.keys {
			n.Content = append(n.Content, strNode(k), yamlNode(v.elems[i], false))
		}
		return n
	}
}

// encodeYAML writes n in block style with two-space indents, as CONTENT.md's
// example does (yaml.v3 defaults to four).
func encodeYAML(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeFiles writes files under dir, all or none: every conflict is found before
// the first write.
func writeFiles(ctx context.Context, dir string, files []file, lang string, force bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	// An os.Root keeps every write inside dir even if a directory in it is a
	// symlink pointing elsewhere.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	defer root.Close()

	var todo []file
	for _, f := range files {
		old, err := root.ReadFile(filepath.FromSlash(f.path))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			todo = append(todo, f)
		case err != nil:
			return nil, fmt.Errorf("importer: %w", err)
		case bytes.Equal(old, f.data):
			// Already imported.
		case force:
			todo = append(todo, f)
		default:
			return nil, fmt.Errorf("importer: %s exists with different content (use Force to overwrite)", f.path)
		}
	}
	// The post file is last. A bundle (<slug>/index.<lang>.md) of the same post
	// would give it a duplicate slug, which the indexer rejects.
	post := files[len(files)-1].path
	bundle := path.Join(post[:len(post)-len("."+lang+".md")], "index."+lang+".md")
	if _, err := root.Stat(filepath.FromSlash(bundle)); err == nil {
		return nil, fmt.Errorf("importer: %s exists: the post is already a bundle", bundle)
	}

	var written []string
	for _, f := range todo {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		if err := writeAtomic(root, f); err != nil {
			return written, fmt.Errorf("importer: %s: %w", f.path, err)
		}
		written = append(written, f.path)
	}
	return written, nil
}

// writeAtomic writes f to a temporary file beside it and renames it into place.
// The temporary name ends in .tmp, which is not a content file name, so the
// indexer ignores it.
func writeAtomic(root *os.Root, f file) error {
	name := filepath.FromSlash(f.path)
	if err := root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	var (
		tmp string
		out *os.File
		err error
	)
	for range 100 {
		tmp = filepath.Join(filepath.Dir(name), fmt.Sprintf(".%s.%08x.tmp", filepath.Base(name), rand.Uint32()))
		out, err = root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return err
	}
	_, err = out.Write(f.data)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
	}
	return err
}
