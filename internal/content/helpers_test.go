package content_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"

	"github.com/geul-dev/geul/internal/content"
)

// asError asserts that err is a *content.Error at path and line.
func asError(t *testing.T, err error, path string, line int) *content.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one at %s:%d", path, line)
	}
	var e *content.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *content.Error", err, err)
	}
	if e.Path != path || e.Line != line {
		t.Fatalf("error at %s:%d (%q), want %s:%d", e.Path, e.Line, e.Reason, path, line)
	}
	if e.Reason == "" {
		t.Fatalf("error at %s:%d has no reason", path, line)
	}
	return e
}

// mustParse parses a post file that must be good.
func mustParse(t *testing.T, path, src string) *content.File {
	t.Helper()
	f, err := content.ParseFile(path, []byte(src))
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", path, err)
	}
	return f
}

// errorsAt renders errors as "path:line" for comparison.
func errorsAt(errs []*content.Error) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Path+":"+strconv.Itoa(e.Line))
	}
	return out
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
