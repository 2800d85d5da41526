package markdown_test

import (
	"bytes"
	"errors"
	"html"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/markdown/baseline"
)

// renderer is shared on purpose: every test also exercises reuse.
var renderer = markdown.New()

func render(t testing.TB, src string) markdown.Result {
	t.Helper()
	res, err := renderer.Render([]byte(src))
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return res
}

func tocIDs(toc []markdown.Heading) []string {
	ids := make([]string, len(toc))
	for i, h := range toc {
		ids[i] = h.ID
	}
	return ids
}

func TestHeadingIDs(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"korean", "## 개요", []string{"개요"}},
		{"korean with space", "## 멀티 프로세싱", []string{"멀티-프로세싱"}},
		{"parentheses and hyphen", "#### IPC (Inter-Process Communication)", []string{"ipc-inter-process-communication"}},
		{"korean and latin", "#### 멀티 프로세싱 풀 (Pool)", []string{"멀티-프로세싱-풀-pool"}},
		{"mixed case latin in korean", "#### Python에서 멀티 스레딩과 GIL (Global Interpreter Lock)", []string{"python에서-멀티-스레딩과-gil-global-interpreter-lock"}},
		{"duplicates", "## 개요\n## 개요\n## 개요", []string{"개요", "개요-1", "개요-2"}},
		{"duplicate latin", "# A\n\n# a\n", []string{"a", "a-1"}},
		{"suffix already taken", "## a\n## a-1\n## a", []string{"a", "a-1", "a-2"}},
		{"empty", "##\n", []string{"heading"}},
		{"punctuation only", "## !?\n## ...", []string{"heading", "heading-1"}},
		{"underscore and digits kept", "## snake_case 42", []string{"snake_case-42"}},
		{"each space becomes a hyphen", "## a -  b", []string{"a----b"}},
		{"non-latin lowercased", "## Ünïcode Ελληνικά", []string{"ünïcode-ελληνικά"}},
		{"japanese", "## 日本語のテキスト", []string{"日本語のテキスト"}},
		{"link destination skipped", "## [Go](https://go.dev/doc) 설치", []string{"go-설치"}},
		{"code span", "## `Queue` 사용법", []string{"queue-사용법"}},
		{"entity resolved", "## Q&amp;A", []string{"qa"}},
		{"emphasis markers dropped", "## **굵게** *기울임*", []string{"굵게-기울임"}},
		{"closing sequence", "## 제목 ##", []string{"제목"}},
		{"setext", "Setext 제목\n===\n\n둘\n---", []string{"setext-제목", "둘"}},
		{"unclosed parenthesis is text", "## f](x", []string{"fx"}},
		{"ids per document", "## 개요", []string{"개요"}}, // same as the first case: no state leaks between Render calls
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := render(t, tt.src)
			if got := tocIDs(res.TOC); !slices.Equal(got, tt.want) {
				t.Errorf("ids of %q: got %q, want %q", tt.src, got, tt.want)
			}
			for _, id := range tt.want {
				if attr := `id="` + id + `"`; !strings.Contains(res.HTML, attr) {
					t.Errorf("HTML of %q: got %s, want it to contain %s", tt.src, res.HTML, attr)
				}
			}
		})
	}
}

func TestTOC(t *testing.T) {
	src := "# 제목\n\n본문\n\n## Sub **bold** `code` [link](https://example.com)\n\n" +
		"> ### 인용 안\n\n- ##### 목록 안\n\n###### Six\n\nSetext\n---\n\n####### seven is a paragraph\n"
	want := []markdown.Heading{
		{Level: 1, ID: "제목", Text: "제목"},
		{Level: 2, ID: "sub-bold-code-link", Text: "Sub bold code link"},
		{Level: 3, ID: "인용-안", Text: "인용 안"},
		{Level: 5, ID: "목록-안", Text: "목록 안"},
		{Level: 6, ID: "six", Text: "Six"},
		{Level: 2, ID: "setext", Text: "Setext"},
	}
	got := render(t, src).TOC
	if !slices.Equal(got, want) {
		t.Errorf("TOC:\n got %+v\nwant %+v", got, want)
	}
	if got := render(t, "본문뿐\n").TOC; got == nil || len(got) != 0 {
		t.Errorf("TOC without headings: got %#v, want an empty non-nil slice (JSON [])", got)
	}
}

// attrRe finds the URL-bearing attributes a browser would follow.
var attrRe = regexp.MustCompile(`(?i)\s(?:href|src)="([^"]*)"`)

