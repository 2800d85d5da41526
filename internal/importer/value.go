package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// value is a JSON value that remembers its object key order. encoding/json's
// map[string]any forgets it, and the post object's key order is part of the
// contract (title before date before category ...).
type value struct {
	kind  kind
	str   string   // string contents, or a number's literal text
	b     bool     // kindBool
	keys  []string // kindObject: keys, parallel to elems
	elems []*value // kindArray elements or kindObject values
}

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "bool", "number", "string", "array", "object"}[k]
}

func (v *value) isString(s string) bool { return v.kind == kindString && v.str == s }

// get returns the value of the first key k of an object, nil if none.
func (v *value) get(k string) *value {
	if v == nil || v.kind != kindObject {
		return nil
	}
	for i, key := range v.keys {
		if key == k {
			return v.elems[i]
		}
	}
	return nil
}

// decodeValue parses one JSON value, keeping key order. It checks raw with
// json.Valid first, so the parser below can stay small; it still checks every
// bound, because Payload's maps are exported and may hold anything.
func decodeValue(raw []byte) (*value, error) {
	if !json.Valid(raw) {
		return nil, errors.New("not valid JSON")
	}
	d := decoder{data: raw}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.skipSpace(); d.pos != len(d.data) {
		return nil, fmt.Errorf("trailing data at byte %d", d.pos)
	}
	return v, nil
}

// decoder is a recursive-descent JSON parser. encoding/json's Decoder.Token
// would do, but it is several times slower, which the fuzzer feels.
type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("JSON byte %d: "+format, append([]any{d.pos}, args...)...)
}

func (d *decoder) value(depth int) (*value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d", maxDepth)
	}
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end")
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		return &value{kind: kindString, str: s}, nil
	case c == '[':
		return d.array(depth)
	case c == '{':
		return d.object(depth)
	case c == 't' || c == 'f' || c == 'n':
		return d.literal()
	case c == '-' || '0' <= c && c <= '9':
		start := d.pos
		for d.pos < len(d.data) && strings.IndexByte("+-.0123456789eE", d.data[d.pos]) >= 0 {
			d.pos++
		}
		// The literal is kept as written, so 1.50 stays 1.50.
		return &value{kind: kindNumber, str: string(d.data[start:d.pos])}, nil
	}
	return nil, d.errorf("unexpected %q", d.data[d.pos])
}

// array parses the array whose '[' is at d.pos, at depth.
func (d *decoder) array(depth int) (*value, error) {
	d.pos++
	v := &value{kind: kindArray}
	for {
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == ']' && len(v.elems) == 0 {
			d.pos++
			return v, nil
		}
		e, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.elems = append(v.elems, e)
		if done, err := d.next(']'); done || err != nil {
			return v, err
		}
	}
}

// object parses the object whose '{' is at d.pos, at depth, keeping its key
// order.
func (d *decoder) object(depth int) (*value, error) {
	d.pos++
	v := &value{kind: kindObject}
	for {
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == '}' && len(v.keys) == 0 {
			d.pos++
			return v, nil
		}
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.errorf("want an object key")
		}
		k, err := d.string()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.errorf("want ':'")
		}
		d.pos++
		e, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, k)
		v.elems = append(v.elems, e)
		if done, err := d.next('}'); done || err != nil {
			return v, err
		}
	}
}

// literal parses the true, false or null at d.pos.
func (d *decoder) literal() (*value, error) {
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
			d.pos += len(lit)
			if lit == "null" {
				return &value{kind: kindNull}, nil
			}
			return &value{kind: kindBool, b: lit == "true"}, nil
		}
	}
	return nil, d.errorf("bad literal")
}

// next consumes the ',' between elements or the closing delimiter, reporting
// whether it was the close.
func (d *decoder) next(close byte) (bool, error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return false, d.errorf("unexpected end")
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return false, nil
	case close:
		d.pos++
		return true, nil
	}
	return false, d.errorf("want ',' or %q", close)
}

