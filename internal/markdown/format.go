package markdown

import (
	"strings"

	"github.com/alecthomas/chroma/v2"
	"github.com/yuin/goldmark/util"
)

// writeTokens writes the tokens of it exactly as chroma's HTML formatter
// does with geul's options (chromaOptions: classes, no line numbers, no
// highlighted lines, the default <pre><code> wrapper, no class prefix),
// without its costs per token: a fmt.Sprintf for the class attribute and
// another for the span, html.EscapeString's copy of the text, and the slices
// of all tokens and of each line (chroma.SplitTokensIntoLines). In a CPU
// profile of a light 2,000-post index run (indexbench profile) the formatter
// took 1.28 s of highlighting's 4.72 s, 0.48 s of it in fmt.Sprintf, and the
// two slices were 140 MB of the run's 1.29 GB of allocations.
// TestWriteTokens holds it to the formatter on chroma's samples.
func writeTokens(w util.BufWriter, it chroma.Iterator) {
	_, _ = w.WriteString(codeOpen)
	// As SplitTokensIntoLines: a token is cut after each newline, each piece
	// ending a line; a last line that is one empty token is dropped, so a
	// line's first token, when empty, is held until the line goes on.
	open := false
	var held *chroma.Token
	for t := it(); t != chroma.EOF; t = it() {
		if !open && t.Value == "" && held == nil {
			held = &t
			continue
		}
		if !open {
			_, _ = w.WriteString(lineOpen)
			open = true
			if held != nil {
				writeToken(w, held.Type, "")
				held = nil
			}
		}
		v := t.Value
		for {
			i := strings.IndexByte(v, '\n')
			if i < 0 {
				writeToken(w, t.Type, v)
				break
			}
			writeToken(w, t.Type, v[:i+1])
			_, _ = w.WriteString(`</span></span>`)
			open = false
			if v = v[i+1:]; v == "" {
				break
			}
			_, _ = w.WriteString(lineOpen)
			open = true
		}
	}
	if open {
		_, _ = w.WriteString(`</span></span>`)
	}
	_, _ = w.WriteString(`</code></pre>`)
}

// The wrappers writeTokens writes around the code and each line.
var (
	codeOpen = `<pre class="` + chroma.StandardTypes[chroma.PreWrapper] + `"><code>`
	lineOpen = `<span class="` + chroma.StandardTypes[chroma.Line] + `"><span class="` + chroma.StandardTypes[chroma.CodeLine] + `">`
)

// writeToken writes one token's text, in a span of its class if it has one.
func writeToken(w util.BufWriter, typ chroma.TokenType, v string) {
	cls := classOf(typ)
	if cls == "" {
		writeEscaped(w, v)
		return
	}
	_, _ = w.WriteString(`<span class="`)
	_, _ = w.WriteString(cls)
	_, _ = w.WriteString(`">`)
	writeEscaped(w, v)
	_, _ = w.WriteString(`</span>`)
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
