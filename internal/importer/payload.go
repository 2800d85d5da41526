// Package importer reads the React Server Components (RSC) payload of a page of
// the old Next.js blog and turns its post into geul content files.
//
// The payload is the migration's ground truth: the post object it carries, with
// its references resolved, is what GET /posts/{category}/{slug} must return
// (see CONTENT.md), so the parser keeps key order and every byte of the body.
package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Limits that bound the time and memory Parse and Post spend on hostile input
// (a fuzzer, a truncated or hand-edited download): a payload is untrusted bytes.
const (
	// maxIDLen bounds a row id. React numbers rows with small hex integers;
	// anything longer is garbage, and a bound keeps error messages short.
	maxIDLen = 16
	// maxDepth bounds nesting, counted across references. It is encoding/json's
	// own limit, so anything Post returns can be decoded again.
	maxDepth = 10000
	// baseBudget plus budgetPerByte*len(payload) bounds the size of a resolved
	// value (one unit per node plus one per string byte). References may repeat
	// a row, so without it a few rows that each reference the next twice expand
	// exponentially.
	baseBudget    = 1 << 16
	budgetPerByte = 16
)

// Payload is a parsed RSC page payload: its rows by id, in the order they came.
//
// A payload is a stream of rows. Most are `ID:JSON\n`; a text row is
// `ID:T<hex byte length>,<bytes>` with no newline after the bytes; module,
// hint and error rows are `ID:<TAG>JSON\n` (`3:I[...]`, `1:HL[...]`).
//
// Its methods only read it, so one Payload may be used from several goroutines.
type Payload struct {
	// Rows holds the JSON rows, raw and exactly as written.
	Rows map[string]json.RawMessage
	// Text holds the text rows' bytes. They are not necessarily UTF-8.
	Text map[string][]byte
	// Order lists every row id in the order the rows appear, tagged rows
	// (I, HL, E, ...) included, because "first post" and "first html element"
	// are defined by stream order, not by id.
	Order []string

	// tagged holds rows such as `3:I[...]` by id. They are kept apart from Rows
	// so that a "$3" reference to a module row is an error instead of quietly
	// resolving to the module's description.
	tagged map[string]string // id → tag

	size int // payload length, which scales the expansion budget
}

// SyntaxError is a Parse error. It names where in the payload parsing stopped, so
// a broken download can be found with a hex editor.
type SyntaxError struct {
	Offset int    // byte offset of the problem
	Row    string // id of the row being read, "" if the id itself is bad
	Msg    string
}

