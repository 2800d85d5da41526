package store

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/mattn/go-sqlite3"
)

// phraseFunc is the SQL function that tells whether a search document holds
// every phrase of a search: phraseFunc(phrases, title, description, render)
// with the phrases folded (foldString) and one per line, and render the
// document's packed rendering (empty where it has none). The trigram table
// keeps one trigram of each space (tokenizer.go), so what it matches for a
// phrase it cannot pin down (see pinned) is checked here, as a search reads
// its matches.
const phraseFunc = "geul_phrases"

// registerFuncs adds geul's SQL functions to a new connection.
func registerFuncs(c *sqlite3.SQLiteConn) error {
	return c.RegisterFunc(phraseFunc, holdsPhrases, true)
}

// holdsPhrases is phraseFunc. A rendering that does not unpack holds no
// phrase: the document is left out of the search rather than failing it.
func holdsPhrases(phrases, title, description string, render []byte) bool {
	var (
		body     string
		unpacked = len(render) == 0
		buf      *[]byte
	)
	defer func() {
		if buf != nil && cap(*buf) <= maxPhraseBuf {
			phraseBufs.Put(buf)
		}
	}()
	for _, p := range strings.Split(phrases, "\n") {
		if containsPhrase(title, p) || containsPhrase(description, p) {
			continue
		}
		if !unpacked {
			unpacked = true
			buf = phraseBufs.Get().(*[]byte)
			raw, text, err := renderText(render, *buf)
			*buf = raw
			if err == nil && len(text) > 0 {
				// Read in place, not copied: the buffer is not reused
				// before this call returns.
				body = unsafe.String(&text[0], len(text))
			}
		}
		if !containsPhrase(body, p) {
			return false
		}
	}
	return true
}

// phraseBufs are the buffers holdsPhrases decodes renderings into, one per
// call at a time; one grown past maxPhraseBuf (a rendering of a post near
// its size budget) is left to the collector rather than kept.
var phraseBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxPhraseBuf = 1 << 20

// containsPhrase reports whether text holds phrase, a folded text whose
// words are one space apart, as the trigram table matches it: case folded,
// any run of spaces within a line for each space, none across lines. That
// is foldText's rule (snippet.go); a phrase that folding leaves alone is
// looked for in the text as it is (followedBy applies the rule in place),
// so that no candidate's text is copied to be folded.
func containsPhrase(text, phrase string) bool {
	words := strings.Split(phrase, " ")
	for _, w := range words {
		if !foldFree(w) {
			return strings.Contains(foldText(text, false).text, phrase)
		}
	}
	// Words no folding changes (Hangul, Han, digits...): found in the text
	// as it is, without folding a copy of it.
	for from := 0; ; {
		i := strings.Index(text[from:], words[0])
		if i < 0 {
			return false
		}
		i += from
		if followedBy(text[i+len(words[0]):], words[1:]) {
			return true
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		from = i + n
	}
}

// followedBy reports whether rest starts with the words, each after a run of
// spaces within a line.
func followedBy(rest string, words []string) bool {
	for _, w := range words {
		gap := 0
		for gap < len(rest) {
			r, n := utf8.DecodeRuneInString(rest[gap:])
			if !unicode.IsSpace(r) {
				break
			}
			if r == '\n' || r == '\r' {
				return false
			}
			gap += n
		}
		if gap == 0 || !strings.HasPrefix(rest[gap:], w) {
			return false
		}
		rest = rest[gap+len(w):]
	}
	return true
}
