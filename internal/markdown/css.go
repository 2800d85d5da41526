package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/styles"
)

// DarkStyle is the style of the dark half of DefaultCSS: DefaultStyle's dark
// counterpart.
const DarkStyle = "github-dark"

// ErrUnknownStyle is returned (wrapped) by CSS for a style chroma does not
// have.
var ErrUnknownStyle = errors.New("unknown chroma style")

// cssFormatter writes the stylesheets: the class options rendered code is
// written with, and the line-number rules, which blocks with {linenos=...}
// use. Its style cache is safe for concurrent use.
var cssFormatter = chromahtml.New(append(chromaOptions(), chromahtml.WithLineNumbers(true), chromahtml.LineNumbersInTable(true))...)

// CSS returns the chroma stylesheet of style (for example "github" or
// "monokai", in any case) for the classes of rendered code blocks, so that
// frontends need not bundle chroma's themes themselves.
func CSS(style string) ([]byte, error) {
	// styles.Get falls back to a default for unknown names, which would
	// hide a typo in a frontend's configuration.
	s, ok := styles.Registry[strings.ToLower(style)]
	if !ok {
		return nil, fmt.Errorf("markdown: css: %w %q", ErrUnknownStyle, style)
	}
	var b bytes.Buffer
	if err := cssFormatter.WriteCSS(&b, s); err != nil {
		return nil, fmt.Errorf("markdown: css for %q: %w", style, err)
	}
	return b.Bytes(), nil
}

// DefaultCSS returns DefaultStyle's stylesheet, then DarkStyle's inside
// @media (prefers-color-scheme: dark): the same selectors, later, so a
// reader's dark mode wins.
func DefaultCSS() ([]byte, error) {
	light, err := CSS(DefaultStyle)
	if err != nil {
		return nil, err
	}
	dark, err := CSS(DarkStyle)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "/* geul: chroma %s, and %s for a dark color scheme */\n", DefaultStyle, DarkStyle)
	b.Write(light)
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	b.Write(dark)
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// StyleNames lists the styles CSS knows, sorted.
func StyleNames() []string { return styles.Names() }
