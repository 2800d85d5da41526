package markdown

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/dlclark/regexp2/v2"
	"github.com/dlclark/regexp2/v2/syntax"
)

// ruleTimeout is chroma's bound on one rule's match (regexp.go).
const ruleTimeout = 250 * time.Millisecond

// fastLexer tokenises exactly as the chroma RegexLexer it wraps, the same
// rules tried in the same order, but skips a rule without running it when
// the rule cannot match the character at the position: the set of
// characters a rule's match can start with is known when it is compiled.
//
// Chroma tries every rule of the current state at each position until one
// matches, and each try goes through regexp2's whole set-up (a runner from a
// pool, a match timer, the interpreter), even for a rule whose first
// character rules it out at once: most of the tries in ordinary code, and
// about half of rendering a post with code (BenchmarkRender: 1.9-2.2 ms a
// seed post with chroma's loop, 1.0-1.1 ms with this one). TestFastLexer
// holds the tokens of every lexer to chroma's on chroma's own samples.
type fastLexer struct {
	*chroma.RegexLexer
	rules   chroma.CompiledRules
	first   map[string][]startSet // per state, aligned with rules[state]
	timeout time.Duration         // per Tokenise; 0 for none
}

// startSet is the characters a rule's match can start with; a rule with
// none (it can match the empty string, or starts with a back-reference)
// is always tried.
type startSet struct {
	set      *syntax.CharSet
	foldCase bool // the set holds lower-case forms: test the lowered character too
}

func (s startSet) excludes(r rune) bool {
	if s.set == nil {
		return false
	}
	return !s.set.Contains(r) && !(s.foldCase && s.set.Contains(unicode.ToLower(r)))
}

// newFastLexer compiles l's rules as chroma does (RegexLexer.fetchRules and
// maybeCompile): the same flags and anchoring, then the lexer mutators
// (include, combined) over the compiled rules. l is one of chroma's
// registered lexers (Using finds the others in the same registry); a text
// tokenised for longer than timeout (if not 0) stops with a slowBlock panic,
// which the code renderer makes a BudgetError.
func newFastLexer(l *chroma.RegexLexer, timeout time.Duration) (*fastLexer, error) {
	raw, err := l.Rules()
	if err != nil {
		return nil, err
	}
	cfg := l.Config()
	flags := ""
	if !cfg.NotMultiline {
		flags += "m"
	}
	if cfg.CaseInsensitive {
		flags += "i"
	}
	if cfg.DotAll {
		flags += "s"
	}
	rules := chroma.CompiledRules{}
	starts := map[*chroma.CompiledRule]startSet{}
	for state, rs := range raw {
		rules[state] = nil
		for _, rule := range rs {
			cr := &chroma.CompiledRule{Rule: rule}
			pattern := "(?:" + rule.Pattern + ")"
			if flags != "" {
				pattern = "(?" + flags + ")" + pattern
			}
			pattern = `\G` + pattern
			if cr.Regexp, err = regexp2.Compile(pattern); err != nil {
				return nil, fmt.Errorf("compile rule %s of %s: %w", state, cfg.Name, err)
			}
			cr.Regexp.MatchTimeout = ruleTimeout
			starts[cr] = startOf(pattern)
			rules[state] = append(rules[state], cr)
		}
	}
	if err := mutateRules(rules); err != nil {
		return nil, fmt.Errorf("compile rules of %s: %w", cfg.Name, err)
	}
	first := make(map[string][]startSet, len(rules))
	for state, rs := range rules {
		for _, r := range rs {
			first[state] = append(first[state], starts[r])
		}
	}
	return &fastLexer{RegexLexer: l, rules: rules, first: first, timeout: timeout}, nil
}

// mutateRules applies the lexer mutators as RegexLexer.maybeCompile does:
// one at a time, starting over after each, since one may add or remove
// rules.
func mutateRules(rules chroma.CompiledRules) error {
restart:
	seen := map[chroma.LexerMutator]bool{}
	for state := range rules {
		for i := range len(rules[state]) {
			m, ok := rules[state][i].Mutator.(chroma.LexerMutator)
			if !ok {
				continue
			}
			if seen[m] {
				return fmt.Errorf("mutator %T seen twice", m)
			}
			seen[m] = true
			if err := m.MutateLexer(rules, state, i); err != nil {
				return err
			}
			goto restart
		}
	}
	return nil
}

// startOf reads the first-character set regexp2 computes for pattern.
func startOf(pattern string) startSet {
	tree, err := syntax.Parse(pattern, syntax.ParseOptions{})
	if err != nil {
		return startSet{}
	}
	code, err := syntax.Write(tree)
	if err != nil || code.FcPrefix == nil {
		return startSet{}
	}
	code.PrepareCharSetASCIIBitmaps()
	set := code.FcPrefix.PrefixSet
	return startSet{set: &set, foldCase: code.FcPrefix.CaseInsensitive}
}

// defaultTokenise is chroma's default TokeniseOptions.
var defaultTokenise = chroma.TokeniseOptions{State: "root", EnsureLF: true}

