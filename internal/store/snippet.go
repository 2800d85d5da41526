package store

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Snippets are cut in Go rather than by FTS5's snippet(): the one code path
// serves trigram, word-prefix and mixed matches alike, the text around the
// marks is HTML-escaped (snippet() would return it raw), and the FTS tables
// need not keep a copy of the text.

// snippetWidth is a snippet's length in columns: a Hangul syllable counts
// two, a Latin letter one, so Korean and English snippets look alike.
const snippetWidth = 160

// snippetMaxMatches bounds the work on a text that matches everywhere.
const snippetMaxMatches = 2000

// match is one occurrence of a term in a text, as byte offsets.
type match struct {
	start, end int
	term       int
}

// folded is a text folded rune by rune, with the offset in the original of
// every byte of the folded copy, so matches found in the copy map back.
type folded struct {
	text string
	orig []int32 // len(text)+1 offsets into the original
}

// foldText lowers s as both tables do, and makes a run of spaces one space
// (a newline when it holds one), as the trigram table's text has it. With
// bare, it also takes the marks off letters as the word table does
// (remove_diacritics), which the trigram table does not.
func foldText(s string, bare bool) folded {
	var b strings.Builder
	b.Grow(len(s))
	orig := make([]int32, 0, len(s)+1)
	space := -1 // where a pending run of spaces started
	newline := false
	for i, r := range s {
		if unicode.IsSpace(r) {
			if space < 0 {
				space, newline = i, false
			}
			newline = newline || r == '\n' || r == '\r'
			continue
		}
		if space >= 0 {
			if newline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
			orig = append(orig, int32(space))
			space = -1
		}
		lr := foldRune(r, bare)
		n := b.Len()
		b.WriteRune(lr)
		for range b.Len() - n {
			orig = append(orig, int32(i))
		}
	}
	orig = append(orig, int32(len(s)))
	return folded{text: b.String(), orig: orig}
}

func foldRune(r rune, bare bool) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	r = unicode.ToLower(r)
	if bare && r < 0x1100 { // Latin, Greek, Cyrillic: not Hangul, which decomposes into letters
		if d := norm.NFD.String(string(r)); len(d) > 1 {
			base, n := utf8.DecodeRuneInString(d)
			if strings.IndexFunc(d[n:], func(m rune) bool { return !unicode.Is(unicode.Mn, m) }) < 0 {
				return base
			}
		}
	}
	return r
}

func foldString(s string) string {
	return foldText(s, false).text
}

// isWordRune is what SQLite's unicode61 tokenizer keeps in a token: letters,
// numbers and private-use characters; the rest separates tokens.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// needles are what a term looks like in a folded text: a substring term
// itself; a word-table term itself, else each word the word table made of
// it (the words matched where the text has other separators between them).
func needles(t Term) []string {
	if t.Substring {
		return []string{foldString(t.Text)}
	}
	// The term as a whole first: it marks AT&T as one.
	out := []string{foldText(t.Text, true).text}
	var b strings.Builder
	for _, r := range t.Text + " " {
		if isWordRune(r) {
			b.WriteRune(foldRune(r, true))
			continue
		}
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	return out
}

// findMatches lists where the terms occur in text. A substring term counts
// anywhere, as the trigram table matched it; a word-table term's words count
// where a word starts, as the word table matched them.
func findMatches(text string, terms []Term) []match {
	var (
		plain, bare *folded
		lower       *folded // ASCII letters lowered: the same offsets
		out         []match
	)
	raw := &folded{text: text} // orig nil: the offsets are the text's own
	find := func(ft *folded, nd string, ti int, wordStart bool) bool {
		found := false
		for from := 0; from < len(ft.text) && len(out) < snippetMaxMatches; {
			i := strings.Index(ft.text[from:], nd)
			if i < 0 {
				break
			}
			i += from
			from = i + len(nd)
			if wordStart {
				if r, _ := utf8.DecodeLastRuneInString(ft.text[:i]); i > 0 && isWordRune(r) {
					continue
				}
			}
			m := match{start: i, end: i + len(nd), term: ti}
			if ft.orig != nil {
				m.start, m.end = int(ft.orig[m.start]), int(ft.orig[m.end])
			}
			out = append(out, m)
			found = true
		}
		return found
	}
	for ti, t := range terms {
		found := false
		for k, nd := range needles(t) {
			if nd == "" || k > 0 && found {
				continue
			}
			switch {
			case foldFree(nd):
				found = find(raw, nd, ti, !t.Substring) || found
				continue
			case isASCIIWord(nd) && !mayFoldToASCII(text):
				if lower == nil {
					lower = &folded{text: asciiLower(text)}
				}
				found = find(lower, nd, ti, !t.Substring) || found
				continue
			}
			f := &bare
			if t.Substring {
				f = &plain
			}
			if *f == nil {
				v := foldText(text, !t.Substring)
				*f = &v
			}
			found = find(*f, nd, ti, !t.Substring) || found
		}
	}
	sortMatches(out)
	return out
}

// isASCIIWord reports whether s is ASCII without spaces: lowering the text's
// ASCII letters is then enough to find it, in place.
func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f' {
			return false
		}
	}
	return true
}

// mayFoldToASCII reports whether s may hold a letter that loses its mark to
// become ASCII (é, ç, ệ): UTF-8 lead bytes of U+00C0 to U+04FF, and of
// U+1000 to U+1FFF.
func mayFoldToASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0xC3 && c < 0xD4 || c == 0xE1 {
			return true
		}
	}
	return false
}

