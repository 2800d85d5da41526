package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/geul-dev/geul/internal/importer"
	"github.com/geul-dev/geul/internal/testutil"
)

// tagsLine is the front matter line the seed post gained after its import.
var tagsLine = regexp.MustCompile(`(?m)^tags: .*\n`)

const seedPath = "/posts/cs/multiprocessing-and-multithreading-in-python"

// originalPost is the post object of the old page's payload, its content
// reference resolved to the text row.
func originalPost(t *testing.T) []byte {
	t.Helper()
	p, err := importer.Parse(readFile(t, "testdata/original-page-payload.txt"))
	if err != nil {
		t.Fatal(err)
	}
	post, err := p.Post()
	if err != nil {
		t.Fatal(err)
	}
	return post
}

// TestSeedPostEqualsOriginalPayload is the promise to clients: the post of
// the repo's own content/ is the old page's post object, key for key, value for
// value, the markdown byte for byte, plus only added fields.
func TestSeedPostEqualsOriginalPayload(t *testing.T) {
	want := originalPost(t)
	a := startApp(t, "../../content", nil)
	resp, body := a.get(t, seedPath+"?lang=ko")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := testutil.JSONKeys(t, body); strings.Join(got, ",") != "post" {
		t.Fatalf("top-level keys %v, want [post]", got)
	}
	got := field(t, body, "post")
	assertSamePost(t, got, want)

	var gotContent, wantContent string
	json.Unmarshal(field(t, got, "content"), &gotContent)
	json.Unmarshal(field(t, want, "content"), &wantContent)
	if gotContent != wantContent {
		t.Fatalf("content differs: got %d bytes, want %d", len(gotContent), len(wantContent))
	}
	if len(wantContent) != 0x2792 || !strings.HasPrefix(wantContent, "\n## 개요") {
		t.Fatalf("payload content is %d bytes starting %q: the reference was not resolved", len(wantContent), wantContent[:10])
	}

	keys := testutil.JSONKeys(t, got)
	added := []string{"html", "lang", "translations", "toc", "tags", "updated", "readingMinutes", "extra"}
	if strings.Join(keys[7:7+len(added)], ",") != strings.Join(added, ",") {
		t.Errorf("added keys %v, want them to start with %v", keys[7:], added)
	}
	var post struct {
		HTML         string   `json:"html"`
		Lang         string   `json:"lang"`
		Translations []string `json:"translations"`
		TOC          []struct {
			Level int
			ID    string
		} `json:"toc"`
		ReadingMinutes int `json:"readingMinutes"`
	}
	if err := json.Unmarshal(got, &post); err != nil {
		t.Fatal(err)
	}
	if post.Lang != "ko" || strings.Join(post.Translations, ",") != "ko,en" {
		t.Errorf("lang %q translations %v, want ko [ko en]", post.Lang, post.Translations)
	}
	if !strings.Contains(post.HTML, `<h2 id="개요">개요</h2>`) {
		t.Errorf("html lacks the Korean heading id: %.300s", post.HTML)
	}
	if len(post.TOC) == 0 || post.TOC[0].ID != "개요" || post.TOC[1].ID != "멀티-프로세싱" {
		t.Errorf("toc %+v, want 개요, 멀티-프로세싱 first", post.TOC)
	}
	if post.ReadingMinutes < 3 || post.ReadingMinutes > 12 {
		t.Errorf("readingMinutes %d, want a few minutes for ~4,000 Korean characters", post.ReadingMinutes)
	}
}

type seedAnswer struct {
	Post struct {
		Lang    string `json:"lang"`
		Content string `json:"content"`
	} `json:"post"`
}

// seedInEnglish asks a for the seed post with lang=en, and returns the post
// and its Content-Language.
func seedInEnglish(t *testing.T, a *app) (seedAnswer, string) {
	t.Helper()
	resp, body := a.get(t, seedPath+"?lang=en")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var r seedAnswer
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r, resp.Header.Get("Content-Language")
}

// TestSeedPostInEnglish: lang=en serves the post's English file, its own
// body and title.
func TestSeedPostInEnglish(t *testing.T) {
	a := startApp(t, "../../content", nil)
	r, contentLang := seedInEnglish(t, a)
	want := readFile(t, "../../content/cs/multiprocessing-and-multithreading-in-python.en.md")
	if r.Post.Lang != "en" || !strings.HasPrefix(r.Post.Content, "\n## Overview") || !bytes.HasSuffix(want, []byte(r.Post.Content)) {
		t.Errorf("lang=en: got lang %q and %.40q, want the English file's body", r.Post.Lang, r.Post.Content)
	}
	if got := contentLang; got != "en" {
		t.Errorf("Content-Language %q, want en", got)
	}
}

// TestSeedPostFallsBack: without its English file, lang=en serves the Korean
// body and says so.
func TestSeedPostFallsBack(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for _, f := range []string{"cs/_category.yaml", "cs/multiprocessing-and-multithreading-in-python.ko.md"} {
		files[f] = string(readFile(t, filepath.Join("../../content", f)))
	}
	testutil.WriteFiles(t, dir, files)
	a := startApp(t, dir, nil)
	r, contentLang := seedInEnglish(t, a)
	if r.Post.Lang != "ko" || !strings.HasPrefix(r.Post.Content, "\n## 개요") {
		t.Errorf("lang=en: got lang %q, want the Korean body with lang ko", r.Post.Lang)
	}
	if got := contentLang; got != "ko" {
		t.Errorf("Content-Language %q, want ko", got)
	}
}

// TestImportThenServe migrates the payload with `geul import` into an empty
// folder, serves it and compares with the payload.
func TestImportThenServe(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), []string{"import", "testdata/original-page-payload.txt", "--content", dir},
		func(string) string { return "" }, &out, &out)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	for _, f := range []string{"cs/_category.yaml", "cs/multiprocessing-and-multithreading-in-python.ko.md"} {
		got := readFile(t, filepath.Join(dir, f))
		// The payload has no tags; the repo's post gained them since.
		want := tagsLine.ReplaceAll(readFile(t, filepath.Join("../../content", f)), nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: imported file differs from the repo's content/ (less its tags line)", f)
		}
	}
	a := startApp(t, dir, nil)
	resp, body := a.get(t, seedPath+"?lang=ko")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	assertSamePost(t, field(t, body, "post"), originalPost(t))
}

func TestRequestErrors(t *testing.T) {
	a := startApp(t, "../../content", nil)
	tests := []struct {
		path   string
		status int
	}{
		{"/posts/cs/no-such-post?lang=ko", 404},
		{"/posts/nope/multiprocessing-and-multithreading-in-python", 404},
		{seedPath + "?lang=fr", 400},
		{seedPath + "?lang=en-", 400},
		{"/posts/cs/Bad_Slug", 400},
		{"/posts/cs/%ED%95%9C", 400},
		{"/posts/CS/multiprocessing-and-multithreading-in-python", 400},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := a.get(t, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var p struct {
				Type, Title, Detail string
				Status              int
			}
			if err := json.Unmarshal(body, &p); err != nil || p.Type == "" || p.Title == "" || p.Detail == "" || p.Status != tt.status {
				t.Errorf("problem body %s (err %v)", body, err)
			}
		})
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
