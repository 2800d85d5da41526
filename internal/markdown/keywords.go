package markdown

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2/syntax"
)

// keywords is a rule of a lexer that lists words: a group of alternatives
// made of ASCII letters, digits and '_' only, then a word boundary, after
// a word boundary or (?<!\.) or nothing. SQL's keyword rule lists about
// 900 words, case-insensitive, and regexp2 tries them one after the other
// wherever a word starts: it took two fifths of the regexp time of a light
// corpus's code (Python's builtins and Go's keywords are smaller lists of
// the same kind). The match is a lookup instead: every alternative being
// word characters, ended by a word boundary, only the whole run of word
// characters at the position can match, and then only if it is a listed
// word. TestKeywords holds the lookup to regexp2 on every such rule.
type keywords struct {
	words  map[string]struct{} // lower-cased when fold
	maxLen int                 // the longest word, in bytes (ASCII)
	fold   bool                // the lexer is case-insensitive
	bound  bool                // \b before the group
	notDot bool                // (?<!\.) before the group
}

// keywordsRule is the form of a keywords rule's pattern, as chroma's Words
// writes it (alternatives quoted by regexp.QuoteMeta, which leaves word
// characters as they are).
var keywordsRule = regexp.MustCompile(`^(\\b|\(\?<!\\\.\))?\(([A-Za-z0-9_]+(?:\|[A-Za-z0-9_]+)*)\)\\b$`)

// keywordsOf returns the keywords of a rule's pattern, nil when the rule is
// not a list of words.
func keywordsOf(pattern string, fold bool) *keywords {
	m := keywordsRule.FindStringSubmatch(pattern)
	if m == nil {
		return nil
	}
	k := &keywords{words: map[string]struct{}{}, fold: fold, bound: m[1] == `\b`, notDot: m[1] == `(?<!\.)`}
	for w := range strings.SplitSeq(m[2], "|") {
		if fold {
			w = strings.ToLower(w)
		}
		k.words[w] = struct{}{}
		k.maxLen = max(k.maxLen, len(w))
	}
	return k
}

// match matches k at pos of text: n runes when hit. sure is false when the
// run of word characters there holds a character past ASCII, which a
// case-insensitive regexp2 may match to an ASCII one (the Kelvin sign to
// k): regexp2 decides then.
func (k *keywords) match(text []rune, pos int) (n int, hit, sure bool) {
	if pos > 0 && (k.notDot && text[pos-1] == '.' || k.bound && syntax.IsWordChar(text[pos-1])) {
		// \b before a word character needs a non-word one before it; a
		// non-word character at pos matches no alternative anyway.
		return 0, false, true
	}
	var buf [64]byte
	end := pos
	for end < len(text) && syntax.IsWordChar(text[end]) {
		r := text[end]
		if r >= utf8.RuneSelf {
			return 0, false, false
		}
		if end-pos >= k.maxLen || end-pos >= len(buf) {
			return 0, false, true // longer than every word: none is the run
		}
		if k.fold && 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		buf[end-pos] = byte(r)
		end++
	}
	n = end - pos
	if n == 0 {
		return 0, false, true
	}
	_, hit = k.words[string(buf[:n])]
	return n, hit, true
}
