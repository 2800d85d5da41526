package index_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// A post file whose new version breaks its post (here: no title) is put back
// to its last good version. That version keeps serving, also when the post is
// rebuilt later from its stored rendering because a neighbour arrived: the
// broken bytes are never rendered into the store.
func TestBrokenVersionKeepsTheStoredRendering(t *testing.T) {
	dir := t.TempDir()
	put := func(rel, data string) { t.Helper(); testutil.WriteFile(t, dir, rel, data) }
	ctx := context.Background()
	st := openStore(t)
	ix := index.New(dir, st)
	run := func(wantErrors int) {
		t.Helper()
		sum, err := ix.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Errors) != wantErrors {
			t.Fatalf("%d content errors %v, want %d", len(sum.Errors), sum.Errors, wantErrors)
		}
	}
	served := func(id string) (content, next string) {
		t.Helper()
		sp, err := st.Post(ctx, id, "ko", repr.Identity)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Post struct {
				Content string `json:"content"`
				Next    *struct {
					Slug string `json:"slug"`
				} `json:"next"`
			} `json:"post"`
		}
		if err := json.Unmarshal(sp.Body, &r); err != nil {
			t.Fatal(err)
		}
		if r.Post.Next != nil {
			next = r.Post.Next.Slug
		}
		return r.Post.Content, next
	}

	put("go/a.ko.md", "---\ntitle: 가\ndate: 2025-01-01\n---\nold body\n")
	put("go/c.ko.md", "---\ntitle: 다\ndate: 2025-01-03\n---\nc body\n")
	run(0)
	put("go/a.ko.md", "---\ndate: 2025-01-01\n---\nbroken new body\n")
	run(1)
	if got, next := served("go/a"); got != "old body\n" || next != "go/c" {
		t.Errorf("after the broken version: content %q, next %q; want the old body, go/c", got, next)
	}
	// A new neighbour rebuilds go/a from what the store holds of its file.
	put("go/b.ko.md", "---\ntitle: 나\ndate: 2025-01-02\n---\nb body\n")
	run(1)
	if got, next := served("go/a"); got != "old body\n" || next != "go/b" {
		t.Errorf("after a neighbour arrived: content %q, next %q; want the old body, go/b", got, next)
	}
	// Fixed, the new version serves.
	put("go/a.ko.md", "---\ntitle: 가\ndate: 2025-01-01\n---\nfixed body\n")
	run(0)
	if got, _ := served("go/a"); got != "fixed body\n" {
		t.Errorf("after the fix: content %q, want the fixed body", got)
	}
}

// A file that served no payload (the losing file of a duplicate slug) and
// comes to serve without changing (the winner deleted) serves its own body,
// from its stored rendering, as a fresh index would: not the body of the
// payload that post id had before.
func TestUnservedFileServesItsOwnRendering(t *testing.T) {
	dir := t.TempDir()
	put := func(rel, data string) { t.Helper(); testutil.WriteFile(t, dir, rel, data) }
	ctx := context.Background()
	st := openStore(t)
	ix := index.New(dir, st)
	content := func() string {
		t.Helper()
		sp, err := st.Post(ctx, "go/dup", "ko", repr.Identity)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Post struct {
				Content string `json:"content"`
				HTML    string `json:"html"`
			} `json:"post"`
		}
		if err := json.Unmarshal(sp.Body, &r); err != nil {
			t.Fatal(err)
		}
		return r.Post.Content + "|" + r.Post.HTML
	}
	put("go/dup.ko.md", "---\ntitle: 평면\ndate: 2025-01-01\n---\nflat *wins*\n")
	put("go/dup/index.ko.md", "---\ntitle: 묶음\ndate: 2025-01-01\n---\nbundle *body*\n")
	sum, err := ix.Run(ctx)
	if err != nil || len(sum.Errors) != 1 {
		t.Fatalf("first run: %v, errors %v; want the duplicate reported", err, sum.Errors)
	}
	if got, want := content(), "flat *wins*\n|<p>flat <em>wins</em></p>\n"; got != want {
		t.Fatalf("first run: got %q, want %q", got, want)
	}
	if err := os.Remove(filepath.Join(dir, "go", "dup.ko.md")); err != nil {
		t.Fatal(err)
	}
	if sum, err = ix.Run(ctx); err != nil || len(sum.Errors) != 0 || sum.Rendered != 0 {
		t.Fatalf("second run: %v, errors %v, rendered %d; want no errors, nothing changed to render", err, sum.Errors, sum.Rendered)
	}
	if got, want := content(), "bundle *body*\n|<p>bundle <em>body</em></p>\n"; got != want {
		t.Errorf("after the winner went: got %q, want %q", got, want)
	}
	assertSameAsFresh(t, dir, st)
}

// openStore opens a store in a temporary folder, closed when the test ends.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