// string parses the string at d.pos. Plain strings are sliced; those with
// escapes or invalid UTF-8 go through encoding/json, which knows the rules
// (surrogate pairs, U+FFFD).
func (d *decoder) string() (string, error) {
	start := d.pos
	d.pos++
	plain := true
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; {
		case c == '"':
			d.pos++
			raw := d.data[start:d.pos]
			if plain && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", err
			}
			return s, nil
		case c == '\\':
			plain = false
			d.pos += 2
		default:
			d.pos++
		}
	}
	return "", d.errorf("unterminated string")
}

// findKey returns the value of the first key k in document order: depth-first,
// an object's keys in order, descending into each value before looking at the
// next key. It is nil if there is none.
func (v *value) findKey(k string) *value {
	switch v.kind {
	case kindArray:
		for _, e := range v.elems {
			if f := e.findKey(k); f != nil {
				return f
			}
		}
	case kindObject:
		for i, key := range v.keys {
			if key == k {
				return v.elems[i]
			}
			if f := v.elems[i].findKey(k); f != nil {
				return f
			}
		}
	}
	return nil
}

// find visits v and its descendants in document order (pre-order) and returns
// the first non-nil result of match.
func (v *value) find(match func(*value) *value) *value {
	if f := match(v); f != nil {
		return f
	}
	for _, e := range v.elems {
		if f := e.find(match); f != nil {
			return f
		}
	}
	return nil
}

// encode writes v as compact JSON. Strings are not HTML-escaped, matching the
// API's encoder (api.Localized), so equal values give equal bytes.
func (v *value) encode(b *bytes.Buffer) error {
	switch v.kind {
	case kindNull:
		b.WriteString("null")
	case kindBool:
		b.WriteString(strconv.FormatBool(v.b))
	case kindNumber:
		b.WriteString(v.str)
	case kindString:
		return encodeString(b, v.str)
	case kindArray:
		b.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := e.encode(b); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeString(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := v.elems[i].encode(b); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	}
	return nil
}

func encodeString(b *bytes.Buffer, s string) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode appends a newline
	return nil
}

// resolver substitutes "$<id>" references. One resolver serves one lookup, so
// its budget bounds the whole result.
type resolver struct {
	p      *Payload
	rows   map[string]*value // decoded JSON rows
	active map[string]bool   // references being resolved, to catch cycles
	budget int
}

func (p *Payload) newResolver() *resolver {
	return &resolver{
		p:      p,
		rows:   map[string]*value{},
		active: map[string]bool{},
		budget: baseBudget + budgetPerByte*p.size,
	}
}

// row returns JSON row id decoded, from the cache if it was decoded before.
func (r *resolver) row(id string, raw json.RawMessage) (*value, error) {
	if v, ok := r.rows[id]; ok {
		return v, nil
	}
	v, err := decodeValue(raw)
	if err != nil {
		return nil, fmt.Errorf("importer: row %q: %w", id, err)
	}
	r.rows[id] = v
	return v, nil
}

func (r *resolver) spend(n int) error {
	r.budget -= n
	if r.budget < 0 {
		return errors.New("references expand past the size limit")
	}
	return nil
}

// resolve returns v with every reference replaced by its target, recursively.
// depth counts nesting across references, so the result stays decodable.
func (r *resolver) resolve(v *value, depth int) (*value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	if err := r.spend(1); err != nil {
		return nil, err
	}
	switch v.kind {
	case kindString:
		s := v.str
		if strings.HasPrefix(s, "$$") {
			// "$$x" is how RSC writes a literal string "$x".
			if err := r.spend(len(s)); err != nil {
				return nil, err
			}
			return &value{kind: kindString, str: s[1:]}, nil
		}
		ref, ok := parseRef(s)
		if !ok {
			if err := r.spend(len(s)); err != nil {
				return nil, err
			}
			return v, nil
		}
		return r.follow(ref, depth)
	case kindArray:
		out := &value{kind: kindArray, elems: make([]*value, len(v.elems))}
		for i, e := range v.elems {
			re, err := r.resolve(e, depth+1)
			if err != nil {
				return nil, err
			}
			out.elems[i] = re
		}
		return out, nil
	case kindObject:
		out := &value{kind: kindObject, keys: v.keys, elems: make([]*value, len(v.elems))}
		seen := make(map[string]bool, len(v.keys))
		for i, k := range v.keys {
			// React never writes a key twice; a payload that does is ambiguous,
			// and its front matter would not parse as YAML.
			if seen[k] {
				return nil, fmt.Errorf("duplicate key %q", k)
			}
			seen[k] = true
			re, err := r.resolve(v.elems[i], depth+1)
			if err != nil {
				return nil, err
			}
			out.elems[i] = re
		}
		return out, nil
	}
	return v, nil
}

