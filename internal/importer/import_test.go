package importer_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/geul-dev/geul/internal/importer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	seedPostFile     = "cs/multiprocessing-and-multithreading-in-python.ko.md"
	seedCategoryFile = "cs/_category.yaml"
)

// seedFrontMatter is CONTENT.md's example, byte for byte.
const seedFrontMatter = `---
title:
  ko: 파이썬에서의 멀티 프로세싱과 멀티 스레딩
  en: Multiprocessing and Multithreading in Python
description:
  ko: 멀티 프로세싱과 멀티 스레딩의 파이썬에서의 동작 원리
  en: How Multiprocessing and Multithreading Work in Python
date: 2025-02-21
---
`

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run with -update to rewrite):\ngot  %.400q\nwant %.400q", name, path, got, want)
	}
}

func TestImportSeed(t *testing.T) {
	data := readSeed(t)
	dir := t.TempDir()
	got, err := importer.Import(context.Background(), data, dir, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{seedCategoryFile, seedPostFile}; !reflect.DeepEqual(got, want) {
		t.Errorf("written: got %q, want %q", got, want)
	}
	md, err := os.ReadFile(filepath.Join(dir, seedPostFile))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := os.ReadFile(filepath.Join(dir, seedCategoryFile))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "seed.ko.md", md)
	golden(t, "_category.yaml", cat)

	// Independently of the golden files: CONTENT.md's front matter, then the
	// text row's bytes.
	if want := seedFrontMatter + seedBody(t, data); string(md) != want {
		t.Errorf("post file is not CONTENT.md's example + the body:\ngot  %.400q\nwant %.400q", md, want)
	}
	if want := "name:\n  ko: 컴퓨터 공학\n  en: Computer Science\n"; string(cat) != want {
		t.Errorf("_category.yaml:\ngot  %q\nwant %q", cat, want)
	}

	entries, err := os.ReadDir(filepath.Join(dir, "cs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("cs/ holds %d entries, want 2 (no temporary files left)", len(entries))
	}

	// Importing again changes nothing.
	again, err := importer.Import(context.Background(), data, dir, importer.Options{})
	if err != nil || len(again) != 0 {
		t.Errorf("second import: got %q, %v; want nothing written", again, err)
	}
}

func TestImportExisting(t *testing.T) {
	data := readSeed(t)
	for _, c := range []struct {
		name    string
		file    string
		force   bool
		wantErr string
		written []string
	}{
		{name: "edited post", file: seedPostFile, wantErr: seedPostFile + " exists with different content"},
		{name: "edited category", file: seedCategoryFile, wantErr: seedCategoryFile + " exists with different content"},
		{name: "edited post, forced", file: seedPostFile, force: true, written: []string{seedPostFile}},
		{name: "edited category, forced", file: seedCategoryFile, force: true, written: []string{seedCategoryFile}},
		{name: "bundle", file: "cs/multiprocessing-and-multithreading-in-python/index.ko.md", force: true, wantErr: "already a bundle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := importer.Import(context.Background(), data, dir, importer.Options{}); err != nil {
				t.Fatal(err)
			}
			edited := filepath.Join(dir, filepath.FromSlash(c.file))
			if err := os.MkdirAll(filepath.Dir(edited), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(edited, []byte("edited\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := importer.Import(context.Background(), data, dir, importer.Options{Force: c.force})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, c.wantErr)
				}
				if b, _ := os.ReadFile(edited); string(b) != "edited\n" {
					t.Errorf("the edited file was overwritten")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.written) {
				t.Errorf("written: got %q, want %q", got, c.written)
			}
		})
	}
}

// TestImportNothingOnConflict checks that a conflict on the second file stops the
// first from being written too.
func TestImportNothingOnConflict(t *testing.T) {
	dir := t.TempDir()
	post := filepath.Join(dir, filepath.FromSlash(seedPostFile))
	if err := os.MkdirAll(filepath.Dir(post), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(post, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Import(context.Background(), readSeed(t), dir, importer.Options{}); err == nil {
		t.Fatal("got no error")
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(seedCategoryFile))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("_category.yaml was written despite the conflict (%v)", err)
	}
}

func TestImportLang(t *testing.T) {
	seed := readSeed(t)
	noLang := "1:{\"post\":{\"slug\":\"a/b\",\"title\":\"T\",\"date\":\"2024-01-02\",\"content\":\"x\"}}\n"
	for _, c := range []struct {
		name string
		data []byte
		opt  string
		want string
	}{
		{"page language", seed, "", seedPostFile},
		{"option wins", seed, "en", "cs/multiprocessing-and-multithreading-in-python.en.md"},
		{"default ko", []byte(noLang), "", "a/b.ko.md"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := importer.Import(context.Background(), c.data, t.TempDir(), importer.Options{Lang: c.opt})
			if err != nil {
				t.Fatal(err)
			}
			if got[len(got)-1] != c.want {
				t.Errorf("got %q, want %q last", got, c.want)
			}
		})
	}
}

// TestImportFrontMatter checks that what Import writes reads back as the post:
// every value, extra keys in payload order, quoting where a plain scalar would
// read back as something else.
func TestImportFrontMatter(t *testing.T) {
	post := `{"slug":"go/tricky-1","categorySlug":"go","title":"yes","date":"2024-03-04T05:06:07+09:00",` +
		`"description":{"en":"a: b # c","ko":"- 목록","de":"1:20","fr":"null","es":"  padded\n","it":"'q' \"dq\"","nl":"2025-01-01"},` +
		`"content":"---\nnot front matter\n","zeta":true,"updated":"2024-03-05","tags":["go","on"],"draft":false,` +
		`"weight":1.50,"count":3,"meta":{"b":null,"a":["x",{"y":"$$z"}]},"note":"2024-03-05"}`
	data := []byte("1:{\"post\":" + post + "}\n")
	dir := t.TempDir()
	if _, err := importer.Import(context.Background(), data, dir, importer.Options{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "go", "tricky-1.en.md"))
	if err != nil {
		t.Fatal(err)
	}
	front, body, ok := strings.Cut(strings.TrimPrefix(string(md), "---\n"), "\n---\n")
	if !ok {
		t.Fatalf("no front matter in %q", md)
	}
	if want := "---\nnot front matter\n"; body != want {
		t.Errorf("body: got %q, want %q", body, want)
	}
	if !strings.Contains(front, "\nupdated: 2024-03-05\n") || !strings.Contains(front, "\ndate: 2024-03-04T05:06:07+09:00\n") {
		t.Errorf("dates are not plain scalars:\n%s", front)
	}

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(front), &doc); err != nil {
		t.Fatalf("front matter is not YAML: %v\n%s", err, front)
	}
	m := doc.Content[0]
	var keys []string
	got := map[string]any{}
	for i := 0; i < len(m.Content); i += 2 {
		keys = append(keys, m.Content[i].Value)
		var v any
		if err := m.Content[i+1].Decode(&v); err != nil {
			t.Fatal(err)
		}
		got[m.Content[i].Value] = v
	}
	if want := []string{"title", "description", "date", "zeta", "updated", "tags", "draft", "weight", "count", "meta", "note"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys: got %q, want %q", keys, want)
	}
	desc := m.Content[3]
	var descKeys []string
	for i := 0; i < len(desc.Content); i += 2 {
		descKeys = append(descKeys, desc.Content[i].Value)
	}
	if want := []string{"en", "ko", "de", "fr", "es", "it", "nl"}; !reflect.DeepEqual(descKeys, want) {
		t.Errorf("description keys: got %q, want %q", descKeys, want)
	}

	for _, c := range []struct {
		key  string
		want any
	}{
		{"title", "yes"},
		{"description", map[string]any{"en": "a: b # c", "ko": "- 목록", "de": "1:20", "fr": "null", "es": "  padded\n", "it": `'q' "dq"`, "nl": "2025-01-01"}},
		{"zeta", true},
		{"tags", []any{"go", "on"}},
		{"draft", false},
		{"weight", 1.5},
		{"count", 3},
		{"meta", map[string]any{"b": nil, "a": []any{"x", map[string]any{"y": "$z"}}}},
		{"note", "2024-03-05"},
	} {
		if !reflect.DeepEqual(got[c.key], c.want) {
			t.Errorf("%s: got %#v, want %#v", c.key, got[c.key], c.want)
		}
	}
	// YAML 1.1 readers take these plain scalars for booleans and numbers.
	for _, s := range []string{`title: "yes"`, `- "on"`, `de: "1:20"`} {
		if !strings.Contains(front, s) {
			t.Errorf("front matter lacks %s:\n%s", s, front)
		}
	}
}

