package markdown

import (
	"github.com/dlclark/regexp2/v2/syntax"
)

// simplePattern is a rule whose pattern is a sequence of characters, sets
// and loops over one character or set, with no groups, alternation or
// backtracking that could change its match: `\s+`, `[^\S\n]+`,
// `[_\p{L}][_\p{L}\p{N}]*`, `\n`. Those made most of the matches in a
// light corpus's code (each rule's tries timed in an instrumented build,
// once, not kept), and regexp2's set-up for each try (a runner, its
// timer, the interpreter) cost more than their match: the match is read
// here with regexp2's own character sets instead. TestSimplePatterns holds
// it to regexp2 on every such rule of chroma's lexers.
type simplePattern []simpleItem

// simpleItem is one step of a simplePattern: a single character (one),
// any but one (notone), one of a set, a string, or a loop of one of those
// (min to max times, greedy: as the last step, or atomic anywhere, it
// never gives back).
type simpleItem struct {
	t        syntax.NodeType // NtOne, NtNotone, NtSet or NtMulti
	ch       rune
	set      *syntax.CharSet
	ascii    [2]uint64 // set's ASCII members: the set parsed alone has no bitmap of them
	str      []rune
	min, max int // how many times: 1 and 1 but for a loop
}

// simpleOf reads pattern's tree into a simplePattern, nil when it is not
// one. The pattern is a rule's as fastLexer compiles it: \G first.
func simpleOf(pattern string) simplePattern {
	tree, err := syntax.Parse(pattern, syntax.ParseOptions{})
	if err != nil || tree.Captop != 1 {
		return nil
	}
	var items []*syntax.RegexNode
	if !flatten(tree.Root, &items) || len(items) == 0 || items[0].T != syntax.NtStart {
		return nil
	}
	var p simplePattern
	for k, n := range items[1:] {
		if n.Options&(syntax.IgnoreCase|syntax.RightToLeft) != 0 {
			return nil
		}
		last := k == len(items)-2
		it := simpleItem{ch: n.Ch, set: n.Set, str: n.Str, min: 1, max: 1}
		switch n.T {
		case syntax.NtOne, syntax.NtNotone, syntax.NtSet, syntax.NtMulti:
			it.t = n.T
		case syntax.NtOneloopatomic, syntax.NtNotoneloopatomic, syntax.NtSetloopatomic,
			syntax.NtOneloop, syntax.NtNotoneloop, syntax.NtSetloop:
			atomic := n.T == syntax.NtOneloopatomic || n.T == syntax.NtNotoneloopatomic || n.T == syntax.NtSetloopatomic
			if !atomic && !last {
				return nil // a greedy loop may give back to what follows it
			}
			it.min, it.max = n.M, n.N
			switch {
			case n.IsOneloopFamily():
				it.t = syntax.NtOne
			case n.IsNotoneloopFamily():
				it.t = syntax.NtNotone
			default:
				it.t = syntax.NtSet
			}
		default:
			return nil
		}
		if it.t == syntax.NtSet {
			if it.set == nil {
				return nil
			}
			for r := range rune(128) {
				if it.set.Contains(r) {
					it.ascii[r/64] |= 1 << (r % 64)
				}
			}
		}
		p = append(p, it)
	}
	return p
}

// flatten appends the steps of n, looking through the capture of the
// whole match, groups and concatenations; false for anything else.
func flatten(n *syntax.RegexNode, out *[]*syntax.RegexNode) bool {
	switch n.T {
	case syntax.NtCapture:
		if n.M != 0 {
			return false
		}
		fallthrough
	case syntax.NtGroup, syntax.NtConcatenate:
		for _, c := range n.Children {
			if !flatten(c, out) {
				return false
			}
		}
		return true
	case syntax.NtEmpty:
		return true
	}
	*out = append(*out, n)
	return true
}

// match matches p at pos of text, returning how many runes.
func (p simplePattern) match(text []rune, pos int) (n int, ok bool) {
	i := pos
	for k := range p {
		it := &p[k]
		if it.t == syntax.NtMulti {
			if len(text)-i < len(it.str) {
				return 0, false
			}
			for j, r := range it.str {
				if text[i+j] != r {
					return 0, false
				}
			}
			i += len(it.str)
			continue
		}
		count := 0
		for count < it.max && i < len(text) && it.takes(text[i]) {
			i++
			count++
		}
		if count < it.min {
			return 0, false
		}
	}
	return i - pos, true
}

func (it *simpleItem) takes(r rune) bool {
	switch it.t {
	case syntax.NtOne:
		return r == it.ch
	case syntax.NtNotone:
		return r != it.ch
	}
	if 0 <= r && r < 128 {
		return it.ascii[r/64]&(1<<(r%64)) != 0
	}
	return it.set.Contains(r)
}
