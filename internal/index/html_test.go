package index_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// A file's rendering keeps no markdown and html that its post's payload
// carries as they are: a post rebuilt while that file did not change reads
// them back from the payload, keeps its own once the payload carries other
// html (here: a bundle file arrived, and the link to it was rewritten), and
// reads the file again once the payload is another file's. Every step
// serves the markdown and html a fresh index of the folder serves.
func TestUnchangedFileFromPayload(t *testing.T) {
	dir := t.TempDir()
	put := func(rel, data string) { t.Helper(); testutil.WriteFile(t, dir, rel, data) }
	ctx := context.Background()
	st := openStore(t)
	ix := index.New(dir, st)
	run := func(step string) {
		t.Helper()
		if _, err := ix.Run(ctx); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		fresh := freshIndex(t, dir)
		defer fresh.Close()
		for _, id := range ids(t, fresh) {
			for _, lang := range []string{"ko", "en"} {
				got, want := storedPost(t, st, id, lang), storedPost(t, fresh, id, lang)
				if got.HTML != want.HTML {
					t.Errorf("%s: %s (%s) html\n got %q\nwant %q", step, id, lang, got.HTML, want.HTML)
				}
				if got.Content != want.Content {
					t.Errorf("%s: %s (%s) content\n got %q\nwant %q", step, id, lang, got.Content, want.Content)
				}
			}
		}
	}
	record := func(path string) store.FileRecord {
		t.Helper()
		rec, err := st.FileRecord(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	post := func(title, body string) string {
		return "---\ntitle: " + title + "\ndate: 2025-01-01\n---\n" + body
	}

	put("go/a.ko.md", post("가", "# 제목\n\n본문 **굵게**.\n"))
	put("go/a.en.md", post("A", "Body.\n"))
	put("go/pic/index.ko.md", post("그림", "![도식](diagram.png)\n\n그림 설명.\n"))
	put("go/pic/index.en.md", post("Picture", "A picture.\n"))
	run("first index")
	if rec := record("go/a.ko.md"); rec.InPayload != (store.PayloadRef{PostID: "go/a", Lang: "ko"}) || rec.Lost ||
		!strings.Contains(rec.HTML, "<strong>") || rec.Body != "# 제목\n\n본문 **굵게**.\n" {
		t.Errorf("go/a.ko.md: InPayload %v, lost %v, body %q, html %q; want both read from its payload", rec.InPayload, rec.Lost, rec.Body, rec.HTML)
	}

	put("go/a.en.md", post("A", "Another body.\n"))
	run("a translation changed")

	// The link to it is rewritten in the payload: the unchanged file's
	// rendering takes its html back.
	put("go/pic/diagram.png", "\x89PNG\r\n\x1a\n")
	run("the bundle file arrived")
	if rec := record("go/pic/index.ko.md"); rec.InPayload != (store.PayloadRef{}) || rec.Lost ||
		!strings.Contains(rec.HTML, `src="diagram.png"`) || !strings.Contains(rec.Body, "![도식](diagram.png)") {
		t.Errorf("go/pic/index.ko.md after its link was rewritten: InPayload %v, lost %v, body %q, html %q; want its own kept", rec.InPayload, rec.Lost, rec.Body, rec.HTML)
	}
	put("go/pic/index.en.md", post("Picture", "Another picture.\n"))
	run("a translation of the bundle post changed")

	// A flat file takes the slug of an unchanged bundle file, whose
	// rendering then names a payload that carries the other file's; once
	// the flat file is gone, the bundle file serves again, read and
	// rendered again, and its rendering is made right.
	put("go/b/index.ko.md", post("나", "번들 본문.\n"))
	run("a bundle post")
	put("go/b.ko.md", post("나", "평평한 본문.\n"))
	run("a flat file takes its slug")
	if rec := record("go/b/index.ko.md"); !rec.Lost || rec.Body != "" || rec.HTML != "" {
		t.Errorf("go/b/index.ko.md after losing its slug: lost %v, body %q, html %q; want it lost", rec.Lost, rec.Body, rec.HTML)
	}
	if err := os.Remove(filepath.Join(dir, "go", "b.ko.md")); err != nil {
		t.Fatal(err)
	}
	run("the flat file is gone")
	if html := storedPost(t, st, "go/b", "ko").HTML; !strings.Contains(html, "번들 본문") {
		t.Errorf("go/b after the flat file is gone: html %q, want the bundle file's", html)
	}
	if rec := record("go/b/index.ko.md"); rec.Lost || !strings.Contains(rec.HTML, "번들 본문") || rec.Body != "번들 본문.\n" {
		t.Errorf("go/b/index.ko.md serving again: lost %v, body %q, html %q; want both read back", rec.Lost, rec.Body, rec.HTML)
	}
}
