package feeds

import (
	"encoding/xml"
	"strings"
	"unicode/utf8"
)

// xmlDoc renders v as an XML document with its declaration.
func xmlDoc(v any) ([]byte, error) {
	var b strings.Builder
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

// cdata is character data written as a CDATA section: HTML stays readable
// instead of turning into entities.
type cdata struct {
	Text string `xml:",cdata"`
}

// xmlSafe replaces what XML 1.0 cannot carry (control characters other than
// tab and newlines, stray surrogates, U+FFFE and U+FFFF) with U+FFFD.
// encoding/xml does this for text and attributes, but not inside CDATA.
func xmlSafe(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !xmlChar(r) }) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