// asciiLower lowers the ASCII letters of s and leaves every other byte.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// foldFree reports whether a needle can be looked for in the text as it is:
// none of its characters has another case or is a space, and none is a
// letter that could have lost a mark (Hangul and the like have neither), so
// folding the text would not find it anywhere else. Korean needles are;
// they skip the folded copy of the whole text.
func foldFree(nd string) bool {
	for _, r := range nd {
		if unicode.IsSpace(r) || unicode.SimpleFold(r) != r || r < 0x1100 && unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func sortMatches(ms []match) {
	slices.SortFunc(ms, func(a, b match) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
}

func runeWidth(r rune) int {
	switch {
	case r < 0x1100:
		return 1
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0xA4CF,   // CJK, Hiragana, Katakana, Yi
		r >= 0xAC00 && r <= 0xD7A3,   // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,   // CJK compatibility
		r >= 0xFF00 && r <= 0xFF60,   // full-width forms
		r >= 0x1F300 && r <= 0x1FAFF, // emoji
		r >= 0x20000 && r <= 0x3FFFD:
		return 2
	}
	return 1
}

// columns returns, for every byte offset of s, the columns s takes before it.
func columns(s string) []int32 {
	cols := make([]int32, len(s)+1)
	var c int32
	prev := 0
	for i, r := range s {
		for k := prev; k < i; k++ {
			cols[k] = cols[prev]
		}
		cols[i] = c
		prev = i
		c += int32(runeWidth(r))
	}
	for k := prev + 1; k < len(s); k++ {
		cols[k] = cols[prev]
	}
	cols[len(s)] = c
	return cols
}

// bestWindow picks the run of matches that fits in snippetWidth columns and
// covers the most distinct terms, then the most matches; the earliest wins a
// tie. It returns the index range [i, j) into ms, which is sorted by start.
func bestWindow(cols []int32, ms []match) (int, int) {
	counts := map[int]int{}
	bi, bj, bestTerms, bestCount := 0, 1, -1, -1
	j := 0
	for i := range ms {
		for j < len(ms) && (j == i || cols[ms[j].end]-cols[ms[i].start] <= snippetWidth) {
			counts[ms[j].term]++
			j++
		}
		if len(counts) > bestTerms || len(counts) == bestTerms && j-i > bestCount {
			bi, bj, bestTerms, bestCount = i, j, len(counts), j-i
		}
		if counts[ms[i].term]--; counts[ms[i].term] == 0 {
			delete(counts, ms[i].term)
		}
	}
	return bi, bj
}

// snippetOf cuts the part of text around its best run of matches ms,
// escapes it and marks the matches. With no match it is the start of the
// text.
func snippetOf(text string, ms []match) string {
	if len(ms) == 0 {
		end := advance(text, 0, snippetWidth)
		return renderSnippet(text, 0, end, nil)
	}
	cols := columns(text)
	i, j := bestWindow(cols, ms)
	ms = ms[i:j]
	first, last := ms[0].start, ms[len(ms)-1].end
	for _, m := range ms {
		last = max(last, m.end)
	}
	width := func(a, b int) int { return int(cols[b] - cols[a]) }
	used := width(first, last)
	// A quarter of the spare room goes before the first match, the rest after.
	spare := max(snippetWidth-used, 0)
	start := retreat(text, first, spare/4)
	end := advance(text, last, snippetWidth-used-width(start, first))
	if end == len(text) {
		// The text ends early: the room left goes before the match.
		start = retreat(text, start, snippetWidth-width(start, end))
	}
	return renderSnippet(text, start, end, ms)
}

// retreat moves back from i by up to width columns, to a word start.
func retreat(s string, i, width int) int {
	j := i
	for w := 0; j > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if w+runeWidth(r) > width {
			break
		}
		w += runeWidth(r)
		j -= n
	}
	if j == 0 || j == i {
		return j
	}
	// Do not start in the middle of a word when a space is close by.
	for k := j; k < i; {
		r, n := utf8.DecodeRuneInString(s[k:])
		if unicode.IsSpace(r) {
			return k + n
		}
		k += n
	}
	return j
}

// advance moves forward from i by up to width columns, to a word end.
func advance(s string, i, width int) int {
	j := i
	for w := 0; j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		if w+runeWidth(r) > width {
			break
		}
		w += runeWidth(r)
		j += n
	}
	if j == len(s) || j == i {
		return j
	}
	for k := j; k > i; {
		r, n := utf8.DecodeLastRuneInString(s[:k])
		if unicode.IsSpace(r) {
			return k - n
		}
		k -= n
	}
	return j
}

// renderSnippet writes text[start:end] as HTML with the matches (sorted,
// possibly overlapping) marked and whitespace runs collapsed to one space.
func renderSnippet(text string, start, end int, ms []match) string {
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for k := 0; k < len(ms); {
		m := ms[k]
		mEnd := m.end
		// Overlapping and touching matches make one mark.
		for k++; k < len(ms) && ms[k].start <= mEnd; k++ {
			mEnd = max(mEnd, ms[k].end)
		}
		writeText(&b, text[pos:m.start])
		b.WriteString("<mark>")
		writeText(&b, text[m.start:mEnd])
		b.WriteString("</mark>")
		pos = mEnd
	}
	writeText(&b, text[pos:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// writeText escapes s for HTML, collapsing whitespace and dropping control
// characters.
func writeText(b *strings.Builder, s string) {
	var plain strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if space {
			plain.WriteByte(' ')
			space = false
		}
		plain.WriteRune(r)
	}
	if space {
		plain.WriteByte(' ')
	}
	b.WriteString(html.EscapeString(plain.String()))
}
