package markdown

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/chroma/v2"
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
	info    map[string][]ruleInfo // per state, aligned with rules[state]
	timeout time.Duration         // per Tokenise; 0 for none
	// registry is the one its rules find other lexers in
	// (boundedRegistry).
	registry *chroma.LexerRegistry
}

// ruleInfo is what fastLexer knows of a compiled rule beyond chroma.
type ruleInfo struct {
	// rule is the rule it was read from: a mutator may put another in its
	// place while tokenising (Raku's does), which is then tried as chroma
	// tries it.
	rule  *chroma.CompiledRule
	start startSet
	// The rule's groups in the order chroma lists them (regexp2's
	// Match.Groups: by capture slot), their numbers and names, so that a
	// match is read through regexp2's MatchView without a Match.
	nums  []int
	names []string
	// words is set for a rule that is a list of keywords, simple for one
	// that is a simplePattern: it is then matched here, not by regexp2.
	words  *keywords
	simple simplePattern
}

func infoOf(pattern string, rule *chroma.CompiledRule, fold bool) ruleInfo {
	re := rule.Regexp
	nums := re.GetGroupNumbers()
	names := make([]string, len(nums))
	for i, n := range nums {
		names[i] = re.GroupNameFromNumber(n)
	}
	info := ruleInfo{rule: rule, start: startOf(pattern), nums: nums, names: names}
	switch len(nums) {
	case 1: // the match alone
		info.simple = simpleOf(pattern)
	case 2: // the match and the list's group
		info.words = keywordsOf(rule.Pattern, fold)
	}
	return info
}

// startSet is the characters a rule's match can start with; a rule with
// none (it can match the empty string, or starts with a back-reference)
// is always tried.
type startSet struct {
	set      *syntax.CharSet
	foldCase bool // the set holds lower-case forms: test the lowered character too
	// ascii is what excludes answers for the ASCII characters, worked out
	// once: a rule's start is tested at every position the rules before it
	// failed at, and the set's Contains was a percent of an index run.
	ascii [2]uint64 // bit c set: c can start a match
}

func newStartSet(set *syntax.CharSet, foldCase bool) startSet {
	s := startSet{set: set, foldCase: foldCase}
	for c := range rune(utf8.RuneSelf) {
		if !s.slowExcludes(c) {
			s.ascii[c>>6] |= 1 << (c & 63)
		}
	}
	return s
}

func (s startSet) excludes(r rune) bool {
	if s.set == nil {
		return false
	}
	if r < utf8.RuneSelf {
		return s.ascii[r>>6]&(1<<(r&63)) == 0
	}
	return s.slowExcludes(r)
}

func (s startSet) slowExcludes(r rune) bool {
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
	infos := map[*chroma.CompiledRule]ruleInfo{}
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
			infos[cr] = infoOf(pattern, cr, cfg.CaseInsensitive)
			rules[state] = append(rules[state], cr)
		}
	}
	if err := mutateRules(rules); err != nil {
		return nil, fmt.Errorf("compile rules of %s: %w", cfg.Name, err)
	}
	info := make(map[string][]ruleInfo, len(rules))
	for state, rs := range rules {
		for _, r := range rs {
			info[state] = append(info[state], infos[r])
		}
	}
	return &fastLexer{RegexLexer: l, rules: rules, info: info, timeout: timeout, registry: boundedRegistry(timeout)}, nil
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
	return newStartSet(&set, code.FcPrefix.CaseInsensitive)
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
	l := &lexState{
		LexerState: &chroma.LexerState{
			Registry:       f.registry,
			Lexer:          f.RegexLexer,
			Text:           []rune(text),
			Stack:          []string{options.State},
			Rules:          f.rules,
			MutatorContext: map[any]any{},
		},
		info:    f.info,
		root:    options.State,
		newline: newlineAdded,
		clock:   newBlockClock(f.timeout),
	}
	l.yield = l.read
	return l.next, nil
}

// lexState is chroma's LexerState with the iterator's own fields:
// mutators and emitters are given the embedded LexerState, as chroma gives
// them.
type lexState struct {
	*chroma.LexerState
	info    map[string][]ruleInfo
	root    string // the state an unmatched newline returns to
	newline bool   // Tokenise added the final newline
	pending []chroma.Iterator
	// named is the map of a match's groups by name, cleared and filled
	// again for each match rather than made anew: chroma's loop made one a
	// match, a fifth of a light index run's allocations. Nothing reads it
	// past the match: a rule's mutator and emitter run, and the iterators
	// they emit are drained, before the next match.
	named map[string]string
	// yield is read, made once: FindRunesMatches calls it with the match.
	yield func(regexp2.MatchView) bool
	// rule is the rule being tried; groups is set by read on a match, odd
	// when the match has other groups than the rule's info says.
	rule   *ruleInfo
	groups []string
	odd    bool

	clock blockClock
}

// checkTime is called at each turn of the loop (a rule matched, or an
// error token): a rule's match is bounded by regexp2's timeout, so a loop
// that never ends still comes here.
func (l *lexState) checkTime() { l.clock.tick() }

// blockClock stops a block's tokenising once it has run for longer than
// timeout (0: never). It reads the clock every 16 ticks: every 256 let a
// block whose every match scans to its end (yaml+jinja's on 6,000 '[') run
// for 15 s past a 100 ms timeout under the race detector; a clock read is
// a few nanoseconds.
type blockClock struct {
	timeout time.Duration
	start   time.Time
	ticks   int
}