// Error says where and what, prefixed with the package name like every error
// of this package.
func (e *SyntaxError) Error() string {
	if e.Row == "" {
		return fmt.Sprintf("importer: payload byte %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("importer: payload row %q at byte %d: %s", e.Row, e.Offset, e.Msg)
}

// Parse splits an RSC payload into rows. Every row must be well formed: a row
// that is not JSON, a text row whose length runs past the end, or a duplicate id
// is an error naming its byte offset. Parse never panics and keeps no reference
// to data.
func Parse(data []byte) (*Payload, error) {
	// Copy so that the caller (a fuzzer, a reused read buffer) may reuse data
	// while text rows slice into it.
	data = bytes.Clone(data)
	p := &Payload{
		Rows:   map[string]json.RawMessage{},
		Text:   map[string][]byte{},
		tagged: map[string]string{},
		size:   len(data),
	}
	seen := map[string]bool{}
	pos := 0
	for pos < len(data) {
		// Blank lines carry nothing; tolerating them lets payloads that were
		// reassembled from several script chunks parse.
		if data[pos] == '\n' {
			pos++
			continue
		}
		id, body, err := rowID(data, pos)
		if err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, &SyntaxError{Offset: pos, Row: id, Msg: "duplicate row id"}
		}
		seen[id] = true
		p.Order = append(p.Order, id)
		if body < len(data) && data[body] == 'T' {
			text, next, err := parseText(data, id, body+1)
			if err != nil {
				return nil, err
			}
			p.Text[id] = text
			pos = next
			continue
		}
		if pos, err = p.jsonRow(data, id, body); err != nil {
			return nil, err
		}
	}
	if len(p.Order) == 0 {
		return nil, &SyntaxError{Offset: 0, Msg: "payload has no rows"}
	}
	return p, nil
}

// rowID reads the `<hex id>:` of the row starting at pos and returns the id
// and the offset of the row's body.
func rowID(data []byte, pos int) (string, int, error) {
	i := pos
	for i < len(data) && isLowerHex(data[i]) && i-pos <= maxIDLen {
		i++
	}
	switch {
	case i == pos:
		return "", 0, &SyntaxError{Offset: pos, Msg: fmt.Sprintf("want a hex row id, got %s", quoteByte(data, pos))}
	case i-pos > maxIDLen:
		return "", 0, &SyntaxError{Offset: pos, Msg: fmt.Sprintf("row id longer than %d hex digits", maxIDLen)}
	case i >= len(data):
		return "", 0, &SyntaxError{Offset: i, Row: string(data[pos:i]), Msg: "unexpected end of payload after row id"}
	case data[i] != ':':
		return "", 0, &SyntaxError{Offset: i, Row: string(data[pos:i]), Msg: fmt.Sprintf("want ':' after row id, got %s", quoteByte(data, i))}
	}
	return string(data[pos:i]), i + 1, nil
}

// jsonRow reads the JSON row id whose body starts at body, up to its
// newline, and returns the offset of the next row.
func (p *Payload) jsonRow(data []byte, id string, body int) (int, error) {
	end := bytes.IndexByte(data[body:], '\n')
	next := len(data) // the last row may lack its newline
	if end < 0 {
		end = len(data)
	} else {
		end += body
		next = end + 1
	}
	line := data[body:end]
	if json.Valid(line) {
		p.Rows[id] = json.RawMessage(line)
		return next, nil
	}
	tag := tagLen(line)
	if tag == 0 {
		return 0, jsonError(line, body, id)
	}
	if !json.Valid(line[tag:]) {
		return 0, jsonError(line[tag:], body+tag, id)
	}
	// Only the tag is kept: nothing in a tagged row is part of the post.
	p.tagged[id] = string(line[:tag])
	return next, nil
}

// parseText reads the `<hex length>,<bytes>` of a text row starting at pos (just
// after the T) and returns the bytes and the offset of the next row.
func parseText(data []byte, id string, pos int) ([]byte, int, error) {
	i := pos
	var n uint64
	for i < len(data) && isHex(data[i]) {
		if i-pos >= 15 { // 15 hex digits cannot overflow and dwarf any real payload
			return nil, 0, &SyntaxError{Offset: pos, Row: id, Msg: "text row length has too many hex digits"}
		}
		n = n<<4 | uint64(hexVal(data[i]))
		i++
	}
	switch {
	case i >= len(data):
		return nil, 0, &SyntaxError{Offset: i, Row: id, Msg: "text row header truncated: want T<hex length>,"}
	case i == pos:
		return nil, 0, &SyntaxError{Offset: i, Row: id, Msg: fmt.Sprintf("text row length: want hex digits, got %s", quoteByte(data, i))}
	case data[i] != ',':
		return nil, 0, &SyntaxError{Offset: i, Row: id, Msg: fmt.Sprintf("text row length: want ',' after hex digits, got %s", quoteByte(data, i))}
	}
	start := i + 1
	if left := uint64(len(data) - start); n > left {
		return nil, 0, &SyntaxError{Offset: start, Row: id,
			Msg: fmt.Sprintf("text row length 0x%x (%d bytes) runs past the end of the payload (%d bytes left)", n, n, left)}
	}
	end := start + int(n)
	return data[start:end:end], end, nil
}

// jsonError describes why line, a row starting at offset off, is not JSON,
// pointing at the byte where encoding/json gave up.
func jsonError(line []byte, off int, id string) error {
	var raw json.RawMessage
	err := json.Unmarshal(line, &raw)
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && int(se.Offset) <= len(line) {
		off += int(se.Offset) - 1 // Offset counts the bytes read, the bad one included
	}
	msg := "row is not JSON"
	if err != nil {
		msg += ": " + err.Error()
	}
	return &SyntaxError{Offset: off, Row: id, Msg: msg}
}

// tagLen is the length of the upper-case row tag (I, HL, E, D, W, ...) that
// starts line, 0 if none.
func tagLen(line []byte) int {
	n := 0
	for n < len(line) && n < 4 && line[n] >= 'A' && line[n] <= 'Z' {
		n++
	}
	return n
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }
func isHex(c byte) bool      { return isLowerHex(c) || 'A' <= c && c <= 'F' }

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func quoteByte(data []byte, i int) string {
	if i >= len(data) {
		return "end of payload"
	}
	return strconv.QuoteRune(rune(data[i]))
}

// ErrNoPost is what Post returns when no JSON row has a "post" key.
var ErrNoPost = errors.New("importer: payload has no post")

// Post returns the post object: the value of the first "post" key in the
// payload, searching each JSON row depth-first in stream order. Every "$<id>"
// reference in it is resolved (a text row becomes a JSON string, a JSON row its
// value), "$$" escapes are unescaped, and other "$" forms ("$L4", "$undefined",
// ...) are kept as they are. Key order is preserved exactly and the JSON is
// compact without HTML escaping, like geul's API output, so it can be compared
// with what the API serves.
//
// Cycles, nesting deeper than encoding/json accepts, references that expand past
// a budget proportional to the payload size, references to missing or module
// rows, and duplicate keys are errors. Invalid UTF-8 in a text row becomes
// U+FFFD, as JSON requires.
func (p *Payload) Post() (json.RawMessage, error) {
	v, err := p.post()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := v.encode(&b); err != nil {
		return nil, fmt.Errorf("importer: encode post: %w", err)
	}
	return b.Bytes(), nil
}

// post finds and resolves the post object.
func (p *Payload) post() (*value, error) {
	r := p.newResolver()
	for _, id := range p.Order {
		raw, ok := p.Rows[id]
		if !ok {
			continue
		}
		row, err := r.row(id, raw)
		if err != nil {
			return nil, err
		}
		found := row.findKey("post")
		if found == nil {
			continue
		}
		// The row itself is on the stack, so a post that refers back to its own
		// row is caught as a cycle.
		r.active[id] = true
		out, err := r.resolve(found, 0)
		delete(r.active, id)
		if err != nil {
			return nil, fmt.Errorf("importer: post in row %q: %w", id, err)
		}
		if out.kind != kindObject {
			return nil, fmt.Errorf("importer: post in row %q is a JSON %s, want an object", id, out.kind)
		}
		return out, nil
	}
	return nil, ErrNoPost
}

// Lang returns the page's language: the "lang" prop of the first "html" element
// (["$","html",key,{"lang":...}]), looking in row 0 first because that is where
// Next.js puts the root layout, then in every other row in stream order. It
// returns "" if there is none or it is not a string.
func (p *Payload) Lang() string {
	r := p.newResolver()
	order := make([]string, 0, len(p.Order))
	order = append(order, "0")
	for _, id := range p.Order {
		if id != "0" {
			order = append(order, id)
		}
	}
	for _, id := range order {
		raw, ok := p.Rows[id]
		if !ok {
			continue
		}
		row, err := r.row(id, raw)
		if err != nil {
			continue
		}
		found := row.find(func(v *value) *value {
			if v.kind != kindArray || len(v.elems) < 4 ||
				!v.elems[0].isString("$") || !v.elems[1].isString("html") || v.elems[3].kind != kindObject {
				return nil
			}
			props := v.elems[3]
			for i, k := range props.keys {
				if k == "lang" {
					return props.elems[i]
				}
			}
			return nil
		})
		if found == nil {
			continue
		}
		lang, err := r.resolve(found, 0)
		if err != nil || lang.kind != kindString {
			return ""
		}
		return lang.str
	}
	return ""
}
