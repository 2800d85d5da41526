package api

import (
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"
)

// Encode is v as geul writes JSON: compact, a newline at the end, and <, >
// and & as they are rather than \u escapes, since the bodies carry HTML.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := EncodeTo(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeTo writes v to w as Encode makes it, for a caller that reuses its
// buffer.
func EncodeTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// AppendPost appends PostResponse{Post: *p} to dst, the same bytes EncodeTo
// writes for it. A post's content and html are most of its bytes, and
// encoding/json decodes every multi-byte character of them one by one (a
// Korean body is mostly such characters): AppendPost has encoding/json write
// the post with both empty and writes the two strings itself with
// appendString, which checks UTF-8 once for the whole string.
func AppendPost(dst []byte, p *Post) ([]byte, error) {
	bare := *p
	bare.Content, bare.HTML = "", ""
	w := bytes.NewBuffer(dst)
	if err := EncodeTo(w, PostResponse{Post: bare}); err != nil {
		return dst, err
	}
	enc := w.Bytes()
	i := bytes.Index(enc[len(dst):], emptyBody)
	if i < 0 || !spliceable(p) {
		w.Truncate(len(dst))
		err := EncodeTo(w, PostResponse{Post: *p})
		return w.Bytes(), err
	}
	at := len(dst) + i
	tail := bytes.Clone(enc[at+len(emptyBody):]) // the strings overwrite it
	out := append(enc[:at], `"content":`...)
	out = appendString(out, p.Content)
	out = append(out, `,"html":`...)
	out = appendString(out, p.HTML)
	return append(out, tail...), nil
}

// emptyBody is how encoding/json writes a post's content and html when both
// are empty.
var emptyBody = []byte(`"content":"","html":""`)

// spliceable reports whether emptyBody can only be found at the post's own
// content and html in its encoding: the fields before them are strings,
// whose quotes encoding/json escapes, and the Localized objects, whose keys
// are languages; one named "content" (no site has it) is left to EncodeTo.
func spliceable(p *Post) bool {
	for _, l := range []Localized{p.Title, p.Category, p.Description} {
		for _, t := range l {
			if t.Lang == "content" {
				return false
			}
		}
	}
	return true
}

// appendString appends s to dst as a JSON string, the bytes encoding/json
// writes for it with HTML escaping off: ", \ and control characters escaped
// (\b, \f, \n, \r and \t by name), U+2028 and U+2029 as \u escapes, and each
// byte of invalid UTF-8 as \ufffd.
func appendString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		return appendInvalid(dst, s)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !stringSpecial[b] {
			continue
		}
		if b == 0xE2 { // the first byte of U+2028 and U+2029, and of others
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '\\', '"':
			dst = append(dst, '\\', b)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendInvalid is appendString for a string that is not valid UTF-8: rare
// enough to leave to encoding/json.
func appendInvalid(dst []byte, s string) []byte {
	var buf bytes.Buffer
	_ = EncodeTo(&buf, s) // a string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

const hexDigits = "0123456789abcdef"

// stringSpecial marks the bytes appendString looks at: those it escapes,
// and 0xE2, which starts U+2028 and U+2029.
var stringSpecial = func() (t [256]bool) {
	for b := range 0x20 {
		t[b] = true
	}
	t['"'], t['\\'], t[0xE2] = true, true, true
	return t
}()
