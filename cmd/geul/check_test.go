package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	code = 0
	if err != nil {
		code = exitCode(err)
	}
	return out.String(), errOut.String(), code
}

// indexErrorLines are the error lines of `geul index`'s report.
func indexErrorLines(t *testing.T, dir string) []string {
	t.Helper()
	out, _, _ := runCmd(t, "index", "--content", dir, "--db", filepath.Join(t.TempDir(), "i.db"))
	_, errs, ok := strings.Cut(out, "\nerrors: ")
	if !ok {
		t.Fatalf("no errors section in the index report:\n%s", out)
	}
	var lines []string
	for _, l := range strings.Split(errs, "\n")[1:] {
		if strings.HasPrefix(l, "  ") {
			lines = append(lines, strings.TrimPrefix(l, "  "))
		}
	}
	return lines
}

// TestCheckReportsWhatIndexReports: `geul check` finds every problem `geul
// index` would, with the same file:line: reason lines, without a database,
// and exits 1.
func TestCheckReportsWhatIndexReports(t *testing.T) {
	dir := badContent(t)
	out, _, code := runCmd(t, "check", "--content", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 for bad content\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	summary := lines[len(lines)-1]
	lines = lines[:len(lines)-1]
	for _, c := range badCases {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, c.report) }) {
			t.Errorf("%s: no line starting %q in\n%s", c.name, c.report, out)
		}
	}
	if want := indexErrorLines(t, dir); !slices.Equal(lines, want) {
		t.Errorf("check reports\n%s\nindex reports\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(summary, "checked ") || !strings.HasSuffix(summary, " errors, 1 warning") {
		t.Errorf("summary line %q", summary)
	}
}

func TestCheckJSON(t *testing.T) {
	dir := badContent(t)
	out, _, code := runCmd(t, "check", "--content", dir, "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var got []api.ContentError
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	var raw []map[string]any
	json.Unmarshal([]byte(out), &raw)
	want := indexErrorLines(t, dir)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.Message != want[i] || r.File == "" || r.Reason == "" || !strings.HasPrefix(r.Message, r.File) {
			t.Errorf("problem %d: %+v, want the message %q", i, r, want[i])
		}
		for _, k := range []string{"file", "line", "reason", "message"} {
			if _, ok := raw[i][k]; !ok {
				t.Errorf("problem %d has no %q key: %v", i, k, raw[i])
			}
		}
	}
}

func TestCheckClean(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"site.yaml":         "languages: [ko, en]\n",
		"cs/_category.yaml": "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/a.ko.md":        goodPost("가"),
		"cs/a.en.md":        goodPost("A"),
		"cs/b/index.ko.md":  goodPost("나"),
		"cs/b/photo.png":    "not content",
		"README.md":         "not content either",
	})
	out, _, code := runCmd(t, "check", "--content", dir)
	if code != 0 || out != "checked 5 files, 2 posts: ok\n" {
		t.Errorf("exit %d, output %q; want 0 and a clean summary", code, out)
	}
	out, _, code = runCmd(t, "check", "--content", dir, "--format", "json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("json: exit %d, output %q; want 0 and []", code, out)
	}
	// The repository's own content is clean.
	if out, _, code := runCmd(t, "check", "--content", "../../content"); code != 0 {
		t.Errorf("content/ of the repository: exit %d\n%s", code, out)
	}
}

func TestCheckUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"unknown format", []string{"check", "--content", t.TempDir(), "--format", "xml"}, 2},
		{"stray argument", []string{"check", "--content", t.TempDir(), "extra"}, 2},
		{"missing folder", []string{"check", "--content", filepath.Join(t.TempDir(), "nope")}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
		})
	}
}
