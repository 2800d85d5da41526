package content_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
)

// The example of CONTENT.md, with the original post's leading blank body line.
const examplePost = `---
title:
  ko: 파이썬에서의 멀티 프로세싱과 멀티 스레딩
  en: Multiprocessing and Multithreading in Python
description:
  ko: 멀티 프로세싱과 멀티 스레딩의 파이썬에서의 동작 원리
  en: How Multiprocessing and Multithreading Work in Python
date: 2025-02-21
---

## 개요
...
`

func TestParseFileExample(t *testing.T) {
	const path = "cs/multiprocessing-and-multithreading-in-python.ko.md"
	f := mustParse(t, path, examplePost)
	if f.Path != path || f.Category != "cs" || f.Slug != "multiprocessing-and-multithreading-in-python" || f.Lang != "ko" {
		t.Errorf("names = %q %q %q %q", f.Path, f.Category, f.Slug, f.Lang)
	}
	wantTitle := map[string]string{"ko": "파이썬에서의 멀티 프로세싱과 멀티 스레딩", "en": "Multiprocessing and Multithreading in Python"}
	if !reflect.DeepEqual(f.Title, wantTitle) {
		t.Errorf("Title = %v, want %v", f.Title, wantTitle)
	}
	wantDesc := map[string]string{"ko": "멀티 프로세싱과 멀티 스레딩의 파이썬에서의 동작 원리", "en": "How Multiprocessing and Multithreading Work in Python"}
	if !reflect.DeepEqual(f.Description, wantDesc) {
		t.Errorf("Description = %v, want %v", f.Description, wantDesc)
	}
	if f.Date != "2025-02-21" || !f.Time.Equal(time.Date(2025, 2, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Date = %q, Time = %v", f.Date, f.Time)
	}
	if want := "\n## 개요\n...\n"; string(f.Body) != want {
		t.Errorf("Body = %q, want %q", f.Body, want)
	}
	if f.BodyLine != 10 {
		t.Errorf("BodyLine = %d, want 10", f.BodyLine)
	}
	if len(f.Hash) != 64 {
		t.Errorf("Hash = %q, want 64 hex digits", f.Hash)
	}
	if f.Draft || f.Tags != nil || f.Extra != nil || f.Updated != "" {
		t.Errorf("unexpected optional fields: %+v", f)
	}
	if f.TitleLine != 2 || f.DateLine != 8 {
		t.Errorf("TitleLine, DateLine = %d, %d; want 2, 8", f.TitleLine, f.DateLine)
	}
}

func TestParseFileBodyAliasesData(t *testing.T) {
	data := []byte("---\ntitle: a\n---\nbody")
	f, err := content.ParseFile("cs/a.ko.md", data)
	if err != nil {
		t.Fatal(err)
	}
	if &f.Body[0] != &data[len(data)-4] {
		t.Error("Body is a copy; it should alias data to avoid copying 20,000 bodies")
	}
	// The capacity is capped so that appending to Body cannot write into data.
	if cap(f.Body) != len(f.Body) {
		t.Errorf("cap(Body) = %d, want %d", cap(f.Body), len(f.Body))
	}
}

func TestParseFileBundlePath(t *testing.T) {
	f := mustParse(t, "cs/my-post/index.en.md", "---\ntitle: T\n---\n")
	if f.Category != "cs" || f.Slug != "my-post" || f.Lang != "en" {
		t.Errorf("names = %q %q %q", f.Category, f.Slug, f.Lang)
	}
	if f.Title["en"] != "T" {
		t.Errorf("Title = %v", f.Title)
	}
}

func TestParseFileAccepted(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src      string
		title    map[string]string
		body     string
		bodyLine int
	}{
		{
			name:     "CRLF line endings",
			src:      "---\r\ntitle: a\r\ndate: 2025-01-02\r\n---\r\nline one\r\nline two\r\n",
			title:    map[string]string{"ko": "a"},
			body:     "line one\r\nline two\r\n",
			bodyLine: 5,
		},
		{
			name:     "byte order mark before the opening line",
			src:      "\xef\xbb\xbf---\ntitle: a\n---\nbody\n",
			title:    map[string]string{"ko": "a"},
			body:     "body\n",
			bodyLine: 4,
		},
		{
			name:     "byte order mark and CRLF",
			src:      "\xef\xbb\xbf---\r\ntitle: a\r\n---\r\n\r\nbody",
			title:    map[string]string{"ko": "a"},
			body:     "\r\nbody",
			bodyLine: 4,
		},
		{
			name:     "trailing blanks on delimiter lines",
			src:      "--- \ntitle: a\n---\t\nbody",
			title:    map[string]string{"ko": "a"},
			body:     "body",
			bodyLine: 4,
		},
		{
			name:     "closing line at end of file without newline",
			src:      "---\ntitle: a\n---",
			title:    map[string]string{"ko": "a"},
			body:     "",
			bodyLine: 4,
		},
		{
			name:     "empty front matter",
			src:      "---\n---\nbody\n",
			title:    map[string]string{},
			body:     "body\n",
			bodyLine: 3,
		},
		{
			name:     "front matter of only comments",
			src:      "---\n# nothing yet\n---\nbody\n",
			title:    map[string]string{},
			body:     "body\n",
			bodyLine: 4,
		},
		{
			name:     "a later --- line belongs to the body",
			src:      "---\ntitle: a\n---\nx\n---\ny\n",
			title:    map[string]string{"ko": "a"},
			body:     "x\n---\ny\n",
			bodyLine: 4,
		},
		{
			name:     "title that YAML reads as a number",
			src:      "---\ntitle: 2024\n---\n",
			title:    map[string]string{"ko": "2024"},
			body:     "",
			bodyLine: 4,
		},
		{
			name:     "folded title is trimmed",
			src:      "---\ntitle: >\n  long\n  title\n---\n",
			title:    map[string]string{"ko": "long title"},
			body:     "",
			bodyLine: 6,
		},
		{
			name:     "empty title counts as none",
			src:      "---\ntitle: ''\n---\n",
			title:    map[string]string{},
			body:     "",
			bodyLine: 4,
		},
		{
			name:     "title through an alias",
			src:      "---\nx: &t {ko: a, en: b}\ntitle: *t\n---\n",
			title:    map[string]string{"ko": "a", "en": "b"},
			body:     "",
			bodyLine: 5,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, "cs/a.ko.md", tc.src)
			if !reflect.DeepEqual(f.Title, tc.title) {
				t.Errorf("Title = %#v, want %#v", f.Title, tc.title)
			}
			if string(f.Body) != tc.body {
				t.Errorf("Body = %q, want %q", f.Body, tc.body)
			}
			if f.BodyLine != tc.bodyLine {
				t.Errorf("BodyLine = %d, want %d", f.BodyLine, tc.bodyLine)
			}
			if !bytes.HasSuffix([]byte(tc.src), f.Body) {
				t.Errorf("Body is not a suffix of the file")
			}
		})
	}
}

