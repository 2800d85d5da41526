package content

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// yamlDoc parses src into a node tree. The tree, not a struct, is what keeps
// the line of every key for error reports and lets unknown keys through.
//
// The recover is deliberate: the parser runs on whatever authors commit, and
// a parser bug must cost one file, not the indexer.
func yamlDoc(src []byte) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("yaml: parser failed: %v", r)
		}
	}()
	doc = new(yaml.Node)
	if err := yaml.Unmarshal(src, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// splitYAMLError separates the line a YAML error names from its message;
// line is 0 when the error names none.
func splitYAMLError(err error) (line int, msg string) {
	msg = err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			return n, m[2]
		}
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// Limits of the search for the line of a YAML error; past them the parser's
// own line is reported.
const (
	maxRefineLines = 500
	maxRefineBytes = 32 << 10
)

// yamlError turns a parser error on src into an *Error. off is added to
// lines of src to get lines of the file (the front matter of a post starts
// on line 2).
//
// The parser's line is often not the line to fix: for parse errors it is the
// zero-based line where the enclosing construct began, and some errors
// (unknown alias, control character) have none. So, for front matter of
// ordinary size, the line becomes the first line whose inclusion makes a
// prefix of src fail with the same message; the true position is never
// before the parser's line, so the search starts there.
func yamlError(path string, off int, src []byte, err error) *Error {
	line, msg := splitYAMLError(err)
	line = newLineMap(src).line(line)
	if l := refineYAMLLine(src, line, msg); l > 0 {
		line = l
	}
	return &Error{Path: path, Line: max(line, 1) + off, Reason: "bad YAML: " + msg}
}

// lineMap turns lines as the YAML parser counts them into lines as geul
// reports them, counted by \n alone: the parser also ends a line at a lone
// \r and at NEL, LS and PS. Element i is the line of the parser's line i+1;
// nil when src has none of those breaks and the two counts agree.
type lineMap []int

func newLineMap(src []byte) lineMap {
	if !bytes.ContainsAny(src, "\r\u0085\u2028\u2029") {
		return nil
	}
	m, nl := lineMap{1}, 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		switch r {
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				size++
				nl++
			}
		case '\n':
			nl++
		case 0x85, 0x2028, 0x2029:
		default:
			i += size
			continue
		}
		i += size
		m = append(m, nl)
	}
	return m
}

// line is the line of the parser's line n (0 and below stay as they are).
func (m lineMap) line(n int) int {
	switch {
	case m == nil || n < 1:
		return n
	case n > len(m):
		return m[len(m)-1]
	}
	return m[n-1]
}

func refineYAMLLine(src []byte, from int, msg string) int {
	if len(src) > maxRefineBytes || bytes.Count(src, []byte{'\n'}) > maxRefineLines {
		return 0
	}
	// end is the end of line n (1-based), its newline included.
	end, n := 0, 0
	for end < len(src) {
		nl := bytes.IndexByte(src[end:], '\n')
		if nl < 0 {
			end = len(src)
		} else {
			end += nl + 1
		}
		n++
		if n < from {
			continue
		}
		if _, err := yamlDoc(src[:end]); err != nil {
			if _, m := splitYAMLError(err); m == msg {
				return n
			}
		}
	}
	return 0
}

// yamlReader walks a node tree of one file. It turns node lines into file
// lines and bounds the work that aliases can cause.
type yamlReader struct {
	path  string
	off   int     // added to node lines to get file lines
	lines lineMap // node lines as \n counts them
	// budget is the number of nodes that may still be visited; aliases can
	// make a small document expand exponentially ("billion laughs").
	budget int
	// active holds the anchors being expanded, to catch an alias that
	// refers to its own ancestor.
	active map[*yaml.Node]bool
}

// maxDepth bounds recursion into nested values; front matter is never this
// deep, and the bound keeps a hostile file from exhausting the stack.
const maxDepth = 100

func newYAMLReader(path string, off int, src []byte) *yamlReader {
	return &yamlReader{path: path, off: off, lines: newLineMap(src), budget: 10000 + 2*len(src)}
}

func (r *yamlReader) errf(n *yaml.Node, format string, args ...any) *Error {
	line := 1 + r.off
	if n != nil {
		line = r.line(n)
	}
	return errorf(r.path, line, format, args...)
}

