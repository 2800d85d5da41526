package api

import (
	"bytes"
	"encoding/json"
)

// Encode is v as geul writes JSON: compact, a newline at the end, and <, >
// and & as they are rather than \u escapes, since the bodies carry HTML.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
