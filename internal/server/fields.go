package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/repr"
)

// postKeys are the keys of the post object, in its order; itemKeys those of a
// list item (the post object without its body).
var (
	postKeys = jsonKeys(reflect.TypeFor[api.Post]())
	itemKeys = jsonKeys(reflect.TypeFor[api.PostItem]())
)

// jsonKeys lists the JSON keys of a struct type, embedded structs flattened.
func jsonKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonKeys(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// fieldSet is the keys a client asked for; nil means every key.
type fieldSet map[string]bool

// parseFields reads the fields query parameter against the keys the answer
// can carry. slug is always kept, so a trimmed item still says which post it
// is. An absent or empty parameter keeps every key.
func parseFields(c echo.Context, keys []string) (fieldSet, error) {
	raw := queryParam(c, "fields")
	if strings.TrimSpace(strings.ReplaceAll(raw, ",", "")) == "" {
		return nil, nil
	}
	set := fieldSet{"slug": true}
	for f := range strings.SplitSeq(raw, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(keys, f) {
			if slices.Contains(postKeys, f) {
				return nil, invalidf("field %q is only on a single post, not in lists", f)
			}
			return nil, invalidf("unknown field %q: fields are %s", f, strings.Join(keys, ", "))
		}
		set[f] = true
	}
	return set, nil
}

// trimObject appends to dst the JSON object obj with only the members in keep,
// in obj's order, their values byte for byte.
func trimObject(dst, obj []byte, keep fieldSet) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return dst, fmt.Errorf("trim fields: not a JSON object")
	}
	dst = append(dst, '{')
	first := true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return dst, fmt.Errorf("trim fields: %w", err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return dst, fmt.Errorf("trim fields: %w", err)
		}
		if !keep[key] {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		kb, _ := json.Marshal(key)
		dst = append(dst, kb...)
		dst = append(dst, ':')
		dst = append(dst, val...)
	}
	return append(dst, '}'), nil
}

// writePostFields serves a post trimmed to the asked fields. It is the slow
// path, taken only when asked: the stored identity payload is decoded, trimmed
// and re-encoded, and its ETag computed from the trimmed bytes.
func (s *Server) writePostFields(c echo.Context, id, lang string, keep fieldSet) error {
	p, err := s.store.Post(c.Request().Context(), id, lang, repr.Identity)
	if err != nil {
		if isNotFound(err) {
			return notFoundf("no post %s", id)
		}
		return err
	}
	var env struct {
		Post json.RawMessage `json:"post"`
	}
	if err := json.Unmarshal(p.Body, &env); err != nil {
		return fmt.Errorf("post %s: stored payload: %w", id, err)
	}
	body := append(make([]byte, 0, len(p.Body)), `{"post":`...)
	if body, err = trimObject(body, env.Post, keep); err != nil {
		return fmt.Errorf("post %s: %w", id, err)
	}
	body = append(body, "}\n"...)
	p.Body = body
	p.ETag = repr.ETag(body)
	p.Encoding = repr.Identity
	return s.writeStored(c, p, false)
}

// writeJSON writes a JSON body built for this request. The represent
// middleware gives it its ETag, 304, compression and HEAD.
func (s *Server) writeJSON(c echo.Context, body []byte, lang string) error {
	if lang != "" {
		c.Response().Header().Set("Content-Language", lang)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, body)
}
