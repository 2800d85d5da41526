package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// marshalOrdered writes n key/value pairs as a JSON object, in their order:
// Go maps would sort the keys, and geul's language maps follow the site's
// language order instead.
func marshalOrdered(n int, pair func(i int) (key string, value any)) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		k, v := pair(i)
		if err := writeJSONValue(&b, k); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := writeJSONValue(&b, v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// unmarshalOrdered reads a JSON object, calling add with each key and its
// value decoded as a T, in the object's order. null calls nothing and
// reports null.
func unmarshalOrdered[T any](data []byte, what string, add func(key string, value T)) (null bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	if tok == nil {
		return true, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return false, fmt.Errorf("%s: want a JSON object, got %v", what, tok)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return false, err
		}
		var v T
		if err := dec.Decode(&v); err != nil {
			return false, fmt.Errorf("%s %v: %w", what, kt, err)
		}
		add(kt.(string), v)
	}
	return false, nil
}

// writeJSONValue writes v as JSON without escaping HTML characters: the
// payload keeps "<" and "&" as the original page did.
func writeJSONValue(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode appends a newline
	return nil
}
