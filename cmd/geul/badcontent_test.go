package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geul-dev/geul/internal/testutil"
)

func goodPost(title string) string {
	return "---\ntitle: " + title + "\ndate: 2025-01-02\n---\n\n## 개요\n본문입니다.\n"
}

// badCases are CONTENT.md's bad content, one file each, with the file:line
// prefix the report must carry.
var badCases = []struct {
	name, path, data, report string
}{
	{"broken yaml", "cs/broken-yaml.ko.md", "---\ntitle: [unclosed\ndate: 2025-01-02\n---\nbody\n", "cs/broken-yaml.ko.md:"},
	{"unterminated front matter", "cs/unterminated.ko.md", "---\ntitle: x\ndate: 2025-01-02\nbody\n", "cs/unterminated.ko.md:"},
	{"invalid utf-8", "cs/bad-utf8.ko.md", "---\ntitle: x\ndate: 2025-01-02\n---\nline\n\xff\xfe\n", "cs/bad-utf8.ko.md:6:"},
	{"bad slug", "cs/Bad_Slug.ko.md", goodPost("x"), "cs/Bad_Slug.ko.md"},
	{"duplicate slug", "cs/dup/index.ko.md", goodPost("bundle"), "cs/dup/index.ko.md"},
	{"missing title", "cs/no-title.ko.md", "---\ndate: 2025-01-02\n---\nbody\n", "cs/no-title.ko.md:"},
	{"missing date", "cs/no-date.ko.md", "---\ntitle: x\n---\nbody\n", "cs/no-date.ko.md:"},
	{"bad date", "cs/bad-date.ko.md", "---\ntitle: x\ndate: 2025-13-45\n---\nbody\n", "cs/bad-date.ko.md:3:"},
	{"missing bundle file (a warning)", "cs/pic/index.ko.md", "---\ntitle: x\ndate: 2025-01-02\n---\n\n![a](missing.png)\n", "cs/pic/index.ko.md:6:"},
	{"over the rendering budget", "cs/too-deep.ko.md", "---\ntitle: x\ndate: 2025-01-02\n---\nintro\n\n" + strings.Repeat("- ", 5000) + "x\n", "cs/too-deep.ko.md:7: over the rendering budget: lists and block quotes nested 5000 deep"},
}

func badContent(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"cs/_category.yaml": "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/good.ko.md":     goodPost("좋은 글"),
		"cs/good.en.md":     goodPost("A good post"),
		"cs/dup.ko.md":      goodPost("flat wins"),
	}
	for _, c := range badCases {
		files[c.path] = c.data
	}
	big := goodPost("big") + strings.Repeat("가", 2<<20) // over 5 MiB of UTF-8
	files["cs/too-big.ko.md"] = big
	testutil.WriteFiles(t, dir, files)
	outside := filepath.Join(t.TempDir(), "secret.ko.md")
	if err := os.WriteFile(outside, []byte(goodPost("secret")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "cs", "escape.ko.md")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestIndexReportsBadContent: `geul index` reports every bad file with its
// path (and line where there is one), exits non-zero, and indexes the rest.
func TestIndexReportsBadContent(t *testing.T) {
	dir := badContent(t)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"index", "--content", dir, "--db", filepath.Join(t.TempDir(), "i.db")},
		func(string) string { return "" }, &out, &errOut)
	if err == nil {
		t.Fatalf("index succeeded, want a failure exit for bad content\n%s", out.String())
	}
	report := out.String()
	cases := append(badCases[:len(badCases):len(badCases)],
		struct{ name, path, data, report string }{"too big", "cs/too-big.ko.md", "", "cs/too-big.ko.md"},
		struct{ name, path, data, report string }{"symlink outside", "cs/escape.ko.md", "", "cs/escape.ko.md"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(report, "  "+c.report) {
				t.Errorf("report lacks %q:\n%s", c.report, report)
			}
		})
	}
	if !strings.Contains(report, "posts: 3 ") {
		t.Errorf("want the 2 good posts (good, dup) and the one with a warning (pic) indexed:\n%s", report)
	}
	if strings.Contains(report, "secret") {
		t.Errorf("report shows the symlink target's content:\n%s", report)
	}
}

// TestServeWithBadContent: the good posts are served, the bad ones are 404, and
// nothing is a 5xx.
func TestServeWithBadContent(t *testing.T) {
	a := startApp(t, badContent(t), nil)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/posts/cs/good?lang=ko", 200, "좋은 글"},
		{"/posts/cs/good?lang=en", 200, "A good post"},
		{"/posts/cs/dup?lang=ko", 200, "flat wins"},
		{"/posts/cs/broken-yaml?lang=ko", 404, ""},
		{"/posts/cs/unterminated", 404, ""},
		{"/posts/cs/bad-utf8", 404, ""},
		{"/posts/cs/no-title", 404, ""},
		{"/posts/cs/no-date", 404, ""},
		{"/posts/cs/bad-date", 404, ""},
		{"/posts/cs/too-big", 404, ""},
		{"/posts/cs/escape", 404, ""},
	}
	for _, tt := range tests {
		resp, body := a.get(t, tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		if !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: body lacks %q", tt.path, tt.want)
		}
	}
}
