package markdown

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2/syntax"
)

// keywords is a rule of a lexer that lists words: a group of literal
// alternatives then a word boundary, after a word boundary or (?<!\.) or
// nothing. SQL's keyword rule lists about 900 words, case-insensitive, and
// regexp2 tries them one after the other wherever a word starts: it took
// two fifths of the regexp time of a light corpus's code (Python's builtins
// and Go's keywords are smaller lists of the same kind). The match is a
// lookup instead (the share was timed per rule in an instrumented build,
// once, not kept). Of the alternatives made of word characters only, ended
// by a word boundary, only one can match: the whole run of word characters
// at the position, if listed. The few others (SQL's END-EXEC) are compared
// one by one, and the first alternative in the list that matches wins, as
// in regexp2. TestKeywords holds the lookup to regexp2 on every such rule.
type keywords struct {
	words   map[string]int // word alternative (lower-cased when fold) → its place in the list
	maxWord int            // the longest word alternative, in bytes (ASCII)
	others  []literal      // the other alternatives, in list order
	fold    bool           // the lexer is case-insensitive
	bound   bool           // \b before the group
	notDot  bool           // (?<!\.) before the group
}

// literal is an alternative with a character other than a word character.
type literal struct {
	text  string // lower-cased when fold
	place int
}

// keywordsRule is the form of a keywords rule's pattern: as chroma's Words
// writes it, or as its XML lexers do. Its alternatives are read by
// alternatives.
var keywordsRule = regexp.MustCompile(`^(\\b|\(\?<!\\\.\))?\(([^()]+)\)\\b$`)

// keywordsOf returns the keywords of a rule's pattern, nil when the rule is
// not a list of literal words.
func keywordsOf(pattern string, fold bool) *keywords {
	m := keywordsRule.FindStringSubmatch(pattern)
	if m == nil {
		return nil
	}
	alts, ok := alternatives(m[2])
	if !ok {
		return nil
	}
	k := &keywords{words: map[string]int{}, fold: fold, bound: m[1] == `\b`, notDot: m[1] == `(?<!\.)`}
	for place, w := range alts {
		if fold {
			w = strings.ToLower(w)
		}
		if strings.IndexFunc(w, func(r rune) bool { return !syntax.IsWordChar(r) }) >= 0 {
			k.others = append(k.others, literal{w, place})
			continue
		}
		if len(w) > maxKeyword {
			return nil // longer than word's buffer: regexp2 matches the rule
		}
		if _, dup := k.words[w]; !dup {
			k.words[w] = place
		}
		k.maxWord = max(k.maxWord, len(w))
	}
	return k
}

// maxKeyword is the longest word alternative a keywords rule may list.
const maxKeyword = 64

// alternatives splits a group's content at its bars into literal strings;
// ok is false when anything in it is not a literal: an unescaped operator,
// an escaped letter or digit (a class, an anchor), or a character past
// printable ASCII.
func alternatives(group string) (alts []string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(group); i++ {
		c := group[i]
		switch {
		case c == '|':
			alts = append(alts, b.String())
			b.Reset()
		case c == '\\':
			i++
			if i == len(group) || !isASCIIPunct(group[i]) {
				return nil, false
			}
			b.WriteByte(group[i])
		case c < ' ' || c > '~' || strings.IndexByte(".+*?()[]{}^$#", c) >= 0:
			return nil, false
		default:
			b.WriteByte(c)
		}
	}
	alts = append(alts, b.String())
	for _, a := range alts {
		if a == "" {
			return nil, false
		}
	}
	return alts, true
}

func isASCIIPunct(c byte) bool {
	return '!' <= c && c <= '~' && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9')
}

// match matches k at pos of text: n runes when hit. sure is false when the
// text it compares holds a character past ASCII, which a case-insensitive
// regexp2 may match to an ASCII one (the Kelvin sign to k): regexp2 decides
// then.
func (k *keywords) match(text []rune, pos int) (n int, hit, sure bool) {
	if k.bound && !isBoundary(text, pos) || k.notDot && pos > 0 && text[pos-1] == '.' {
		return 0, false, true
	}
	n, place, sure := k.word(text, pos)
	if !sure {
		return 0, false, false
	}
	for _, o := range k.others {
		if place >= 0 && o.place > place {
			break
		}
		size := len(o.text) // ASCII: bytes are runes
		if pos+size > len(text) {
			continue
		}
		same := true
		for j := range size {
			r := text[pos+j]
			if r >= utf8.RuneSelf {
				return 0, false, false
			}
			if k.lower(r) != o.text[j] {
				same = false
				break
			}
		}
		if same && isBoundary(text, pos+size) {
			n, place = size, o.place
			break
		}
	}
	return n, place >= 0, true
}

// word finds the word alternative at pos: the run of word characters there,
// if listed (every word alternative ends in a word character, so needs the
// whole run before its boundary). place is -1 when there is none.
func (k *keywords) word(text []rune, pos int) (n, place int, sure bool) {
	var buf [maxKeyword]byte
	end := pos
	for end < len(text) && syntax.IsWordChar(text[end]) {
		r := text[end]
		if r >= utf8.RuneSelf {
			return 0, -1, false
		}
		if end-pos == k.maxWord {
			return 0, -1, true // longer than every word: none is the run
		}
		buf[end-pos] = k.lower(r)
		end++
	}
	place, ok := k.words[string(buf[:end-pos])]
	if !ok {
		return 0, -1, true
	}
	return end - pos, place, true
}

// lower is an ASCII character r as k's words are written: lower-cased
// when the lexer is case-insensitive.
func (k *keywords) lower(r rune) byte {
	if k.fold && 'A' <= r && r <= 'Z' {
		r += 'a' - 'A'
	}
	return byte(r)
}

// isBoundary is regexp2's \b (Runner.IsBoundary) at i of text.
func isBoundary(text []rune, i int) bool {
	return (i > 0 && syntax.IsWordChar(text[i-1])) != (i < len(text) && syntax.IsWordChar(text[i]))
}
