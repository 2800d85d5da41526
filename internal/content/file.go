package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is one parsed post file: one language of one post.
type File struct {
	// Path is the file's path relative to the content root; it decides
	// Category, Slug and Lang.
	Path string
	// Category is the folder; Slug is the post's slug without the category.
	Category, Slug string
	Lang           string
	// Hash is the hex SHA-256 of the raw bytes, so that the indexer can skip
	// files that did not change.
	Hash string
	// Title and Description map language to text; a plain string is stored
	// under Lang. Never nil.
	Title, Description map[string]string
	// Date is exactly the scalar text written in YAML ("2025-02-21"), which
	// is what the API serves; Time is its parsed value (a YYYY-MM-DD date is
	// midnight UTC).
	Date string
	Time time.Time
	// Updated and UpdatedTime are the optional key updated, like Date.
	Updated     string
	UpdatedTime time.Time
	// Tags is the list as written, trimmed, empty entries dropped; nil when
	// absent. Assemble removes duplicates.
	Tags []string
	// Draft files are never served; Assemble leaves them out.
	Draft bool
	// Extra holds unknown front-matter keys, decoded into JSON-compatible
	// values: map[string]any, []any, string, int, float64, bool, nil.
	// Timestamps, NaN and infinities stay the text written. Nil when there
	// are none.
	Extra map[string]any
	// Body is every byte after the closing "---" line's newline, untouched.
	// It aliases the data given to ParseFile.
	Body []byte
	// BodyLine is the 1-based line number of the first line of Body, so that
	// problems found while rendering can be reported against the file.
	BodyLine int
	// TitleLine and DateLine are the lines of the front-matter keys title
	// and date, 0 when absent: Assemble points at a key that is present but
	// empty. Two numbers rather than a line per key: the index keeps every
	// file's front matter in memory, where a map per file was much of it.
	TitleLine, DateLine int
}

var bom = []byte("\xef\xbb\xbf")

// isDelim reports whether line (without its "\n") is a front-matter
// delimiter: "---", tolerating a trailing "\r" and trailing blanks.
func isDelim(line []byte) bool {
	return string(bytes.TrimRight(line, " \t\r")) == "---"
}

// frontMatter locates the front matter of data. It returns the YAML text
// between the delimiter lines, the offset where the body starts and the line
// number of the closing delimiter.
func frontMatter(path string, data []byte) (yamlSrc []byte, bodyOff, closeLine int, err *Error) {
	start := 0
	if bytes.HasPrefix(data, bom) {
		start = len(bom)
	}
	nl := bytes.IndexByte(data[start:], '\n')
	if nl < 0 || !isDelim(data[start:start+nl]) {
		if nl < 0 && isDelim(data[start:]) {
			return nil, 0, 0, errorf(path, 1, "unterminated front matter: no closing \"---\" line")
		}
		return nil, 0, 0, errorf(path, 1, "no front matter: the file must start with a line \"---\"")
	}
	fmStart := start + nl + 1
	line := 2
	for pos := fmStart; pos < len(data); line++ {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(data)
		}
		if isDelim(data[pos:end]) {
			return data[fmStart:pos], next, line, nil
		}
		pos = next
	}
	return nil, 0, 0, errorf(path, 1, "unterminated front matter: no closing \"---\" line")
}

// Bounds of a post file's front matter. Its title, description, tags and
// other keys go into every list, feed and search answer that shows the post:
// unbounded, one file of 200,000 tags or a 3 MB title made /posts answer
// 19.5 MB and a hundred slow readers hold a gigabyte. Real front matter is a
// few hundred bytes and a handful of tags.
const (
	MaxFrontMatterBytes = 64 << 10
	MaxTags             = 100
	MaxTagBytes         = 200
)