// normalizeURL undoes everything that could hide a scheme from a naive
// check: HTML entities, percent-encoding, case, whitespace and controls.
func normalizeURL(s string) string {
	s = html.UnescapeString(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		if c <= ' ' || c == 0x7f {
			continue
		}
		b.WriteByte(c)
	}
	return strings.ToLower(b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

var dangerous = []string{"javascript:", "vbscript:", "file:", "data:"}

func TestUnsafeLinksDropped(t *testing.T) {
	tests := []struct {
		name string
		src  string
		// labelHasScheme marks autolinks: their visible text is the URL
		// itself, so only attributes are checked for the scheme.
		labelHasScheme bool
	}{
		{"plain", "[x](javascript:alert(1))", false},
		{"named entity colon", "[x](javascript&colon;alert(1))", false},
		{"numeric entity", "[x](&#106;avascript:alert(1))", false},
		{"hex entity", "[x](&#x6A;avascript:alert(1))", false},
		{"mixed case", "[x](JaVaScRiPt:alert(1))", false},
		{"leading space", "[x]( javascript:alert(1))", false},
		{"angle brackets with space", "[x](< javascript:alert(1)>)", false},
		{"leading control char", "[x](\x01javascript:alert(1))", false},
		{"control char entity", "[x](&#x01;javascript:alert(1))", false},
		{"newline entity", "[x](&#x0A;javascript:alert(1))", false},
		{"tab entity inside", "[x](java&Tab;script:alert(1))", false},
		{"newline entity inside", "[x](java&NewLine;script:alert(1))", false},
		{"NUL entity", "[x](&#0;javascript:alert(1))", false},
		{"percent-encoded", "[x](%6Aavascript:alert(1))", false},
		{"percent-encoded space", "[x](%20javascript:alert(1))", false},
		{"backslash-escaped colon", "[x](javascript\\:alert(1))", false},
		{"with title", "[x](javascript:alert(1) \"t\")", false},
		{"vbscript", "[x](vbscript:msgbox(1))", false},
		{"file", "[x](file:///etc/passwd)", false},
		{"data html link", "[x](data:text/html;base64,PHNjcmlwdD4=)", false},
		{"data png link", "[x](data:image/png;base64,AAAA)", false},
		{"reference definition", "[x][r]\n\n[r]: javascript:alert(1)", false},
		{"reference definition entity", "[x][r]\n\n[r]: &#106;avascript:alert(1)", false},
		{"image javascript", "![x](javascript:alert(1))", false},
		{"image svg data", "![x](data:image/svg+xml;base64,PHN2Zz4=)", false},
		{"image data html", "![x](data:text/html,<script>alert(1)</script>)", false},
		{"autolink", "<javascript:alert(1)>", true},
		{"autolink upper", "<JAVASCRIPT:alert(1)>", true},
		{"autolink vbscript", "<vbscript:msgbox(1)>", true},
		{"autolink data", "<data:text/html,x>", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(render(t, tt.src).HTML)
			for _, m := range attrRe.FindAllStringSubmatch(out, -1) {
				u := normalizeURL(m[1])
				for _, d := range dangerous {
					if strings.Contains(u, d) {
						t.Errorf("Render(%q): got attribute %q (normalized %q), want no %q", tt.src, m[0], u, d)
					}
				}
			}
			if !tt.labelHasScheme {
				whole := normalizeURL(out)
				for _, d := range dangerous {
					if strings.Contains(whole, d) {
						t.Errorf("Render(%q): got %q, want no %q anywhere", tt.src, out, d)
					}
				}
			}
			if strings.Contains(out, "<a ") || strings.Contains(out, "<img") {
				t.Errorf("Render(%q): got %q, want the link or image rendered as text", tt.src, out)
			}
			if !strings.Contains(out, "x") && !tt.labelHasScheme {
				t.Errorf("Render(%q): got %q, want the label kept as text", tt.src, out)
			}
		})
	}
}

func TestSafeLinksKept(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"[x](https://example.com/a?b=c#d)", `<a href="https://example.com/a?b=c#d">x</a>`},
		{"[x](/posts/cs/a \"제목\")", `<a href="/posts/cs/a" title="제목">x</a>`},
		{"[x](./javascript-guide)", `<a href="./javascript-guide">x</a>`},
		{"[x](mailto:a@example.com)", `<a href="mailto:a@example.com">x</a>`},
		{"[x](#개요)", `<a href="#%EA%B0%9C%EC%9A%94">x</a>`},
		{"![x](data:image/png;base64,AAAA)", `<img src="data:image/png;base64,AAAA" alt="x">`},
		{"![x](img/a.webp)", `<img src="img/a.webp" alt="x">`},
		{"<https://example.com>", `<a href="https://example.com">https://example.com</a>`},
		{"www.example.com", `<a href="http://www.example.com">www.example.com</a>`},
		{"a@example.com", `<a href="mailto:a@example.com">a@example.com</a>`},
		{"https://example.com/javascript:x", `<a href="https://example.com/javascript:x">`},
	}
	for _, tt := range tests {
		if got := string(render(t, tt.src).HTML); !strings.Contains(got, tt.want) {
			t.Errorf("Render(%q): got %q, want it to contain %q", tt.src, got, tt.want)
		}
	}
}