func TestParseFileOptionalKeys(t *testing.T) {
	src := `---
title: T
description: D
date: 2025-02-21T09:30:00+09:00
updated: 2025-03-01
tags: [go, " web ", go]
draft: true
cover: x.png
series:
  name: Python
  part: 2
  ratio: 1.5
  published: 2024-01-01
  links: [a, {b: c}, null, true]
  weird: .nan
base: &base {x: 1, y: 2}
merged:
  <<: *base
  y: 3
empty:
---
body
`
	f := mustParse(t, "cs/a.en.md", src)
	if f.Title["en"] != "T" || f.Description["en"] != "D" {
		t.Errorf("Title %v, Description %v", f.Title, f.Description)
	}
	if f.Date != "2025-02-21T09:30:00+09:00" || !f.Time.Equal(time.Date(2025, 2, 21, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("Date %q, Time %v", f.Date, f.Time)
	}
	if f.Updated != "2025-03-01" || !f.UpdatedTime.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Updated %q, UpdatedTime %v", f.Updated, f.UpdatedTime)
	}
	// Tags are trimmed; duplicates are removed when a post is assembled.
	if want := []string{"go", "web", "go"}; !reflect.DeepEqual(f.Tags, want) {
		t.Errorf("Tags = %q, want %q", f.Tags, want)
	}
	if !f.Draft {
		t.Error("Draft = false")
	}
	want := map[string]any{
		"cover": "x.png",
		"series": map[string]any{
			"name":      "Python",
			"part":      2,
			"ratio":     1.5,
			"published": "2024-01-01",
			"links":     []any{"a", map[string]any{"b": "c"}, nil, true},
			"weird":     ".nan",
		},
		"base":   map[string]any{"x": 1, "y": 2},
		"merged": map[string]any{"x": 1, "y": 3},
		"empty":  nil,
	}
	if !reflect.DeepEqual(f.Extra, want) {
		t.Errorf("Extra = %#v\nwant    %#v", f.Extra, want)
	}
}

