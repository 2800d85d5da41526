package markdown

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/alecthomas/chroma/v2"
)

// A few of chroma's lexers are not RegexLexers but built of them, and were
// tokenised with nothing to stop them: a yaml+jinja block of 20,000 '['
// took 70 s, an erb one of 2,500 "<script>" 16 s, and a post holding one
// kept geul index (or a watching server, one save after another) busy for
// as long. skipping bounds them in two ways.
//
// A DelegatingLexer (erb, phtml, svelte, go-html-template, yaml+jinja)
// tokenises its whole text with its language lexer before it returns an
// iterator: it is rebuilt from its two lexers, each made a fastLexer with
// the block's timeout. The others (remapping lexers such as lisp's, http,
// markdown) hand out tokens as they make them: deadlineLexer reads the
// clock between tokens, and a token itself is bounded by regexp2's timeout
// on each match.

// deadlineLexer is a lexer whose tokenising stops, with the panic a
// fastLexer's does, once it has run for longer than timeout.
type deadlineLexer struct {
	chroma.Lexer
	timeout time.Duration
}

// Tokenise implements chroma.Lexer.
func (d *deadlineLexer) Tokenise(options *chroma.TokeniseOptions, text string) (chroma.Iterator, error) {
	start := time.Now()
	it, err := d.Lexer.Tokenise(options, text)
	if err != nil || d.timeout == 0 {
		return it, err
	}
	n := 0
	return func() chroma.Token {
		if n++; n%16 == 1 && time.Since(start) > d.timeout {
			panic(slowBlock{&BudgetError{Reason: fmt.Sprintf("highlighting the code block took more than %v", d.timeout)}})
		}
		return it()
	}, nil
}

// delegatingType is the type chroma.DelegatingLexer returns.
var delegatingType = reflect.TypeOf(chroma.DelegatingLexer(nil, nil))

// delegates returns the root and language lexers l was made of by
// chroma.DelegatingLexer. chroma keeps them in unexported fields, read here
// by name; TestDelegatingLexersBounded fails if a chroma release renames
// them, rather than leaving those lexers unbounded.
func delegates(l chroma.Lexer) (root, language chroma.Lexer, ok bool) {
	v := reflect.ValueOf(l)
	if v.Type() != delegatingType || v.IsNil() {
		return nil, nil, false
	}
	read := func(name string) chroma.Lexer {
		f := v.Elem().FieldByName(name)
		if !f.IsValid() || f.Type() != reflect.TypeFor[chroma.Lexer]() {
			return nil
		}
		return *(*chroma.Lexer)(unsafe.Pointer(f.UnsafeAddr()))
	}
	root, language = read("root"), read("language")
	return root, language, root != nil && language != nil
}
