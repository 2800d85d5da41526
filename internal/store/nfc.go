package store

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// searchText is text as the search tables keep it: NFC, as queries are, so
// that Korean typed in decomposed form still matches.
//
// Nearly all text is NFC already, and norm finds that out with a table
// lookup per character, which for Hangul (three bytes each) cost as much
// as a tenth of an index run's own work beyond rendering. A text made only
// of stable starters (below) is NFC as it stands and is returned after one
// bitmap test per character; any other goes through norm.
func searchText(s string) string {
	if stableText(s) {
		return s
	}
	return norm.NFC.String(s)
}

// stableText reports whether every character of s is a stable starter of
// the Basic Multilingual Plane, so that s is NFC. False only means "ask
// norm": invalid UTF-8 and characters outside the plane say false.
func stableText(s string) bool {
	stable := stableStarters()
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if n == 1 || r > 0xFFFF || stable[r>>6]&(1<<(r&63)) == 0 {
			return false
		}
		i += n
	}
	return true
}

// stableStarters is a bitmap of the characters of the Basic Multilingual
// Plane that are NFC on their own and that nothing before them can combine
// with or reorder against (canonical class 0, no backward composition):
// NFC's quick check says yes to a text made only of them. ASCII, Hangul
// syllables, Han, kana and common punctuation are; combining marks,
// conjoining jamo and characters NFC replaces are not. It is read off
// norm's own tables, once: 8 KB.
var stableStarters = sync.OnceValue(func() *[1 << 10]uint64 {
	var bits [1 << 10]uint64
	var buf [utf8.UTFMax]byte
	for r := rune(0); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // surrogates are not characters
		}
		b := buf[:utf8.EncodeRune(buf[:], r)]
		if p := norm.NFC.Properties(b); p.BoundaryBefore() && norm.NFC.IsNormal(b) {
			bits[r>>6] |= 1 << (r & 63)
		}
	}
	return &bits
})
