package markdown

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// chromaSamples reads the source samples of chroma's own lexer tests
// (lexers/testdata/*.actual in the module geul builds with), by the name of
// the lexer chroma tests each with.
func chromaSamples(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/alecthomas/chroma/v2").Output()
	if err != nil {
		t.Fatalf("find chroma's module: %v", err)
	}
	root := filepath.Join(strings.TrimSpace(string(out)), "lexers", "testdata")
	samples := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".actual") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if strings.HasPrefix(rel, "analysis") {
			return nil
		}
		name := strings.Split(filepath.Base(path), ".")[0]
		if dir := filepath.Dir(rel); dir != "." {
			name = dir // testdata/<lexer>/*.actual
		}
		data, err := os.ReadFile(path)
		samples[name] = append(samples[name], string(data))
		return err
	})
	if err != nil || len(samples) < 100 {
		t.Fatalf("read chroma's samples in %s: %d lexers, %v", root, len(samples), err)
	}
	return samples
}

// tokens runs l over text, a panic reported as a last token.
func tokens(l chroma.Lexer, text string) (ts []chroma.Token) {
	defer func() {
		if p := recover(); p != nil {
			ts = append(ts, chroma.Token{Type: chroma.Error, Value: fmt.Sprint("panic: ", p)})
		}
	}()
	it, err := l.Tokenise(nil, text)
	if err != nil {
		return []chroma.Token{{Type: chroma.Error, Value: "error: " + err.Error()}}
	}
	for t := it(); t != chroma.EOF; t = it() {
		ts = append(ts, t)
		if len(ts) > 2*len(text)+100 { // no lexer gives more for a sample: a loop
			return append(ts, chroma.Token{Type: chroma.Error, Value: "too many tokens"})
		}
	}
	return ts
}

// TestFastLexer holds every chroma lexer that fastLexer takes over to
// chroma's own tokens on chroma's samples for that lexer, and the languages
// of a technical blog on samples of each other and short odd texts
// (unmatched text, CRLF, a missing final newline) too. Not every lexer on
// every text: on text of another language a few of chroma's lexers never
// finish (JSONata on the first odd text).
func TestFastLexer(t *testing.T) {
	samples := chromaSamples(t)
	odd := []string{
		"x := \"unterminated\r\nfunc f() {}\r\n\t// 주석 ünïcode\rlast",
		"SELECT * FROM t WHERE a = 'b' -- c\n",
		"",
	}
	common := []string{"go", "python", "javascript", "typescript", "bash", "rust", "java", "yaml", "json", "cpp", "css", "php"}
	var mixed []string
	for _, name := range append(common, "markdown") {
		if len(samples[name]) == 0 {
			t.Fatalf("no sample of %s in chroma's testdata", name)
		}
		s := samples[name][0]
		mixed = append(mixed, s[:min(len(s), 2000)]) // may cut a rune: odd text too
	}
	taken := 0
	for _, l := range lexers.GlobalLexerRegistry.Lexers {
		fast, ok := compiled()[l]
		if !ok {
			continue
		}
		taken++
		compareLexer(t, l, fast, ownSamples(l, samples))
	}
	if taken < 200 {
		t.Fatalf("fastLexer took over %d of chroma's lexers, want most of them", taken)
	}
	for _, lang := range common {
		l := lexers.Get(lang)
		fast := skipping(l, 0)
		if _, ok := fast.(*fastLexer); !ok {
			t.Errorf("%s is not tokenised by fastLexer", lang)
			continue
		}
		compareLexer(t, l, fast, append(odd, mixed...))
	}
}

// compiled is every chroma lexer fastLexer takes over, compiled once for
// the tests that read them all (under -race, compiling them took seconds).
var compiled = sync.OnceValue(func() map[chroma.Lexer]*fastLexer {
	m := map[chroma.Lexer]*fastLexer{}
	for _, l := range lexers.GlobalLexerRegistry.Lexers {
		if fast, ok := skipping(l, 0).(*fastLexer); ok {
			m[l] = fast
		}
	}
	return m
})

