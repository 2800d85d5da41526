package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzWordText: WordText keeps every token of a text, as the word table's
// tokenizer (unicode61) splits it, in order, so that positions, phrases and
// ranking are those of the whole text; a token that starts in an unspaced
// script keeps its first minTrigram-1 characters, all that a term matched
// by the word table can reach (a longer one goes to the trigram table),
// and any other token is kept whole.
func FuzzWordText(f *testing.F) {
	for _, s := range []string{
		"병목이 어디인지 측정합니다.", "goroutine은 sync.Mutex와 C언어", "(괄호)안의_밑줄뒤 3개",
		"漢字かなカナ文", "ภาษาไทยเขียนติดกัน ไม่มี", "가\u0301나다라", "é병목", "\u200b병목이", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // searchText has made it valid before
		}
		got, want := tokens(WordText(s)), tokens(s)
		if len(got) != len(want) {
			t.Fatalf("WordText(%q) = %q: tokens %q, want as many as %q", s, WordText(s), got, want)
		}
		for i := range got {
			r, _ := utf8.DecodeRuneInString(want[i])
			if ok := got[i] == want[i] || unspacedLetter(r) && start(got[i]) == start(want[i]); !ok {
				t.Fatalf("WordText(%q) = %q: token %q for %q", s, WordText(s), got[i], want[i])
			}
		}
	})
}

// start is the part of a token a word-table term can match when it starts
// in an unspaced script.
func start(tok string) string {
	r := []rune(tok)
	return string(r[:min(len(r), minTrigram-1)])
}

// tokens splits s as unicode61 does: runs of isWordRune.
func tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
}
