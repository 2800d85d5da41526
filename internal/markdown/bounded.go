package markdown

import (
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
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
	clock := newBlockClock(d.timeout)
	it, err := d.Lexer.Tokenise(options, text)
	if err != nil || d.timeout == 0 {
		return it, err
	}
	return func() chroma.Token {
		clock.tick()
		return it()
	}, nil
}

// delegatingType is the type chroma.DelegatingLexer returns.
var delegatingType = reflect.TypeOf(chroma.DelegatingLexer(nil, nil))

// delegates returns the root and language lexers l was made of by
// chroma.DelegatingLexer. chroma keeps them in unexported fields, read here
// by name; TestEveryLexerBounded fails if a chroma release renames
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

// A RegexLexer's rules may hand a part of the text to another lexer by name
// (chroma's Using and UsingByGroup: a script in html, a fenced block in
// reStructuredText), looked up in the registry the lexer's state carries.
// A fastLexer's state carries boundedRegistry's, whose lexers are skipping's
// of chroma's: a DelegatingLexer reached that way is bounded too. (Lexers
// reached by chroma's own lexers, inside a composite that is not a
// DelegatingLexer, are found in chroma's registry; their tokens pass
// through the deadline of the composite, or of the fastLexer draining them.)

// maxRegistries bounds the registries kept, one per timeout: budgets name
// few timeouts, and past the bound a registry is made for each tokenising.
const maxRegistries = 8

var registries struct {
	sync.Mutex
	byTimeout map[time.Duration]*chroma.LexerRegistry
}

// boundedRegistry is chroma's registry of lexers with each made bounded by
// timeout on its first use.
func boundedRegistry(timeout time.Duration) *chroma.LexerRegistry {
	registries.Lock()
	defer registries.Unlock()
	if r := registries.byTimeout[timeout]; r != nil {
		return r
	}
	r := chroma.NewLexerRegistry()
	for _, l := range lexers.GlobalLexerRegistry.Lexers {
		r.Register(&lazyBounded{inner: l, timeout: timeout})
	}
	if registries.byTimeout == nil {
		registries.byTimeout = map[time.Duration]*chroma.LexerRegistry{}
	}
	if len(registries.byTimeout) < maxRegistries {
		registries.byTimeout[timeout] = r
	}
	return r
}

// lazyBounded is skipping(inner, timeout), made when first tokenising:
// compiling every lexer up front would cost seconds.
type lazyBounded struct {
	inner   chroma.Lexer
	timeout time.Duration
	once    sync.Once
	l       chroma.Lexer
}

func (z *lazyBounded) Config() *chroma.Config { return z.inner.Config() }

func (z *lazyBounded) Tokenise(options *chroma.TokeniseOptions, text string) (chroma.Iterator, error) {
	z.once.Do(func() { z.l = skipping(z.inner, z.timeout) })
	return z.l.Tokenise(options, text)
}

// SetRegistry and SetAnalyser leave chroma's lexer as it is: it is shared
// by every registry.
func (z *lazyBounded) SetRegistry(*chroma.LexerRegistry) chroma.Lexer     { return z }
func (z *lazyBounded) SetAnalyser(func(text string) float32) chroma.Lexer { return z }
func (z *lazyBounded) AnalyseText(text string) float32                    { return z.inner.AnalyseText(text) }
