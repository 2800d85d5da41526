package markdown

import (
	"unicode"
	"unicode/utf8"
)

// Reading speeds behind ReadingMinutes. Korean and other CJK text is read
// character by character, Latin-script text word by word, so a post mixing
// both is measured in both units.
const (
	cjkCharsPerMinute = 500
	wordsPerMinute    = 200
)

// ReadingMinutes estimates the minutes needed to read text (usually
// Result.Text): ceil(CJK chars/500 + words/200), at least 1. CJK means
// Hangul, Han, Hiragana and Katakana; a word is a run of characters that are
// neither space nor CJK and contains at least one letter or digit, so
// "Inter-Process" is one word and a lone "—" none.
func ReadingMinutes(text string) int {
	cjk, words := 0, 0
	inWord, counted := false, false
	for i := 0; i < len(text); {
		c := text[i]
		var r rune
		if c < utf8.RuneSelf {
			r = rune(c)
			i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
		}
		switch {
		case r >= 0xAC00 && r <= 0xD7A3: // a Hangul syllable, Korean's every letter: first
			cjk++
			inWord = false
		case isSpace(r):
			inWord = false
		case r >= 0x1100 && isCJK(r):
			cjk++
			inWord = false
		default:
			if !inWord {
				inWord, counted = true, false
			}
			if !counted && isAlnum(r) {
				words++
				counted = true
			}
		}
	}
	// Integer form of ceil(cjk/500 + words/200): both terms over 1000.
	units := cjk*(1000/cjkCharsPerMinute) + words*(1000/wordsPerMinute)
	minutes := (units + 999) / 1000
	return max(minutes, 1)
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v'
	}
	return unicode.IsSpace(r)
}

func isAlnum(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isCJK is only called for r >= U+1100, the first Hangul Jamo, so ASCII
// and Latin text never pays for the table lookups, and after ReadingMinutes
// has counted the Hangul syllables, by far the most common.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Hangul, unicode.Han, unicode.Hiragana, unicode.Katakana)
}