func newBlockClock(timeout time.Duration) blockClock {
	return blockClock{timeout: timeout, start: time.Now()}
}

func (c *blockClock) tick() {
	c.ticks++
	if c.timeout == 0 || c.ticks%16 != 0 || time.Since(c.start) <= c.timeout {
		return
	}
	panic(slowHighlight(c.timeout, ""))
}

// slowBlock is the panic that stops a block's tokenising past its timeout;
// the code renderer gives it the block's line and makes it an overBudget.
type slowBlock struct{ err *BudgetError }

// slowHighlight is the slowBlock of a block tokenised for longer than d;
// why, if set, says why d is what it is.
func slowHighlight(d time.Duration, why string) slowBlock {
	reason := fmt.Sprintf("highlighting the code block took more than %v", d)
	if why != "" {
		reason += " (" + why + ")"
	}
	return slowBlock{&BudgetError{Reason: reason}}
}

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
		// A rule of one token type emits its match as one token; as the
		// iterator chroma's Emit would make for it, then drained at once
		// (nothing is pending here), without making it: an Ignore or
		// empty EOF-like token is skipped as drain skips it.
		if tt, ok := rule.Type.(chroma.TokenType); ok && len(l.pending) == 0 {
			if t := (chroma.Token{Type: tt, Value: s.Groups[0]}); t.Type != chroma.Ignore && t != chroma.EOF {
				return t
			}
			continue
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
		// The tokens of another lexer (a rule's Using) count as turns.
		l.checkTime()
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
// the character at the position, and reading a match's groups through
// regexp2's MatchView: FindRunesMatchStartingAt makes a Match, its text's
// metadata and its groups for every match, two fifths of a light index
// run's allocations; the view borrows the runner's.
func (l *lexState) match(rules []*chroma.CompiledRule) (int, *chroma.CompiledRule, []string, map[string]string) {
	s := l.LexerState
	info := l.info[s.State]
	if len(info) != len(rules) {
		info = nil
	}
	c := s.Text[s.Pos]
	for i, rule := range rules {
		if info == nil || info[i].rule != rule {
			if groups, named := chromaMatch(s, rule); groups != nil {
				return i, rule, groups, named
			}
			continue
		}
		if info[i].start.excludes(c) {
			continue
		}
		if kw := info[i].words; kw != nil {
			if n, hit, sure := kw.match(s.Text, s.Pos); sure {
				if !hit {
					continue
				}
				return i, rule, l.sameGroups(&info[i], n), l.named
			}
		}
		if sp := info[i].simple; sp != nil {
			if n, ok := sp.match(s.Text, s.Pos); ok {
				return i, rule, l.sameGroups(&info[i], n), l.named
			}
			continue
		}
		l.rule, l.groups, l.odd = &info[i], nil, false
		err := rule.Regexp.FindRunesMatches(s.Text, s.Pos, l.yield)
		if l.odd {
			if groups, named := chromaMatch(s, rule); groups != nil {
				return i, rule, groups, named
			}
			continue
		}
		if l.groups != nil && err == nil {
			return i, rule, l.groups, l.named
		}
	}
	return 0, &chroma.CompiledRule{}, nil, nil
}

// read takes the first match FindRunesMatches finds, if it starts at the
// position, as Match.Groups and chroma would: every group in slot order,
// "" for one that did not take part.
func (l *lexState) read(v regexp2.MatchView) bool {
	s, r := l.LexerState, l.rule
	if at, _, ok := v.GroupRange(0); !ok || at != s.Pos {
		return false
	}
	if v.GroupCount() != len(r.nums) {
		l.odd = true // not the groups infoOf read: chroma's way, then
		return false
	}
	groups := make([]string, len(r.nums))
	if l.named == nil {
		l.named = make(map[string]string, len(r.nums))
	}
	clear(l.named)
	for k, n := range r.nums {
		if at, size, ok := v.GroupRange(n); ok {
			groups[k] = string(s.Text[at : at+size])
		}
		l.named[r.names[k]] = groups[k]
	}
	l.groups = groups
	return false
}

// sameGroups are the groups of a match of n runes at the position whose
// every group is the whole match: a simplePattern's one, a keywords rule's
// match and its list's group.
func (l *lexState) sameGroups(r *ruleInfo, n int) []string {
	s := l.LexerState
	text := string(s.Text[s.Pos : s.Pos+n])
	groups := make([]string, len(r.names))
	if l.named == nil {
		l.named = make(map[string]string, len(r.names))
	}
	clear(l.named)
	for k, name := range r.names {
		groups[k] = text
		l.named[name] = text
	}
	return groups
}

// chromaMatch tries a rule as chroma's matchRules does, for a rule
// fastLexer did not compile (see ruleInfo.rule).
func chromaMatch(s *chroma.LexerState, rule *chroma.CompiledRule) ([]string, map[string]string) {
	m, err := rule.Regexp.FindRunesMatchStartingAt(s.Text, s.Pos)
	if m == nil || err != nil || m.RuneIndex != s.Pos {
		return nil, nil
	}
	groups := []string{}
	named := make(map[string]string)
	for _, g := range m.Groups() {
		named[g.Name] = g.String()
		groups = append(groups, g.String())
	}
	return groups, named
}
