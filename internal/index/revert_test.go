package index_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

// A post file whose new version breaks its post (here: no title) is put back
// to its last good version. That version keeps serving, also when the post is
// rebuilt later from its stored rendering because a neighbour arrived: the
// broken bytes are never rendered into the store.
func TestBrokenVersionKeepsTheStoredRendering(t *testing.T) {
	dir := t.TempDir()
	put := func(rel, data string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
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
		sp, err := st.Post(ctx, id, "ko", store.Identity)
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