// line returns the file line of n.
func (r *yamlReader) line(n *yaml.Node) int {
	if n.Line > 0 {
		return r.lines.line(n.Line) + r.off
	}
	return 1 + r.off
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func isMerge(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" && n.ShortTag() == "!!merge"
}

// pair is one key of a mapping, with merge keys ("<<") already applied.
type pair struct {
	key   string
	keyN  *yaml.Node // for its line
	value *yaml.Node // not resolved: aliases are followed by the consumer
}

// pairs lists the keys of mapping m in document order. A key written twice
// is an error: YAML forbids it, and silently taking one of them would hide a
// mistake. Keys brought in by "<<" come after the explicit ones and never
// override them, as the YAML merge key spec says.
func (r *yamlReader) pairs(m *yaml.Node, depth int) ([]pair, *Error) {
	if depth > maxDepth {
		return nil, r.errf(m, "YAML nested more than %d levels deep", maxDepth)
	}
	out := make([]pair, 0, len(m.Content)/2)
	seen := make(map[string]*yaml.Node, len(m.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, vn := m.Content[i], m.Content[i+1]
		if r.budget--; r.budget < 0 {
			return nil, r.errf(kn, "YAML expands to too many values (aliases)")
		}
		if isMerge(kn) {
			merges = append(merges, vn)
			continue
		}
		k := resolve(kn)
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, r.errf(kn, "a key must be a plain value, not a list or map")
		}
		if prev, dup := seen[k.Value]; dup {
			return nil, r.errf(kn, "key %q is already set on line %d", k.Value, r.line(prev))
		}
		seen[k.Value] = kn
		out = append(out, pair{key: k.Value, keyN: kn, value: vn})
	}
	for _, mv := range merges {
		var sources []*yaml.Node
		switch v := resolve(mv); {
		case v == nil:
		case v.Kind == yaml.MappingNode:
			sources = append(sources, mv)
		case v.Kind == yaml.SequenceNode:
			sources = append(sources, v.Content...)
		default:
			return nil, r.errf(mv, "a merge key (<<) needs a map or a list of maps")
		}
		for _, src := range sources {
			if err := r.enter(src); err != nil {
				return nil, err
			}
			s := resolve(src)
			if s == nil || s.Kind != yaml.MappingNode {
				r.leave(src)
				return nil, r.errf(src, "a merge key (<<) needs a map or a list of maps")
			}
			ps, err := r.pairs(s, depth+1)
			r.leave(src)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				if _, dup := seen[p.key]; !dup {
					seen[p.key] = p.keyN
					out = append(out, p)
				}
			}
		}
	}
	return out, nil
}

// enter marks an alias as being expanded; an alias met again inside its own
// expansion would recurse forever.
func (r *yamlReader) enter(n *yaml.Node) *Error {
	if n.Kind != yaml.AliasNode {
		return nil
	}
	if r.active == nil {
		r.active = make(map[*yaml.Node]bool)
	}
	if r.active[n.Alias] {
		return r.errf(n, "alias *%s refers to a value that contains it", n.Value)
	}
	r.active[n.Alias] = true
	return nil
}

func (r *yamlReader) leave(n *yaml.Node) {
	if n.Kind == yaml.AliasNode {
		delete(r.active, n.Alias)
	}
}

// value converts n to a JSON-compatible Go value: map[string]any, []any,
// string, int, float64, bool or nil. It is used for unknown front-matter keys,
// which are served as JSON under "extra". Timestamps stay the text that was
// written (the decoder would turn them into time.Time), and NaN and infinities,
// which JSON cannot represent, stay text too.
func (r *yamlReader) value(n *yaml.Node, depth int) (any, *Error) {
	if depth > maxDepth {
		return nil, r.errf(n, "YAML nested more than %d levels deep", maxDepth)
	}
	if r.budget--; r.budget < 0 {
		return nil, r.errf(n, "YAML expands to too many values (aliases)")
	}
	if err := r.enter(n); err != nil {
		return nil, err
	}
	defer r.leave(n)
	v := resolve(n)
	if v == nil {
		return nil, nil
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return scalar(v), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(v.Content))
		for _, c := range v.Content {
			x, err := r.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case yaml.MappingNode:
		ps, err := r.pairs(v, depth+1)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(ps))
		for _, p := range ps {
			x, err := r.value(p.value, depth+1)
			if err != nil {
				return nil, err
			}
			out[p.key] = x
		}
		return out, nil
	}
	return nil, nil
}

// scalar converts a scalar node by its resolved tag; anything that is not a
// JSON null, bool or number is the scalar's text.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			if int64(int(i)) == i {
				return int(i)
			}
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
	return n.Value
}

// text returns the string of a scalar node that must hold text. Numbers and
// booleans are taken as written ("title: 2024" is a title). ok is false for
// null, which callers treat as an absent key.
func (r *yamlReader) text(n *yaml.Node, what string) (s string, ok bool, err *Error) {
	v := resolve(n)
	if isNull(v) {
		return "", false, nil
	}
	if v.Kind != yaml.ScalarNode {
		return "", false, r.errf(n, "%s must be a string", what)
	}
	return v.Value, true, nil
}

// localized reads a value that is a map of language to string or, when
// lang is not "", a plain string that belongs to lang. Empty strings are
// dropped, so that an empty title (title: "") counts as no title.
func (r *yamlReader) localized(n *yaml.Node, key, lang string) (map[string]string, *Error) {
	out := map[string]string{}
	v := resolve(n)
	switch {
	case isNull(v):
		return out, nil
	case v.Kind == yaml.ScalarNode && lang != "":
		if s := strings.TrimSpace(v.Value); s != "" {
			out[lang] = s
		}
		return out, nil
	case v.Kind == yaml.MappingNode:
	default:
		if lang != "" {
			return nil, r.errf(n, "%s must be a string or a map of language to string", key)
		}
		return nil, r.errf(n, "%s must be a map of language to string", key)
	}
	if err := r.enter(n); err != nil {
		return nil, err
	}
	defer r.leave(n)
	ps, err := r.pairs(v, 1)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if !validLang(p.key) {
			return nil, r.errf(p.keyN, "%s: %q is not a language code (lower-case letters, digits and -)", key, p.key)
		}
		s, ok, err := r.text(p.value, key+"."+p.key)
		if err != nil {
			return nil, err
		}
		if s = strings.TrimSpace(s); ok && s != "" {
			out[p.key] = s
		}
	}
	return out, nil
}