// reference is a parsed "$<hex id>" or "$<hex id>:<key>:<key>..." string. The
// path form is how React 19 points into another row; React 18 payloads (like
// the seed) only use the plain form.
type reference struct {
	key  string // the string without its "$": the cycle-detection key
	id   string
	path []string
}

// parseRef reports whether s is a row reference. Only lower-case hex ids count:
// React writes ids with toString(16), and upper-case letters after "$" are other
// forms ("$D" date, "$E", "$F", "$B"), as are "$L", "$S", "$@", "$undefined".
func parseRef(s string) (reference, bool) {
	if len(s) < 2 || s[0] != '$' {
		return reference{}, false
	}
	i := 1
	for i < len(s) && isLowerHex(s[i]) {
		i++
	}
	if i == 1 || (i < len(s) && s[i] != ':') {
		return reference{}, false
	}
	ref := reference{key: s[1:], id: s[1:i]}
	if i < len(s) {
		ref.path = strings.Split(s[i+1:], ":")
	}
	return ref, true
}

// follow resolves a reference to its target row (and path within it).
func (r *resolver) follow(ref reference, depth int) (*value, error) {
	if r.active[ref.key] {
		return nil, fmt.Errorf("reference cycle through \"$%s\"", ref.key)
	}
	if text, ok := r.p.Text[ref.id]; ok && len(ref.path) == 0 {
		// A text row is raw bytes: "$" at its start means nothing.
		if err := r.spend(len(text)); err != nil {
			return nil, err
		}
		return &value{kind: kindString, str: string(text)}, nil
	}
	hops := 0
	target, err := r.target(ref, &hops)
	if err != nil {
		return nil, err
	}
	r.active[ref.key] = true
	defer delete(r.active, ref.key)
	return r.resolve(target, depth)
}

// target returns the unresolved value a reference points at. hops counts the
// references followed while walking paths, shared across the recursion, so a
// path that loops through references ends.
func (r *resolver) target(ref reference, hops *int) (*value, error) {
	if text, ok := r.p.Text[ref.id]; ok {
		if len(ref.path) > 0 {
			return nil, fmt.Errorf("\"$%s\": path into text row %q", ref.key, ref.id)
		}
		return &value{kind: kindString, str: string(text)}, nil
	}
	raw, ok := r.p.Rows[ref.id]
	if !ok {
		if tag, ok := r.p.tagged[ref.id]; ok {
			return nil, fmt.Errorf("\"$%s\" refers to %s row %q, which has no value", ref.key, tag, ref.id)
		}
		return nil, fmt.Errorf("\"$%s\" refers to missing row %q", ref.key, ref.id)
	}
	v, err := r.row(ref.id, raw)
	if err != nil {
		return nil, err
	}
	// Walk the path. A step may land on another reference, which is followed.
	for _, seg := range ref.path {
		for {
			inner, ok := parseRef(v.kindStr())
			if !ok {
				break
			}
			if _, ok := r.p.Text[inner.id]; ok {
				return nil, fmt.Errorf("\"$%s\": path into text row %q", ref.key, inner.id)
			}
			if *hops++; *hops > maxDepth {
				return nil, fmt.Errorf("\"$%s\": path follows too many references", ref.key)
			}
			if v, err = r.target(inner, hops); err != nil {
				return nil, err
			}
		}
		var next *value
		switch v.kind {
		case kindObject:
			next = v.get(seg)
		case kindArray:
			if n, err := strconv.Atoi(seg); err == nil && n >= 0 && n < len(v.elems) {
				next = v.elems[n]
			}
		}
		if next == nil {
			return nil, fmt.Errorf("\"$%s\": no %q in a JSON %s", ref.key, seg, v.kind)
		}
		v = next
	}
	return v, nil
}

// kindStr is v's string if it is one, "" otherwise.
func (v *value) kindStr() string {
	if v.kind == kindString {
		return v.str
	}
	return ""
}
