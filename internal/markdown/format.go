package markdown

import (
	"github.com/alecthomas/chroma/v2"
	"github.com/yuin/goldmark/util"
)

// writeTokens writes tokens exactly as chroma's HTML formatter does with
// geul's options (chromaOptions: classes, no line numbers, no highlighted
// lines, the default <pre><code> wrapper, no class prefix), without its
// costs per token: a fmt.Sprintf for the class attribute and another for
// the span, and html.EscapeString's copy of the text. Those were three
// fifths of the formatter's time, which was a sixth of rendering a light
// corpus's code. TestWriteTokens holds it to the formatter on chroma's
// samples.
func writeTokens(w util.BufWriter, tokens []chroma.Token) {
	_, _ = w.WriteString(`<pre class="` + chroma.StandardTypes[chroma.PreWrapper] + `"><code>`)
	lineOpen := `<span class="` + chroma.StandardTypes[chroma.Line] + `"><span class="` + chroma.StandardTypes[chroma.CodeLine] + `">`
	for _, line := range chroma.SplitTokensIntoLines(tokens) {
		_, _ = w.WriteString(lineOpen)
		for _, t := range line {
			if cls := classOf(t.Type); cls != "" {
				_, _ = w.WriteString(`<span class="`)
				_, _ = w.WriteString(cls)
				_, _ = w.WriteString(`">`)
				writeEscaped(w, t.Value)
				_, _ = w.WriteString(`</span>`)
			} else {
				writeEscaped(w, t.Value)
			}
		}
		_, _ = w.WriteString(`</span></span>`)
	}
	_, _ = w.WriteString(`</code></pre>`)
}

// classOf is the formatter's class of a token type: its own, or its
// nearest parent's that chroma names.
func classOf(t chroma.TokenType) string {
	for t != 0 {
		if cls, ok := chroma.StandardTypes[t]; ok {
			return cls
		}
		t = t.Parent()
	}
	return chroma.StandardTypes[t]
}

// writeEscaped writes s as html.EscapeString escapes it.
func writeEscaped(w util.BufWriter, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		_, _ = w.WriteString(s[last:i])
		_, _ = w.WriteString(esc)
		last = i + 1
	}
	_, _ = w.WriteString(s[last:])
}