func TestRawHTMLOmitted(t *testing.T) {
	tests := []string{
		"<script>alert(1)</script>",
		"text <script>alert(1)</script> text",
		"<img src=x onerror=alert(1)>",
		"inline <b onclick=\"alert(1)\">bold</b>",
		"<div>\n\n**md inside**\n\n</div>",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<iframe src=\"https://evil.example\"></iframe>",
	}
	for _, src := range tests {
		got := strings.ToLower(string(render(t, src).HTML))
		for _, bad := range []string{"<script", "<img", "onerror", "onclick", "<b ", "<div", "<iframe", "javascript:"} {
			if strings.Contains(got, bad) {
				t.Errorf("Render(%q): got %q, want no %q", src, got, bad)
			}
		}
	}
}

func TestFencedCode(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		want     []string
		wantNone []string
	}{
		{
			name:     "unknown language",
			src:      "```zzz\nif a < b && c > d { <script> }\n```\n",
			want:     []string{"<pre><code", "if a &lt; b &amp;&amp; c &gt; d { &lt;script&gt; }", "</code></pre>"},
			wantNone: []string{"<script>"},
		},
		{
			name:     "no language",
			src:      "```\n<b>raw</b> & more\n```\n",
			want:     []string{"<pre><code>&lt;b&gt;raw&lt;/b&gt; &amp; more\n</code></pre>"},
			wantNone: []string{"<b>"},
		},
		{
			name: "tilde fence without language",
			src:  "~~~\nx := <-ch\n~~~\n",
			want: []string{"<pre><code>x := &lt;-ch\n</code></pre>"},
		},
		{
			name: "indented code",
			src:  "    <i>x</i>\n",
			want: []string{"<pre><code>&lt;i&gt;x&lt;/i&gt;\n</code></pre>"},
		},
		{
			name:     "known language uses classes",
			src:      "```go\nfunc main() { fmt.Println(\"<hi>\") }\n```\n",
			want:     []string{`<pre class="chroma">`, `<span class="kd">func</span>`, `&lt;hi&gt;`},
			wantNone: []string{"style=", "<hi>"},
		},
		{
			name: "python from the seed post",
			src:  "```python\nfrom multiprocessing import Process\n```\n",
			want: []string{`<pre class="chroma">`, `<span class="kn">from</span>`},
		},
		{
			name:     "language with markup in the info string",
			src:      "```\"><script>alert(1)</script>\nx\n```\n",
			wantNone: []string{"<script>"},
			want:     []string{"<pre><code"},
		},
		{
			name: "empty fence",
			src:  "```zzz\n```\n",
			want: []string{"<pre><code"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(render(t, tt.src).HTML)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q): got %q, want it to contain %q", tt.src, got, w)
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(got, w) {
					t.Errorf("Render(%q): got %q, want no %q", tt.src, got, w)
				}
			}
		})
	}
}