// toLF is chroma's ensureLF: CRLF and CR become LF.
var toLF = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// Tokenise is RegexLexer.Tokenise with the skipping iterator.
func (f *fastLexer) Tokenise(options *chroma.TokeniseOptions, text string) (chroma.Iterator, error) {
	if options == nil {
		options = &defaultTokenise
	}
	if options.EnsureLF {
		text = toLF.Replace(text)
	}
	newlineAdded := false
	if !options.Nested && f.Config().EnsureNL && !strings.HasSuffix(text, "\n") {
		text += "\n"
		newlineAdded = true
	}
	s := &lexState{
		LexerState: &chroma.LexerState{
			Registry:       lexers.GlobalLexerRegistry,
			Lexer:          f.RegexLexer,
			Text:           []rune(text),
			Stack:          []string{options.State},
			Rules:          f.rules,
			MutatorContext: map[any]any{},
		},
		first:   f.first,
		root:    options.State,
		newline: newlineAdded,
		timeout: f.timeout,
		start:   time.Now(),
	}
	return s.next, nil
}

// lexState is chroma's LexerState with the iterator's own fields:
// mutators and emitters are given the embedded LexerState, as chroma gives
// them.
type lexState struct {
	*chroma.LexerState
	first   map[string][]startSet
	root    string // the state an unmatched newline returns to
	newline bool   // Tokenise added the final newline
	pending []chroma.Iterator

	timeout time.Duration
	start   time.Time
	steps   int
}

// checkTime stops a tokenising that has run past its timeout. It reads the
// clock every 256 turns of the loop (a rule matched, or an error token): a
// rule's match is bounded by regexp2's timeout, so a loop that never ends
// still comes here.
func (l *lexState) checkTime() {
	l.steps++
	if l.timeout == 0 || l.steps%256 != 0 || time.Since(l.start) <= l.timeout {
		return
	}
	panic(slowBlock{&BudgetError{Reason: fmt.Sprintf("highlighting the code block took more than %v", l.timeout)}})
}

// slowBlock is the panic that stops a block's tokenising past its timeout;
// the code renderer gives it the block's line and makes it an overBudget.
type slowBlock struct{ err *BudgetError }

// next is LexerState.Iterator, but for the skipped rules.
func (l *lexState) next() chroma.Token {
	s := l.LexerState
	end := len(s.Text)
	if l.newline {
		end--
	}
	for s.Pos < end && len(s.Stack) > 0 {
		if t, ok := l.drain(); ok {
			return t
		}
		l.checkTime()
		s.State = s.Stack[len(s.Stack)-1]
		rules, ok := s.Rules[s.State]
		if !ok {
			panic("unknown state " + s.State)
		}
		i, rule, groups, named := l.match(rules)
		if groups == nil {
			// As chroma (after Pygments): an unmatched newline empties the
			// stack, so an unclosed string does not spoil the rest.
			if s.Text[s.Pos] == '\n' && s.State != l.root {
				s.Stack = []string{l.root}
				continue
			}
			s.Pos++
			return chroma.Token{Type: chroma.Error, Value: string(s.Text[s.Pos-1 : s.Pos])}
		}
		s.Rule, s.Groups, s.NamedGroups = i, groups, named
		s.Pos += utf8.RuneCountInString(groups[0])
		if rule.Mutator != nil {
			if err := rule.Mutator.Mutate(s); err != nil {
				panic(err)
			}
		}
		if rule.Type != nil {
			l.pending = append(l.pending, rule.Type.Emit(s.Groups, s))
		}
	}
	if t, ok := l.drain(); ok {
		return t
	}
	if s.Pos != len(s.Text) && len(s.Stack) == 0 {
		value := string(s.Text[s.Pos:])
		s.Pos = len(s.Text)
		return chroma.Token{Type: chroma.Error, Value: value}
	}
	return chroma.EOF
}

// drain returns the next token of the emitted iterators, if any is left.
func (l *lexState) drain() (chroma.Token, bool) {
	for len(l.pending) > 0 {
		n := len(l.pending) - 1
		t := l.pending[n]()
		if t.Type == chroma.Ignore {
			continue
		}
		if t == chroma.EOF {
			l.pending = l.pending[:n]
			continue
		}
		return t, true
	}
	return chroma.Token{}, false
}

// match is chroma's matchRules, skipping the rules that cannot start with
// the character at the position.
func (l *lexState) match(rules []*chroma.CompiledRule) (int, *chroma.CompiledRule, []string, map[string]string) {
	s := l.LexerState
	first := l.first[s.State]
	if len(first) != len(rules) {
		first = nil
	}
	c := s.Text[s.Pos]
	for i, rule := range rules {
		if first != nil && first[i].excludes(c) {
			continue
		}
		m, err := rule.Regexp.FindRunesMatchStartingAt(s.Text, s.Pos)
		if m != nil && err == nil && m.RuneIndex == s.Pos {
			groups := []string{}
			named := make(map[string]string)
			for _, g := range m.Groups() {
				named[g.Name] = g.String()
				groups = append(groups, g.String())
			}
			return i, rule, groups, named
		}
	}
	return 0, &chroma.CompiledRule{}, nil, nil
}
