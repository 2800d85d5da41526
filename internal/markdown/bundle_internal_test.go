package markdown

import (
	"strings"
	"testing"
)

// The byte scan that lets html skip the tokenizer must send every html that
// could link to a bundle file through it.
func TestMayLinkLocally(t *testing.T) {
	for _, tt := range []struct {
		html string
		want bool
	}{
		{`<p>plain <code>x</code></p>`, false},
		{`<a href="https://example.com/x.png">x</a>`, false},
		{`<a href="/abs">x</a><a href="#frag">y</a><a href="?q=1">z</a><a href="mailto:a@b.c">m</a>`, false},
		{`<pre class="chroma"><span class="nx">src</span><span class="o">=</span></pre>`, false},
		{`<img src="x.png" alt="">`, true},
		{`<IMG SRC='./x.png'>`, true},
		{`<a href=x.pdf>x</a>`, true},
		{`<img srcset="https://e.com/a.png 1x">`, true},
		{`<video poster="p.jpg"></video>`, true},
		{`<a href="">x</a>`, true},
		{`<a href="1http://x">x</a>`, true},
		{`<a href="HTTPS://E.COM/X.PNG">x</a><img SRC=/a.png>`, false},
		{`<img src = "x.png">`, true},
		{"<img src\n=\n'x.png'>", true},
		{`<img data-src="x.png">`, true}, // errs towards true
		{`<img xposter="https://e.com/p.jpg" POSTER="p.jpg">`, true},
		{`<p>a == b, src, = href</p>`, false},
		{`=src=`, true},
		{`src`, false},
	} {
		if got := mayLinkLocally(tt.html); got != tt.want {
			t.Errorf("mayLinkLocally(%q) = %v, want %v", tt.html, got, tt.want)
		}
	}
	// Every link attribute, in any case, with a relative value: a name
	// added to linkAttrs longer than maxLinkAttr would be missed.
	for key := range linkAttrs {
		for _, html := range []string{`<x ` + key + `="rel.png">`, `<x ` + strings.ToUpper(key) + `=rel.png>`} {
			if !mayLinkLocally(html) {
				t.Errorf("mayLinkLocally(%q) = false, want true", html)
			}
		}
	}
}
