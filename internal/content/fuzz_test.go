package content_test

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/geul-dev/geul/internal/content"
)

// FuzzParseFile checks that ParseFile never panics, that a parsed Body is
// an untouched suffix of the input and valid UTF-8, that BodyLine matches,
// and that every failure is an *Error for the file with a line inside it.
// More seeds are in testdata/fuzz/FuzzParseFile.
func FuzzParseFile(f *testing.F) {
	f.Add([]byte(examplePost))
	f.Add([]byte("---\r\ntitle: a\r\ndate: 2025-01-01\r\n---\r\nbody\r\n"))
	f.Add([]byte("\xef\xbb\xbf---\ntitle: a\n---\n"))
	f.Add([]byte("---\ntitle: a\ndate: [\n---\n"))
	f.Add([]byte("---\nx: &a {b: 1}\ny: {<<: *a, c: [*a, *a]}\ncover: x.png\n---\n"))
	f.Add([]byte("---\ntitle: a\n---\n\xff"))
	f.Add([]byte("---\n"))
	f.Add([]byte(""))

	const path = "cs/fuzz.ko.md"
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		file, err := content.ParseFile(path, data)
		if !bytes.Equal(data, orig) {
			t.Fatal("ParseFile modified its input")
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		if err != nil {
			var e *content.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T, not *content.Error", err, err)
			}
			if e.Path != path || e.Line < 1 || e.Line > lines || e.Reason == "" {
				t.Fatalf("error %q: want path %s and a line in 1..%d", e.Error(), path, lines)
			}
			if file != nil {
				t.Fatal("File returned with an error")
			}
			return
		}
		if !bytes.HasSuffix(data, file.Body) {
			t.Fatalf("Body %q is not a suffix of the input", file.Body)
		}
		if !utf8.Valid(file.Body) {
			t.Fatalf("Body %q is not valid UTF-8", file.Body)
		}
		head := data[:len(data)-len(file.Body)]
		want := bytes.Count(head, []byte{'\n'}) + 1
		if !bytes.HasSuffix(head, []byte{'\n'}) {
			// The closing "---" is the last line and has no newline: the
			// (empty) body is on the line after it.
			want++
		}
		if file.BodyLine != want {
			t.Fatalf("BodyLine = %d, want %d", file.BodyLine, want)
		}
		if file.Title == nil || file.Description == nil {
			t.Fatal("nil Title or Description")
		}
		if file.Date != "" && file.Time.IsZero() {
			t.Fatalf("Date %q without Time", file.Date)
		}
	})
}
