package api

import (
	"bytes"
	"encoding/json"
	"io"
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
