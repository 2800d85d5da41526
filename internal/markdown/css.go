package markdown

import (
	"fmt"
	"strings"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/styles"
)

// CSS returns the chroma stylesheet for style (for example "github" or
// "monokai") matching the class names in rendered code blocks. Frontends
// fetch it instead of bundling chroma's themes themselves.
func CSS(style string) (string, error) {
	// styles.Get falls back to a default for unknown names, which would
	// hide a typo in a frontend's configuration.
	s, ok := styles.Registry[strings.ToLower(style)]
	if !ok {
		return "", fmt.Errorf("markdown: unknown chroma style %q", style)
	}
	var b strings.Builder
	if err := chromahtml.New(chromahtml.WithClasses(true)).WriteCSS(&b, s); err != nil {
		return "", fmt.Errorf("markdown: css for %q: %w", style, err)
	}
	return b.String(), nil
}