func TestParseFileBad(t *testing.T) {
	for _, tc := range []struct {
		name   string
		path   string
		src    string
		line   int
		reason string // a fragment of the reason
	}{
		{"broken YAML: unclosed list", "cs/a.ko.md", "---\ntitle: a\ndate: [\n---\nbody\n", 3, "bad YAML"},
		{"broken YAML: bad indentation", "cs/a.ko.md", "---\ntitle: a\ndate: 2025-01-01\n  oops: x\n---\n", 4, "bad YAML"},
		{"broken YAML: tab", "cs/a.ko.md", "---\ntitle: a\n\tdate: x\n---\n", 3, "bad YAML"},
		{"broken YAML with CRLF", "cs/a.ko.md", "---\r\ntitle: a\r\ndate: [\r\n---\r\n", 3, "bad YAML"},
		// YAML also ends lines at a lone CR and at LS; geul counts \n alone.
		{"broken YAML after lone CRs", "cs/a.ko.md", "---\ntitle: a\r\rx: 1\ndate: [\n---\n", 3, "bad YAML"},
		{"broken YAML after LS", "cs/a.ko.md", "---\ntitle: a\u2028b: 1\u2028c: 2\ndate: [\n---\n", 3, "bad YAML"},
		{"front matter not a map after lone CRs", "cs/a.ko.md", "---\n\r\r0\n---", 2, "must be a map"},
		{"broken YAML: unknown alias", "cs/a.ko.md", "---\ntitle: *nope\n---\n", 2, "bad YAML"},
		{"broken YAML: list item after a map", "cs/a.ko.md", "---\na: 1\nb: 2\n- x\n---\n", 4, "bad YAML"},
		{"broken YAML: unclosed flow map", "cs/a.ko.md", "---\na: 1\nb: 2\nc: {x\n---\n", 4, "bad YAML"},
		{"broken YAML after a multi-line list", "cs/a.ko.md", "---\ntags: [a,\n  b]\nx: y\n  bad: z\n---\n", 5, "bad YAML"},
		{"broken YAML: unknown alias further down", "cs/a.ko.md", "---\ntitle: a\n\ndate: *nope\n---\n", 4, "unknown anchor"},
		{"broken YAML: unterminated quote", "cs/a.ko.md", "---\ntitle: a\ndescription: \"oops\ndate: 2025-01-01\n---\n", 3, "bad YAML"},
		{"control character further down", "cs/a.ko.md", "---\ntitle: a\ndate: 2025-01-01\nx: \x07\n---\n", 4, "bad YAML"},
		{"unterminated front matter", "cs/a.ko.md", "---\ntitle: a\ndate: 2025-01-01\n\nbody\n", 1, "unterminated"},
		{"unterminated: only the opening line", "cs/a.ko.md", "---\n", 1, "unterminated"},
		{"unterminated: opening line without newline", "cs/a.ko.md", "---", 1, "unterminated"},
		{"no front matter", "cs/a.ko.md", "# Title\n\nbody\n", 1, "no front matter"},
		{"no front matter: empty file", "cs/a.ko.md", "", 1, "no front matter"},
		{"no front matter: blank first line", "cs/a.ko.md", "\n---\ntitle: a\n---\n", 1, "no front matter"},
		{"no front matter: ---- is not a delimiter", "cs/a.ko.md", "----\ntitle: a\n---\n", 1, "no front matter"},
		{"invalid UTF-8 in the body", "cs/a.ko.md", "---\ntitle: a\n---\nfine\nbad \xff here\n", 5, "invalid UTF-8"},
		{"invalid UTF-8 in the front matter", "cs/a.ko.md", "---\ntitle: \xc3\x28\n---\n", 2, "invalid UTF-8"},
		{"invalid UTF-8: truncated sequence at the end", "cs/a.ko.md", "---\ntitle: a\n---\n\n\n한\xed\x95", 6, "invalid UTF-8"},
		{"invalid UTF-8: encoded surrogate", "cs/a.ko.md", "---\ntitle: a\n---\n\xed\xa0\x80\n", 4, "invalid UTF-8"},
		{"invalid UTF-8 before the opening line", "cs/a.ko.md", "\xff---\ntitle: a\n---\n", 1, "invalid UTF-8"},
		{"bad slug: upper case", "cs/My-Post.ko.md", "---\ntitle: a\n---\n", 0, "bad slug"},
		{"bad slug: space", "cs/my post.ko.md", "---\ntitle: a\n---\n", 0, "bad slug"},
		{"bad slug: underscore", "cs/my_post.ko.md", "---\ntitle: a\n---\n", 0, "bad slug"},
		{"bad slug: non-ASCII", "cs/파이썬.ko.md", "---\ntitle: a\n---\n", 0, "bad slug"},
		{"bad slug: dot", "cs/v1.2.ko.md", "---\ntitle: a\n---\n", 0, "bad slug"},
		{"bad slug: bundle folder", "cs/My_Post/index.ko.md", "---\ntitle: a\n---\n", 0, "bad slug"},
		{"bad category folder: upper case", "CS/a.ko.md", "---\ntitle: a\n---\n", 0, "bad category"},
		{"bad category folder: underscore", "computer_science/a.ko.md", "---\ntitle: a\n---\n", 0, "bad category"},
		{"bad category folder: non-ASCII", "컴퓨터/a/index.ko.md", "---\ntitle: a\n---\n", 0, "bad category"},
		{"bad language in name", "cs/a.KO.md", "---\ntitle: a\n---\n", 0, "bad language"},
		{"not a post path: no language", "cs/a.md", "---\ntitle: a\n---\n", 0, "not a post file"},
		{"not a post path: too deep", "cs/a/b/index.ko.md", "---\ntitle: a\n---\n", 0, "not a post file"},
		{"not a post path: bundle file not index", "cs/a/readme.ko.md", "---\ntitle: a\n---\n", 0, "not a post file"},
		{"bad date: month 13", "cs/a.ko.md", "---\ntitle: a\ndate: 2025-13-45\n---\n", 3, "not a date"},
		{"bad date: yesterday", "cs/a.ko.md", "---\ntitle: a\n\ndate: yesterday\n---\n", 4, "not a date"},
		{"bad date: February 30", "cs/a.ko.md", "---\ndate: 2025-02-30\n---\n", 2, "not a date"},
		{"bad date: space instead of T", "cs/a.ko.md", "---\ndate: 2025-02-21 10:00:00\n---\n", 2, "not a date"},
		{"bad date: a list", "cs/a.ko.md", "---\ndate: [2025-02-21]\n---\n", 2, "must be a string"},
		{"bad updated", "cs/a.ko.md", "---\ndate: 2025-02-21\nupdated: soon\n---\n", 3, "not a date"},
		{"title as a list", "cs/a.ko.md", "---\ntitle: [a, b]\n---\n", 2, "title must be"},
		{"title map value is a map", "cs/a.ko.md", "---\ntitle:\n  ko: a\n  en: {x: y}\n---\n", 4, "title.en"},
		{"title map key is not a language", "cs/a.ko.md", "---\ntitle:\n  ko: a\n  English: b\n---\n", 4, "not a language code"},
		{"description as a list", "cs/a.ko.md", "---\ntitle: a\ndescription:\n  - x\n---\n", 4, "description must be"},
		{"tags as a string", "cs/a.ko.md", "---\ntags: go, web\n---\n", 2, "tags must be a list"},
		{"tags with a map", "cs/a.ko.md", "---\ntags:\n  - go\n  - {a: b}\n---\n", 4, "a tag must be"},
		{"too many tags", "cs/a.ko.md", "---\ntitle: a\ntags: [" + strings.Repeat("t,", content.MaxTags) + "t]\n---\n", 3, "101 tags (at most 100)"},
		{"a tag too long", "cs/a.ko.md", "---\ntags:\n  - go\n  - " + strings.Repeat("태", 100) + "\n---\n", 4, "a tag of 300 bytes"},
		{"front matter too big", "cs/a.ko.md", "---\ntitle: " + strings.Repeat("가", content.MaxFrontMatterBytes/3) + "\n---\n", 1, "front matter of"},
		{"draft not a bool", "cs/a.ko.md", "---\ndraft: yes\n---\n", 2, "draft must be"},
		{"key written twice", "cs/a.ko.md", "---\ntitle: a\ndate: 2025-01-01\ntitle: b\n---\n", 4, "already set on line 2"},
		{"nested key written twice", "cs/a.ko.md", "---\ncover:\n  a: 1\n  a: 2\n---\n", 4, "already set on line 3"},
		{"front matter is a list", "cs/a.ko.md", "---\n- a\n- b\n---\n", 2, "must be a map"},
		{"front matter is a string", "cs/a.ko.md", "---\njust text\n---\n", 2, "must be a map"},
		{"alias containing itself", "cs/a.ko.md", "---\nx: &a [1, *a]\n---\n", 2, "contains it"},
		{"merge of itself", "cs/a.ko.md", "---\nx: &a {<<: *a}\n---\n", 2, "contains it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := content.ParseFile(tc.path, []byte(tc.src))
			if f != nil {
				t.Errorf("got a File along with the error: %+v", f)
			}
			e := asError(t, err, tc.path, tc.line)
			if !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", e.Reason, tc.reason)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	e := &content.Error{Path: "cs/foo.ko.md", Line: 3, Reason: "reason"}
	if got := e.Error(); got != "cs/foo.ko.md:3: reason" {
		t.Errorf("Error() = %q", got)
	}
	e.Line = 0
	if got := e.Error(); got != "cs/foo.ko.md: reason" {
		t.Errorf("Error() without line = %q", got)
	}
}

func TestParseFileBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("---\n")
	start := time.Now()
	_, err := content.ParseFile("cs/a.ko.md", []byte(b.String()))
	if err == nil {
		t.Fatal("a document expanding to 10^10 values was accepted")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestParseFileHash(t *testing.T) {
	a := mustParse(t, "cs/a.ko.md", "---\ntitle: a\n---\nx")
	b := mustParse(t, "cs/a.ko.md", "---\ntitle: a\n---\ny")
	if a.Hash == b.Hash {
		t.Error("different bodies, same hash")
	}
	// sha256("---\ntitle: a\n---\nx")
	if a.Hash != sha256Hex("---\ntitle: a\n---\nx") {
		t.Errorf("Hash = %s", a.Hash)
	}
}

func BenchmarkParseFile(b *testing.B) {
	body := strings.Repeat("Some markdown text, 한국어 문장도 조금 섞어서. `code` and **bold**.\n", 150)
	data := []byte(examplePost[:strings.LastIndex(examplePost, "---\n")+4] + body)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := content.ParseFile("cs/multiprocessing-and-multithreading-in-python.ko.md", data); err != nil {
			b.Fatal(err)
		}
	}
}
