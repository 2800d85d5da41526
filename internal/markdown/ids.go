package markdown

import (
	"bytes"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
)

// headingIDs generates heading ids the way GitHub does: goldmark's default
// generator keeps only ASCII alphanumerics, which turns every Korean heading
// into "heading", "heading-1", ... and makes the table of contents useless.
//
// One value serves one document; Render creates it with the parse context.
type headingIDs struct {
	used map[string]struct{} // every id handed out or Put, suffixed ones included
	last map[string]int      // base id → last suffix tried, so repeats stay linear
}

// Generate implements parser.IDs. value is the heading's last source line,
// markdown syntax included; see slugify for how that is read.
func (s *headingIDs) Generate(value []byte, kind ast.NodeKind) []byte {
	id := slugify(make([]byte, 0, len(value)), value)
	if len(id) == 0 {
		if kind == ast.KindHeading {
			id = append(id, "heading"...)
		} else {
			id = append(id, "id"...)
		}
	}
	if s.used == nil {
		s.used = map[string]struct{}{}
		s.last = map[string]int{}
	}
	base := string(id)
	if _, dup := s.used[base]; !dup {
		s.used[base] = struct{}{}
		return id
	}
	// GitHub numbers repeats -1, -2, ...; skipping suffixes already taken
	// (a heading literally named "a-1" before the second "a") keeps ids
	// unique.
	for i := s.last[base] + 1; ; i++ {
		id = strconv.AppendInt(append(id[:len(base)], '-'), int64(i), 10)
		if _, dup := s.used[string(id)]; !dup {
			s.used[string(id)] = struct{}{}
			s.last[base] = i
			return id
		}
	}
}

// Put implements parser.IDs.
func (s *headingIDs) Put(value []byte) {
	if s.used == nil {
		s.used = map[string]struct{}{}
		s.last = map[string]int{}
	}
	s.used[string(value)] = struct{}{}
}

// slugify appends GitHub's anchor for heading text v to dst: lowercase, keep
// letters, marks, decimal digits, connector punctuation ('_') and '-', turn
// each ASCII space into '-', drop everything else. Non-ASCII spaces are
// dropped, as GitHub does.
//
// goldmark hands the id generator the raw source line, before inline
// parsing, while GitHub slugs the rendered text. The two differ mostly by
// link destinations, so those are skipped, and by character references,
// which are resolved. Other markup is punctuation and drops out by itself,
// except '_' used for emphasis, which GitHub's rendered text loses and this
// keeps.
func slugify(dst, v []byte) []byte {
	v = bytes.TrimSpace(v)
	if bytes.IndexByte(v, '&') >= 0 || bytes.IndexByte(v, '\\') >= 0 {
		v = resolveText(v)
	}
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
				dst = append(dst, c)
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+'a'-'A')
			case c == ' ':
				dst = append(dst, '-')
			case c == ']' && i < len(v) && v[i] == '(':
				i = skipDestination(v, i)
			}
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.M, unicode.Pc) {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	return dst
}

// skipDestination returns the index just past the ')' that closes the link
// destination opened at v[open] == '(', or open itself when it is not closed
// (then the parentheses were text, not a link).
func skipDestination(v []byte, open int) int {
	depth := 0
	for i := open; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return open
}