// ParseFile parses one post file. path decides Category, Slug and Lang;
// errors are *Error naming the file and line. The whole file must be valid
// UTF-8. Body aliases data, so data must not be modified afterwards.
//
// ParseFile checks what one file can tell: it does not know the site's
// languages (Scan does) nor whether the post has a title or date in another
// language's file (Assemble does).
func ParseFile(path string, data []byte) (*File, error) {
	f, err := parseFile(path, data)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func parseFile(path string, data []byte) (*File, *Error) {
	category, slug, lang, problem := splitPostPath(path)
	if problem != "" {
		return nil, errorf(path, 0, "%s", problem)
	}
	if err := checkUTF8(path, data); err != nil {
		return nil, err
	}
	src, bodyOff, closeLine, err := frontMatter(path, data)
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFrontMatterBytes {
		return nil, errorf(path, 1, "front matter of %d bytes (at most %d)", len(src), MaxFrontMatterBytes)
	}
	sum := sha256.Sum256(data)
	f := &File{
		Path:        path,
		Category:    category,
		Slug:        slug,
		Lang:        lang,
		Hash:        hex.EncodeToString(sum[:]),
		Title:       map[string]string{},
		Description: map[string]string{},
		Body:        data[bodyOff:len(data):len(data)],
		BodyLine:    closeLine + 1,
	}
	doc, yerr := yamlDoc(src)
	if yerr != nil {
		e := yamlError(path, 1, src, yerr)
		// The parser may point past the last YAML line at the end of input;
		// the closing delimiter is the last line the front matter owns.
		e.Line = min(e.Line, closeLine)
		return nil, e
	}
	r := newYAMLReader(path, 1, src)
	ps, err := r.topLevel(doc, "front matter")
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		switch p.key {
		case "title":
			f.TitleLine = r.line(p.keyN)
		case "date":
			f.DateLine = r.line(p.keyN)
		}
		if err := r.fileKey(f, p); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// fileKey reads one top-level front-matter key into f.
func (r *yamlReader) fileKey(f *File, p pair) *Error {
	var err *Error
	switch p.key {
	case "title":
		f.Title, err = r.localized(p.value, "title", f.Lang)
	case "description":
		f.Description, err = r.localized(p.value, "description", f.Lang)
	case "date":
		f.Date, f.Time, err = r.date(p.value, "date")
	case "updated":
		f.Updated, f.UpdatedTime, err = r.date(p.value, "updated")
	case "tags":
		f.Tags, err = r.tags(p.value)
	case "draft":
		v := resolve(p.value)
		if isNull(v) {
			return nil
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&f.Draft) != nil {
			return r.errf(p.value, "draft must be true or false")
		}
	default:
		var v any
		if v, err = r.value(p.value, 1); err == nil {
			if f.Extra == nil {
				f.Extra = map[string]any{}
			}
			f.Extra[p.key] = v
		}
	}
	return err
}

// date reads a date key: YYYY-MM-DD or RFC 3339, kept as written.
func (r *yamlReader) date(n *yaml.Node, key string) (string, time.Time, *Error) {
	s, ok, err := r.text(n, key)
	if err != nil || !ok {
		return "", time.Time{}, err
	}
	t, perr := ParseDate(s)
	if perr != nil {
		return "", time.Time{}, r.errf(n, "%s %q is not a date: want YYYY-MM-DD or RFC 3339 (2025-02-21T09:30:00+09:00)", key, s)
	}
	return s, t, nil
}

// ParseDate reads a front matter date: YYYY-MM-DD (midnight UTC) or RFC 3339.
func ParseDate(s string) (time.Time, error) {
	if len(s) == len(time.DateOnly) {
		return time.Parse(time.DateOnly, s)
	}
	return time.Parse(time.RFC3339, s)
}

// tags reads the list of tags; empty entries are dropped.
func (r *yamlReader) tags(n *yaml.Node) ([]string, *Error) {
	v := resolve(n)
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, r.errf(n, "tags must be a list of strings, like [go, web]")
	}
	if len(v.Content) > MaxTags {
		return nil, r.errf(n, "%d tags (at most %d)", len(v.Content), MaxTags)
	}
	tags := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		s, ok, err := r.text(c, "a tag")
		if err != nil {
			return nil, err
		}
		if len(s) > MaxTagBytes {
			return nil, r.errf(c, "a tag of %d bytes (at most %d)", len(s), MaxTagBytes)
		}
		if s = strings.TrimSpace(s); ok && s != "" {
			tags = append(tags, s)
		}
	}
	return tags, nil
}