func TestImportErrors(t *testing.T) {
	row := func(post string) string { return "1:{\"post\":" + post + "}\n" }
	for _, c := range []struct {
		name    string
		data    string
		lang    string
		wantErr string
	}{
		{"not a payload", "hello", "", "want a hex row id"},
		{"no post", "1:{}\n", "", "no post"},
		{"no slug", row(`{"title":"t","date":"2024-01-01","content":""}`), "", `no "slug"`},
		{"slug without category", row(`{"slug":"post","title":"t","date":"2024-01-01","content":""}`), "", "want <category>/<slug>"},
		{"slug with upper case", row(`{"slug":"cs/Post","title":"t","date":"2024-01-01","content":""}`), "", "want <category>/<slug>"},
		{"slug too deep", row(`{"slug":"cs/a/b","title":"t","date":"2024-01-01","content":""}`), "", "want <category>/<slug>"},
		{"slug escapes", row(`{"slug":"../etc","title":"t","date":"2024-01-01","content":""}`), "", "want <category>/<slug>"},
		{"categorySlug mismatch", row(`{"slug":"cs/a","categorySlug":"go","title":"t","date":"2024-01-01","content":""}`), "", "categorySlug"},
		{"no title", row(`{"slug":"cs/a","date":"2024-01-01","content":""}`), "", `no "title"`},
		{"title not a string", row(`{"slug":"cs/a","title":{"ko":1},"date":"2024-01-01","content":""}`), "", `"title"."ko" is a JSON number`},
		{"empty title map", row(`{"slug":"cs/a","title":{},"date":"2024-01-01","content":""}`), "", "empty object"},
		{"no date", row(`{"slug":"cs/a","title":"t","content":""}`), "", `"date"`},
		{"bad date", row(`{"slug":"cs/a","title":"t","date":"21 Feb 2025","content":""}`), "", `"date"`},
		{"no content", row(`{"slug":"cs/a","title":"t","date":"2024-01-01"}`), "", `no "content"`},
		{"bad category", row(`{"slug":"cs/a","title":"t","date":"2024-01-01","content":"","category":[1]}`), "", `"category" is a JSON array`},
		{"invalid UTF-8 body", "2:T1,\xff" + row(`{"slug":"cs/a","title":"t","date":"2024-01-01","content":"$2"}`), "", "not valid UTF-8"},
		{"bad language", row(`{"slug":"cs/a","title":"t","date":"2024-01-01","content":""}`), "../ko", "language"},
		{"upper-case language", row(`{"slug":"cs/a","title":"t","date":"2024-01-01","content":""}`), "en-US", "lower-case"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := importer.Import(context.Background(), []byte(c.data), dir, importer.Options{Lang: c.lang})
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("got %q, %v; want error containing %q", got, err, c.wantErr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("wrote %d entries despite the error", len(entries))
			}
		})
	}
}

func TestImportCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := importer.Import(ctx, readSeed(t), t.TempDir(), importer.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}
