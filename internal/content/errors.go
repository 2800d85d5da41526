package content

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/geul-dev/geul/api"
)

// Error is a problem with one content file; it never stops the rest from
// being indexed.
type Error struct {
	// Path is slash-separated, relative to the content root.
	Path string
	// Line is the 1-based line in the file, or 0 when the problem concerns
	// the whole file.
	Line   int
	Reason string
	// Warning marks a problem that holds nothing back: the post is served
	// (a reference to a file that is not in its bundle).
	Warning bool
}

// Error formats the problem as "path:line: reason", the form editors and
// terminals turn into a link; without a line it is "path: reason". A
// warning's reason starts with "warning: ".
func (e *Error) Error() string {
	reason := e.Reason
	if e.Warning {
		reason = "warning: " + reason
	}
	if e.Line > 0 {
		return e.Path + ":" + strconv.Itoa(e.Line) + ": " + reason
	}
	return e.Path + ": " + reason
}

// API is e in the shape the API gives content errors (GET /admin/status,
// POST /admin/reindex, geul check --format json), its message in the
// file:line: reason form that geul index and geul check print.
func (e *Error) API() api.ContentError {
	msg := e.Reason
	if e.Path != "" {
		msg = e.Error()
	}
	severity := "error"
	if e.Warning {
		severity = "warning"
	}
	return api.ContentError{File: e.Path, Line: e.Line, Reason: e.Reason, Message: msg, Severity: severity}
}

func errorf(path string, line int, format string, args ...any) *Error {
	return &Error{Path: path, Line: line, Reason: fmt.Sprintf(format, args...)}
}

// SortErrors orders errors by file and line so that reports are stable
// from one run to the next.
func SortErrors(errs []*Error) {
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Reason, b.Reason),
		)
	})
}

// lineAt returns the 1-based line number of byte offset off in data.
func lineAt(data []byte, off int) int {
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// invalidUTF8 returns the offset of the first byte that is not part of a
// valid UTF-8 sequence, or -1. utf8.Valid is the fast path: almost every
// file is valid, and it is several times faster than decoding rune by rune.
func invalidUTF8(data []byte) int {
	if utf8.Valid(data) {
		return -1
	}
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// checkUTF8 reports the first invalid byte of data as an *Error.
func checkUTF8(path string, data []byte) *Error {
	off := invalidUTF8(data)
	if off < 0 {
		return nil
	}
	return errorf(path, lineAt(data, off), "invalid UTF-8: byte 0x%02x at offset %d", data[off], off)
}

// plainErr drops the operation and path that fs errors carry: the *Error
// already names the file, and the absolute path of the machine that indexed
// it would only leak into the admin report.
func plainErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
