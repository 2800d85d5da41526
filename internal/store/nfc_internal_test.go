package store

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// searchText must be norm.NFC.String, whatever path it takes: the pool
// mixes what it lets through unchecked (ASCII, Hangul syllables, Han,
// punctuation) with what must go through norm (conjoining jamo, combining
// marks, characters NFC replaces, invalid UTF-8, characters beyond the
// Basic Multilingual Plane).
func TestSearchTextIsNFC(t *testing.T) {
	pool := []string{
		"a", "Z", " ", "\n", "e", "A", "한", "글", "가", "힣", "漢", "か", "…", "·", "—", "“", "é", "Å",
		"\u1100", "\u1161", "\u11a8", // conjoining jamo: L, V, T
		"\u0301", "\u0327", "\u093c", "\u3099", // combining marks
		"\u212b", "\uf900", "\u0344", "\u2000", // NFC replaces each
		"\xff", "\xe1\x84", "😀", "\U0001d15e", // invalid UTF-8, astral characters
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) + 1 {
			b.WriteString(pool[rng.IntN(len(pool))])
		}
		s := b.String()
		if got, want := searchText(s), norm.NFC.String(s); got != want {
			t.Fatalf("searchText(%+q) = %+q, want %+q", s, got, want)
		}
	}
	for _, s := range []string{"프로세스와 스레드", "goroutine · 채널…", "漢字 かな"} {
		if !stableText(s) {
			t.Errorf("stableText(%q) = false: text of stable starters takes norm's path", s)
		}
	}
	for _, s := range []string{"\u1100\u1161", "e\u0301", "\u212b", "한\u11a8"} {
		if stableText(s) {
			t.Errorf("stableText(%+q) = true, but it is not NFC-stable", s)
		}
	}
}

func BenchmarkSearchText(b *testing.B) {
	s := strings.Repeat("프로세스는 실행 중인 프로그램이고, goroutine은 Go의 가벼운 스레드입니다. ", 200)
	b.SetBytes(int64(len(s)))
	b.Run("geul", func(b *testing.B) {
		for b.Loop() {
			_ = searchText(s)
		}
	})
	b.Run("norm", func(b *testing.B) {
		for b.Loop() {
			_ = norm.NFC.String(s)
		}
	})
}

// asciiSpace, TrigramText's shortcut, is unicode.IsSpace for every ASCII
// character.
func TestASCIISpaceIsUnicodeSpace(t *testing.T) {
	for c := range rune(len(asciiSpace)) {
		if asciiSpace[c] != unicode.IsSpace(c) {
			t.Errorf("asciiSpace[%q] = %v, unicode.IsSpace says %v", c, asciiSpace[c], unicode.IsSpace(c))
		}
	}
}