func TestExtensions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"footnote", "본문[^1]\n\n[^1]: 각주 내용\n", []string{`<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>`, `<div class="footnotes" role="doc-endnotes">`, "각주 내용"}},
		{"table", "| a | b |\n|:--|--:|\n| 1 | 2 |\n", []string{"<table>", "<th style=\"text-align:left\">a</th>", "<td style=\"text-align:right\">2</td>"}},
		{"strikethrough", "~~지움~~", []string{"<del>지움</del>"}},
		{"task list", "- [x] done\n- [ ] todo\n", []string{`<input checked="" disabled="" type="checkbox"> done`, `<input disabled="" type="checkbox"> todo`}},
		{"linkify", "see https://go.dev now", []string{`<a href="https://go.dev">https://go.dev</a>`}},
		{"typographer off", "\"quotes\" -- dashes...", []string{"&quot;quotes&quot; -- dashes..."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(render(t, tt.src).HTML)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q): got %q, want it to contain %q", tt.src, got, w)
				}
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"blocks", "# 제목\n\n첫 문단 **굵게** *기울임*\n이어짐.\n\n- 하나\n- 둘\n", "제목\n첫 문단 굵게 기울임 이어짐.\n하나\n둘"},
		{"code block", "앞\n\n```go\nfunc helloWorld() {\n\treturn\n}\n```\n뒤", "앞\nfunc helloWorld() {\n\treturn\n}\n뒤"},
		{"code span and link", "Use `multiprocessing.Queue` and [the docs](https://docs.python.org).", "Use multiprocessing.Queue and the docs."},
		{"entities and escapes", "a &amp; b \\*not em\\* &#xAC1C;", "a & b *not em* 개"},
		{"raw html dropped", "before <b>bold</b> after\n\n<div>block</div>\n", "before bold after"},
		{"image alt", "![다이어그램](a.png)", "다이어그램"},
		{"autolink", "<https://go.dev>", "https://go.dev"},
		{"table cells", "| a | b |\n|---|---|\n| 1 | 2 |\n", "a b\n1 2"},
		{"footnote", "본문[^n]\n\n[^n]: 각주\n", "본문\n각주"},
		{"task list", "- [x] 완료\n", "완료"},
		{"hard break", "a  \nb", "a\nb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.src).Text; got != tt.want {
				t.Errorf("Text of %q: got %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestTextOfSeed(t *testing.T) {
	res := render(t, string(readSeed(t)))
	for _, w := range []string{"병목 현상", "개요", "multiprocessing.Queue", "process_file", "ThreadPoolExecutor", "if __name__ == \"__main__\":", "Inter-Process Communication"} {
		if !strings.Contains(res.Text, w) {
			t.Errorf("Text of seed: want it to contain %q", w)
		}
	}
	for _, bad := range []string{"<", "**", "```", "](", "#### "} {
		if strings.Contains(res.Text, bad) {
			t.Errorf("Text of seed: got markup %q, want none", bad)
		}
	}
	// 2624 Hangul syllables and about 120 Latin words: 5.25 + 0.6 minutes.
	if got, want := markdown.ReadingMinutes(res.Text), 6; got != want {
		t.Errorf("ReadingMinutes(seed text): got %d, want %d", got, want)
	}
	if strings.HasPrefix(res.Text, "\n") || strings.HasSuffix(res.Text, "\n") || strings.Contains(res.Text, "\n\n") {
		t.Errorf("Text of seed: got leading, trailing or doubled newlines, want single separators")
	}
}

func TestReadingMinutes(t *testing.T) {
	hangul := func(n int) string { return strings.Repeat("가", n) }
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("word ", n)) }
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 1},
		{"korean 500 chars", hangul(500), 1},
		{"korean 501 chars", hangul(501), 2},
		{"korean 1500 chars with spaces", strings.Repeat(hangul(10)+" ", 150), 3},
		{"english 200 words", words(200), 1},
		{"english 201 words", words(201), 2},
		{"english 1000 words", words(1000), 5},
		{"mixed exactly one minute", hangul(250) + " " + words(100), 1},
		{"mixed just over", hangul(251) + " " + words(100), 2},
		{"mixed attached particles", strings.Repeat("CPU를 ", 400), 3}, // 400 chars/500 + 400 words/200 = 2.8
		{"punctuation is not a word", strings.Repeat("— ", 500), 1},
		{"hyphenated is one word", strings.Repeat("Inter-Process ", 201), 2},
		{"digits are words", strings.Repeat("2025 ", 201), 2},
		{"japanese and chinese count as CJK", strings.Repeat("日本語テキスト", 100), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := markdown.ReadingMinutes(tt.text); got != tt.want {
				t.Errorf("ReadingMinutes: got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCSS(t *testing.T) {
	for _, tc := range []struct {
		name string
		css  func() ([]byte, error)
		want []string
	}{
		{"github", func() ([]byte, error) { return markdown.CSS("github") }, []string{".chroma {", ".chroma .kd {", ".chroma .lnt:target"}},
		{"MONOKAI", func() ([]byte, error) { return markdown.CSS("MONOKAI") }, []string{".chroma .kd {", "#272822"}},
		{"default", markdown.DefaultCSS, []string{".chroma .kd {", "@media (prefers-color-scheme: dark) {\n/* Background */ .bg"}},
	} {
		css, err := tc.css()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, w := range tc.want {
			if !bytes.Contains(css, []byte(w)) {
				t.Errorf("%s: %d bytes without %q", tc.name, len(css), w)
			}
		}
	}
	if _, err := markdown.CSS("no-such-style"); !errors.Is(err, markdown.ErrUnknownStyle) {
		t.Errorf("CSS(no-such-style): %v, want ErrUnknownStyle", err)
	}
	if names := markdown.StyleNames(); !slices.Contains(names, markdown.DefaultStyle) || !slices.Contains(names, markdown.DarkStyle) {
		t.Errorf("StyleNames %v lack %s or %s", names, markdown.DefaultStyle, markdown.DarkStyle)
	}
}

func TestConcurrentRender(t *testing.T) {
	seed := readSeed(t)
	want := render(t, string(seed))
	// No more goroutines than Ps: chroma gives every regexp match a 250ms
	// wall-clock timeout, and starved goroutines (the race detector on a
	// loaded machine) hit it and highlight differently. See the package
	// documentation.
	var wg sync.WaitGroup
	for range max(2, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for range 3 {
				got, err := renderer.Render(seed)
				if err != nil {
					t.Errorf("Render: %v", err)
					return
				}
				if i := firstDiff(got.HTML, want.HTML); i >= 0 {
					t.Errorf("concurrent Render: HTML differs from sequential Render at byte %d:\n got %q\nwant %q", i, excerpt(got.HTML, i), excerpt(want.HTML, i))
					return
				}
				if got.Text != want.Text || !slices.Equal(got.TOC, want.TOC) {
					t.Errorf("concurrent Render: got a different Text or TOC than sequential Render")
					return
				}
			}
		})
	}
	wg.Wait()
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func excerpt(b string, i int) string {
	return b[max(0, i-80):min(len(b), i+80)]
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"## 개요\n", "```zzz\n<x>\n```", "[x](javascript:alert(1))", "| a |\n|-|\n| b |",
		"[^1]\n\n[^1]: x", "- [ ] t", "<script>", "![a](<b c>)", "# [x](y) [z](", "```\n", "\x00\xff",
		strings.Repeat(">", 101) + "*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		res, err := renderer.Render([]byte(src))
		var over *markdown.BudgetError
		if errors.As(err, &over) {
			// Over the budget is a reported outcome, not a failure, as long as
			// it says why.
			if over.Reason == "" {
				t.Fatalf("Render(%q): budget error without a reason: %v", src, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Render(%q): %v", src, err)
		}
		for _, m := range attrRe.FindAllStringSubmatch(string(res.HTML), -1) {
			u := normalizeURL(m[1])
			if strings.HasPrefix(u, "javascript:") || strings.HasPrefix(u, "vbscript:") {
				t.Errorf("Render(%q): got attribute %q", src, m[0])
			}
		}
	})
}

// TestCodeMatchesBaseline holds geul's code block renderer to the bytes
// goldmark-highlighting writes, since geul replaces it only for speed.
func TestCodeMatchesBaseline(t *testing.T) {
	base := baseline.New()
	code := "func main() {\n\tx := \"<a href='&'>\" // 주석\n\tfmt.Println(x)\n}\n"
	infos := []string{
		"go", "GO", "python", "py", "js", "c++", "C#", "html", "bash", "sh $", "console", "text", "plaintext",
		"dockerfile", "yaml", "json", "sql", "rust", "zzz", "mermaid", "", "go title=\"x\"", "&lt;b&gt;",
		"go {hl_lines=[2]}", "go {linenos=true}", "go {nohl}", "{.class}", "python {linenostart=5 linenos=table}",
	}
	for _, info := range infos {
		for _, body := range []string{code, "", "한 줄\n"} {
			src := "문단 **굵게** [x](https://example.com)\n\n```" + info + "\n" + body + "```\n\n~~~" + info + "\n" + body + "~~~\n\n- 목록\n\n  ```" + info + "\n  " + body + "  ```\n"
			var want bytes.Buffer
			if err := base.Convert([]byte(src), &want); err != nil {
				t.Fatalf("baseline Convert(%q): %v", src, err)
			}
			if got := render(t, src).HTML; got != want.String() {
				t.Errorf("fence %q: Render and baseline differ\n got %q\nwant %q", info, got, want.Bytes())
			}
		}
	}
}