// ownSamples are chroma's samples for l, by its name or an alias, each cut
// at a line end after maxSample bytes: under -race the whole of them took
// minutes.
func ownSamples(l chroma.Lexer, samples map[string][]string) []string {
	maxSample := 64 << 10
	if raceEnabled {
		maxSample = 1 << 10
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range append([]string{strings.ToLower(l.Config().Name)}, l.Config().Aliases...) {
		for _, s := range samples[name] {
			if len(s) > maxSample {
				if i := strings.IndexByte(s[maxSample:], '\n'); i >= 0 {
					s = s[:maxSample+i+1]
				}
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func compareLexer(t *testing.T, l, fast chroma.Lexer, texts []string) {
	t.Helper()
	name := l.Config().Name
	for i, text := range texts {
		start := time.Now()
		want := tokens(l, text)
		mid := time.Now()
		got := tokens(fast, text)
		if reflect.DeepEqual(got, want) {
			continue
		}
		if mid.Sub(start) >= ruleTimeout || time.Since(mid) >= ruleTimeout {
			// A rule may have hit chroma's match timeout on one side
			// only (a slow machine, -race): the tokens then depend on
			// the machine's speed.
			t.Logf("%s, text %d: tokens differ after %v / %v; not counted", name, i, mid.Sub(start), time.Since(mid))
			continue
		}
		t.Errorf("%s, text %d: %d tokens, chroma gave %d; first difference: %s", name, i, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(got, want []chroma.Token) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("token %d: %v %q, chroma %v %q", i, got[i].Type, got[i].Value, want[i].Type, want[i].Value)
		}
	}
	return "one is a prefix of the other"
}

// TestStartSet checks the skip test on the patterns chroma builds: case
// folded, case sensitive, and patterns that may match the empty string.
func TestStartSet(t *testing.T) {
	for _, c := range []struct {
		pattern string
		r       rune
		skip    bool
	}{
		{`\G(?mi)(?:select\b)`, 'S', false},
		{`\G(?mi)(?:select\b)`, 's', false},
		{`\G(?mi)(?:select\b)`, 'x', true},
		{`\G(?mi)(?:[A-Z]+)`, 'q', false},
		{`\G(?mi)(?:ß|k)`, 'K', false},
		{`\G(?m)(?:select\b)`, 'S', true},
		{`\G(?m)(?:[a-z_]\w*)`, '_', false},
		{`\G(?m)(?:[a-z_]\w*)`, '1', true},
		{`\G(?m)(?:\s*)`, 'x', false},
		{`\G(?m)(?:(?=x)\w)`, 'y', false},
		{`\G(?m)(?:(a)\1)`, 'a', false},
		{`\G(?m)(?:가|나)`, '다', true},
	} {
		if got := startOf(c.pattern).excludes(c.r); got != c.skip {
			t.Errorf("%s at %q: skip %v, want %v", c.pattern, c.r, got, c.skip)
		}
	}
}

// TestKeywords holds the keyword lookup to regexp2 on every keywords rule
// of chroma's lexers: each word of the list as written, upper-cased and
// capitalised, inside other words, after and before the characters the
// boundaries and (?<!\.) look at, and beside the non-ASCII letters that
// fold to ASCII ones (the Kelvin sign, the long s, dotted and dotless i).
func TestKeywords(t *testing.T) {
	before := []string{"", " ", ".", "_", "x", "é", "\u212a"}
	after := []string{"", " ", "(", "_", "1", "x", "é", "\u212a", "ſ", "가"}
	sure := 0
	rules := sampledRules(func(info ruleInfo) bool { return info.words != nil }, func(l *fastLexer, info ruleInfo) {
		for _, w := range keywordSamples(info.words) {
			for _, b := range before {
				for _, a := range after {
					text := []rune(b + w + a)
					pos := len([]rune(b))
					n, hit, ok := info.words.match(text, pos)
					if !ok {
						continue
					}
					sure++
					if want, wantHit := regexp2Match(info, text, pos); hit != wantHit || hit && n != want {
						t.Fatalf("%s rule %.60q at %q: lookup %v (%d runes), regexp2 %v (%d)", l.Config().Name, info.rule.Pattern, string(text), hit, n, wantHit, want)
					}
				}
			}
		}
	})
	t.Logf("%d keywords rules in chroma's lexers; %d texts looked up", rules, sure)
	if rules < 1000 || sure < 5000 {
		t.Fatalf("looked up %d texts of %d keywords rules, want more", sure, rules)
	}
}

// TestSimplePatterns holds simplePattern's match to regexp2's on every such
// rule of chroma's lexers, at every position of texts of many kinds of
// characters: spaces of every sort, line ends, letters and digits of
// several scripts, combining marks, punctuation, a lone surrogate's
// replacement.
func TestSimplePatterns(t *testing.T) {
	texts := [][]rune{
		[]rune("  \t\tx_1 = f(a, b) // 주석\n\r\n}\n"),
		[]rune("\u00a0\u2028\u3000é̂ß0x1F 1.5e-3 \"s\\\"\" '\\n' `t` $v @d #c\n"),
		[]rune("SELECT * FROM t WHERE a <> 'b' -- c\n/* d */ ::int[]{}\ufffd"),
		[]rune("def f(*args, **kw):\n    return [x for x in y if x]\n\n"),
		[]rune("<a href=\"x\">&amp;</a>\n\tpublic static void main(String[] a) {}"),
	}
	rules := sampledRules(func(info ruleInfo) bool { return info.simple != nil }, func(l *fastLexer, info ruleInfo) {
		for _, text := range texts {
			for pos := range text {
				n, ok := info.simple.match(text, pos)
				if want, wantOK := regexp2Match(info, text, pos); ok != wantOK || ok && n != want {
					t.Fatalf("%s rule %.60q at %d of %q: simple %v (%d runes), regexp2 %v (%d)", l.Config().Name, info.rule.Pattern, pos, string(text), ok, n, wantOK, want)
				}
			}
		}
	})
	t.Logf("%d simple rules in chroma's lexers", rules)
	if rules < 5000 {
		t.Fatalf("%d simple rules, want most of chroma's plain ones", rules)
	}
}

// sampledRules calls try with the rules of chroma's lexers that keep
// takes, and returns how many keep took. Under -race, which slows regexp2
// tenfold and adds nothing to these tests (one goroutine), it tries every
// eighth.
func sampledRules(keep func(ruleInfo) bool, try func(*fastLexer, ruleInfo)) int {
	every := 1
	if raceEnabled {
		every = 8
	}
	n := 0
	for _, fast := range compiled() {
		for _, infos := range fast.info {
			for _, info := range infos {
				if !keep(info) {
					continue
				}
				if n++; n%every == 0 {
					try(fast, info)
				}
			}
		}
	}
	return n
}

// regexp2Match is how many runes the rule's regexp matches at pos of text,
// and whether it matches there.
func regexp2Match(info ruleInfo, text []rune, pos int) (int, bool) {
	m, err := info.rule.Regexp.FindRunesMatchStartingAt(text, pos)
	if err != nil || m == nil || m.RuneIndex != pos {
		return 0, false
	}
	return m.RuneLength, true
}

// keywordSamples are the texts TestKeywords tries a keywords rule on: its
// shortest and longest word and its first alternative that is not a word,
// as listed, upper-cased, capitalised, cut short and made longer, and with
// the letters that have a non-ASCII fold (k, s) written as those.
func keywordSamples(kw *keywords) []string {
	var shortest, longest string
	for w := range kw.words {
		if shortest == "" || len(w) < len(shortest) || len(w) == len(shortest) && w < shortest {
			shortest = w
		}
		if len(w) > len(longest) || len(w) == len(longest) && w < longest {
			longest = w
		}
	}
	if len(kw.others) > 0 {
		shortest = kw.others[0].text
	}
	var out []string
	for _, w := range []string{shortest, longest} {
		if w == "" {
			continue
		}
		out = append(out, w, strings.ToUpper(w), strings.ToUpper(w[:1])+w[1:], w[:len(w)-1], w+w[len(w)-1:],
			strings.NewReplacer("k", "\u212a", "s", "ſ", "K", "\u212a").Replace(w))
	}
	return out
}

// TestHighlightTimeout renders a block that chroma's JSONata lexer never
// finishes: the rendering stops at the budget's timeout with the line of
// the block's fence, instead of holding an index worker for ever.
func TestHighlightTimeout(t *testing.T) {
	b := DefaultBudget
	b.Timeout = 300 * time.Millisecond
	src := "# A post\n\nText.\n\n```jsonata\nx := \"unterminated\r\nfunc f() {}\r\n\t// 주석 ünïcode\rlast\n```\n"
	start := time.Now()
	_, err := NewBudget(b).Render([]byte(src))
	var be *BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("Render: %v, want a BudgetError", err)
	}
	if be.Line != 5 || !strings.Contains(be.Reason, "highlighting") {
		t.Errorf("BudgetError %+v, want line 5, highlighting", be)
	}
	if d := time.Since(start); d > 10*b.Timeout {
		t.Errorf("Render took %v for a timeout of %v", d, b.Timeout)
	}
}

// TestWriteTokens holds writeTokens to chroma's HTML formatter with geul's
// options, on the tokens of every sample of chroma's lexers and of odd
// texts (quotes, ampersands, empty lines, no final newline).
func TestWriteTokens(t *testing.T) {
	samples := chromaSamples(t)
	formatter := chromahtml.New(chromaOptions()...)
	style := styles.Get(DefaultStyle)
	odd := []string{"", "\n", "a", "x := \"<a href='&'>\" // 주석\n\n\ty\n", "'\"&<>\n\n\n", "a\n\nb"}
	k, n := chroma.Keyword, chroma.Name
	tok := func(tt chroma.TokenType, v string) chroma.Token { return chroma.Token{Type: tt, Value: v} }
	edges := [][]chroma.Token{
		{}, {tok(k, "")}, {tok(k, ""), tok(n, "")}, {tok(k, ""), tok(n, "a")}, {tok(k, "a\n"), tok(n, "")},
		{tok(k, "a\n"), tok(n, ""), tok(k, "")}, {tok(k, "\n\n")}, {tok(k, ""), tok(n, "\n")}, {tok(k, "a\nb\n"), tok(chroma.Text, "<c>\n")},
		{tok(chroma.Text, "x"), tok(chroma.TokenType(9999), "y"), tok(chroma.LiteralStringDouble, "\"z\"\n")},
	}
	// both is what writeTokens and the formatter write of ts.
	both := func(ts []chroma.Token) (got, want string) {
		var wb, gb bytes.Buffer
		if err := formatter.Format(&wb, style, chroma.Literator(ts...)); err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(&gb)
		writeTokens(w, chroma.Literator(ts...))
		_ = w.Flush()
		return gb.String(), wb.String()
	}
	for _, ts := range edges {
		if got, want := both(ts); got != want {
			t.Errorf("tokens %v: writeTokens and chroma's formatter differ\n got %q\nwant %q", ts, got, want)
		}
	}
	texts := 0
	for l, fast := range compiled() {
		all := odd
		if !raceEnabled { // TestFastLexer reads them all under -race
			all = append(ownSamples(l, samples), odd...)
		}
		for _, text := range all {
			if got, want := both(tokens(fast, text)); got != want {
				t.Fatalf("%s: writeTokens and chroma's formatter differ on %.80q\n got %.300q\nwant %.300q", fast.Config().Name, text, got, want)
			}
			texts++
		}
	}
	if texts < 1000 {
		t.Fatalf("compared %d texts, want more", texts)
	}
}

// TestHighlightTimeoutEverywhere: blocks that chroma tokenises for seconds
// (tens of seconds at a few times their size) stop at the timeout with
// their fence's line, whichever way they are highlighted: a DelegatingLexer
// (yaml+jinja, erb), a block with attributes (highlighting's renderer), a
// DelegatingLexer that another lexer's rule names.
func TestHighlightTimeoutEverywhere(t *testing.T) {
	b := DefaultBudget
	b.Timeout = 100 * time.Millisecond
	tests := []struct{ name, fence, code string }{
		{"delegating yaml+jinja", "```yaml+jinja", strings.Repeat("[", 6000)},
		{"delegating erb", "```erb", strings.Repeat("<script>", 1000)},
		{"attributes", "```cpp {hl_lines=1}", strings.Repeat("[[", 8000)},
		// org's src blocks are tokenised by the lexer they name, looked up
		// in the registry the org lexer's state carries.
		{"a DelegatingLexer by name", "```org", "#+begin_src erb\n" + strings.Repeat("<script>", 1000) + "\n#+end_src"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "# A post\n\nText.\n\n" + tt.fence + "\n" + tt.code + "\n```\n"
			start := time.Now()
			_, err := NewBudget(b).Render([]byte(src))
			var be *BudgetError
			if !errors.As(err, &be) {
				t.Fatalf("Render after %v: %v, want a BudgetError", time.Since(start), err)
			}
			if be.Line != 5 || !strings.Contains(be.Reason, "highlighting") {
				t.Errorf("BudgetError %+v, want line 5, highlighting", be)
			}
			if d := time.Since(start); d > 20*b.Timeout {
				t.Errorf("Render took %v for a timeout of %v", d, b.Timeout)
			}
		})
	}
}

// TestEveryLexerBounded: every DelegatingLexer chroma registers is taken
// apart into RegexLexers, which skipping makes fastLexers (delegates reads
// chroma's unexported fields: a chroma release that renames them fails
// here). The others are RegexLexers, or run under deadlineLexer.
func TestEveryLexerBounded(t *testing.T) {
	for _, l := range lexers.GlobalLexerRegistry.Lexers {
		name := l.Config().Name
		if _, ok := l.(*chroma.RegexLexer); ok {
			continue
		}
		if reflect.TypeOf(l) != delegatingType {
			continue // under a deadline (deadlineLexer)
		}
		root, language, ok := delegates(l)
		if !ok {
			t.Errorf("%s: a DelegatingLexer not taken apart", name)
			continue
		}
		for _, part := range []chroma.Lexer{root, language} {
			if _, ok := part.(*chroma.RegexLexer); !ok {
				t.Errorf("%s: part %T is not a RegexLexer", name, part)
			}
		}
	}
}
