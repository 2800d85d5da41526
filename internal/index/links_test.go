package index_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

var langs = []string{"ko", "en"}

// fixture is a content folder indexed incrementally into one store.
type fixture struct {
	t     *testing.T
	dir   string
	st    *store.Store
	ix    *index.Indexer
	clock time.Time // mtimes of written files, so every write is seen as a change
	// targeted runs are told the paths written and removed since the last
	// run, as the watcher tells them (index.Indexer.RunChanged).
	targeted bool
	changed  []string
}

func newFixture(t *testing.T, posts int) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, dir: dir, st: st, clock: time.Now().Add(time.Hour)}
	writeSmallSite(t, dir, posts)
	f.ix = index.New(dir, st)
	f.run()
	return f
}

// smallCats are the categories of writeSmallSite.
var smallCats = []string{"cs", "go", "web"}

// writeSmallSite writes n short posts spread over smallCats and the years
// 2019 to 2025, with tags from a small pool so that posts share some, every
// third post with an English file too. The bodies have no code: rendering
// stays cheap, and the links are what is under test.
func writeSmallSite(t *testing.T, dir string, n int) {
	t.Helper()
	for k, c := range smallCats {
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			t.Fatal(err)
		}
		yaml := fmt.Sprintf("name:\n  ko: 분류 %s\n  en: Category %s\norder: %d\n", c, c, k+1)
		if err := os.WriteFile(filepath.Join(dir, c, "_category.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pool := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}
	start := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		c := smallCats[i%len(smallCats)]
		date := start.AddDate(0, 0, (i*211)%2500).Format(time.DateOnly)
		tags := []string{pool[i%len(pool)], pool[(i*5+2)%len(pool)]}
		if i%4 == 0 {
			tags = tags[:1]
		}
		name := fmt.Sprintf("post-%02d", i)
		files := map[string]string{"ko": postFile(fmt.Sprintf("글 %02d", i), date, tags...)}
		if i%3 == 0 {
			files["en"] = postFile(fmt.Sprintf("Post %02d", i), date, tags...)
		}
		for lang, data := range files {
			if err := os.WriteFile(filepath.Join(dir, c, name+"."+lang+".md"), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// run indexes what changed and checks the store holds exactly what a fresh
// index of the same folder holds.
func (f *fixture) run() index.Summary {
	f.t.Helper()
	// A run that waits on itself (a lookup needing the connection its own
	// transaction holds) fails here instead of hanging the test binary.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var changed []string
	if f.targeted {
		changed = append([]string{}, f.changed...)
	}
	f.changed = nil
	sum, err := f.ix.RunChanged(ctx, changed)
	if err != nil {
		f.t.Fatal(err)
	}
	if sum.Targeted != (changed != nil) {
		f.t.Errorf("run for %v: targeted %v", changed, sum.Targeted)
	}
	if len(sum.Errors) > 0 {
		f.t.Fatalf("content errors: %v", sum.Errors)
	}
	assertSameAsFresh(f.t, f.dir, f.st)
	return sum
}

func (f *fixture) write(rel, data string) {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(rel))
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.clock = f.clock.Add(time.Second)
	if err := os.Chtimes(p, f.clock, f.clock); err != nil {
		f.t.Fatal(err)
	}
	f.changed = append(f.changed, rel)
}

func (f *fixture) remove(rel string) {
	f.t.Helper()
	if err := os.Remove(filepath.Join(f.dir, filepath.FromSlash(rel))); err != nil {
		f.t.Fatal(err)
	}
	f.changed = append(f.changed, rel)
}

func (f *fixture) read(rel string) string {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(rel)))
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

// post is the stored payload of post id in lang.
func (f *fixture) post(id, lang string) api.Post {
	f.t.Helper()
	return storedPost(f.t, f.st, id, lang)
}

func storedPost(t *testing.T, st *store.Store, id, lang string) api.Post {
	t.Helper()
	sp, err := st.Post(context.Background(), id, lang, repr.Identity)
	if err != nil {
		t.Fatalf("post %s (%s): %v", id, lang, err)
	}
	var resp api.PostResponse
	if err := json.Unmarshal(sp.Body, &resp); err != nil {
		t.Fatalf("post %s: %v", id, err)
	}
	return resp.Post
}

// ids lists every post id of the store, newest first.
func ids(t *testing.T, st *store.Store) []string {
	t.Helper()
	page, err := st.List(context.Background(), store.ListQuery{Lang: langs[0], Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(page.Items))
	for i, item := range page.Items {
		var p struct{ Slug string }
		if err := json.Unmarshal(item, &p); err != nil {
			t.Fatal(err)
		}
		out[i] = p.Slug
	}
	return out
}

// assertSameAsFresh indexes dir from scratch into a new store and checks that
// st serves the same posts with byte-identical payloads (html aside) and list
// items.
func assertSameAsFresh(t *testing.T, dir string, st *store.Store) {
	t.Helper()
	fresh := freshIndex(t, dir)
	defer fresh.Close()
	assertSameStores(t, st, fresh)
}

// freshIndex is a new index of the folder dir; the caller closes it.
func freshIndex(t *testing.T, dir string) *store.Store {
	t.Helper()
	return freshIndexAt(t, dir, "")
}

// freshIndexAt is freshIndex with bundle file URLs under baseURL.
func freshIndexAt(t *testing.T, dir, baseURL string) *store.Store {
	t.Helper()
	ctx := context.Background()
	fresh, err := store.Open(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New(dir, fresh)
	ix.SetBaseURL(baseURL)
	if _, err := ix.Run(ctx); err != nil {
		fresh.Close()
		t.Fatal(err)
	}
	return fresh
}

// assertSameStores checks that st serves the same posts as fresh, with
// byte-identical payloads (html aside) and list items.
func assertSameStores(t *testing.T, st, fresh *store.Store) {
	t.Helper()
	ctx := context.Background()
	got, want := ids(t, st), ids(t, fresh)
	if !slices.Equal(got, want) {
		t.Fatalf("incremental index has posts %v,\nfresh index has %v", got, want)
	}
	for _, lang := range langs {
		for _, id := range want {
			g, err := st.Post(ctx, id, lang, repr.Identity)
			if err != nil {
				t.Fatal(err)
			}
			w, err := fresh.Post(ctx, id, lang, repr.Identity)
			if err != nil {
				t.Fatal(err)
			}
			gb, wb := withoutHTML(t, g.Body), withoutHTML(t, w.Body)
			if !bytes.Equal(gb, wb) {
				t.Errorf("post %s (%s): incremental payload differs from a fresh index:\n got %s\nwant %s\n%s",
					id, lang, linksOf(t, g.Body), linksOf(t, w.Body), firstDiff(gb, wb))
			}
		}
		gp, err := st.List(ctx, store.ListQuery{Lang: lang, Limit: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		wp, err := fresh.List(ctx, store.ListQuery{Lang: lang, Limit: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		for i := range wp.Items {
			if !bytes.Equal(gp.Items[i], wp.Items[i]) {
				t.Errorf("list item %d (%s): incremental differs from fresh %s", i, lang, firstDiff(gp.Items[i], wp.Items[i]))
			}
		}
	}
}

// withoutHTML is a stored payload without its html. Highlighting can differ
// between two renderings of the same file on a starved machine (see package
// markdown), which says nothing of the links under test here.
func withoutHTML(t *testing.T, body []byte) []byte {
	t.Helper()
	var env struct {
		Post json.RawMessage `json:"post"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Post))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if k == "html" {
			continue
		}
		fmt.Fprintf(&out, "%q:%s\n", k, v)
	}
	return out.Bytes()
}

// linksOf shows the part of a payload that links to other posts.
func linksOf(t *testing.T, body []byte) string {
	var resp api.PostResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return err.Error()
	}
	p := resp.Post
	return fmt.Sprintf("%s prev=%s next=%s related=%v", p.Slug, refSlug(p.Prev), refSlug(p.Next), relatedSlugs(p.Related))
}

// firstDiff shows where two payloads start to differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("at byte %d:\n got …%s…\nwant …%s…", i, a[from:min(len(a), i+60)], b[from:min(len(b), i+60)])
}

func refSlug(r *api.PostRef) string {
	if r == nil {
		return "<nil>"
	}
	return r.Slug
}

func relatedSlugs(rs []api.PostRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Slug
	}
	return out
}

func postFile(title, date string, tags ...string) string {
	return frontMatter(title, date, tags) + "---\n\n## " + title + "\n\nSome text.\n"
}

func draftFile(title, date string, tags ...string) string {
	return frontMatter(title, date, tags) + "draft: true\n---\n\n## " + title + "\n\nSome text.\n"
}

func frontMatter(title, date string, tags []string) string {
	tj, _ := json.Marshal(append([]string{}, tags...))
	return "---\ntitle: " + title + "\ndescription: about " + title + "\ndate: " + date + "\ntags: " + string(tj) + "\n"
}

var dateLine = regexp.MustCompile(`(?m)^date: .*$`)

// TestLinksFollowIncrementalChanges adds, moves, retitles, hides and deletes
// posts, and checks after every incremental run that the payloads of the
// posts whose neighbours changed were rebuilt: the store equals a fresh index
// of the folder, and the neighbours point where they must. Runs look at every
// file, or only at the paths a watcher would name.
func TestLinksFollowIncrementalChanges(t *testing.T) {
	for _, targeted := range []bool{false, true} {
		t.Run(fmt.Sprintf("targeted=%v", targeted), func(t *testing.T) {
			f := newFixture(t, 24)
			f.targeted = targeted
			testLinksFollowIncrementalChanges(t, f)
		})
	}
}

func testLinksFollowIncrementalChanges(t *testing.T, f *fixture) {
	cats, err := f.st.Categories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cat := cats[0].Slug
	const mid = "2022-06-15"
	newID := cat + "/zz-new-post"
	newFile := cat + "/zz-new-post.ko.md"

	// The posts just before and after mid in the category, before the new post.
	var before, after string
	for _, id := range ids(t, f.st) {
		p := f.post(id, "ko")
		if p.CategorySlug != cat {
			continue
		}
		if p.Date >= mid {
			after = id
		} else if before == "" {
			before = id
		}
	}
	if before == "" || after == "" {
		t.Fatalf("the corpus has no posts of %s on both sides of %s", cat, mid)
	}
	if got := refSlug(f.post(before, "ko").Next); got != after {
		t.Fatalf("before the add: %s next = %s, want %s", before, got, after)
	}
	total := len(ids(t, f.st))

	t.Run("add", func(t *testing.T) {
		f.write(newFile, postFile("New post", mid, "zz-unique-a", "zz-unique-b"))
		sum := f.run()
		if sum.Payloads >= total*len(langs) {
			t.Errorf("rebuilt %d payloads: the run was not incremental", sum.Payloads)
		}
		n := f.post(newID, "ko")
		if refSlug(n.Prev) != before || refSlug(n.Next) != after {
			t.Errorf("new post: prev %s next %s, want %s and %s", refSlug(n.Prev), refSlug(n.Next), before, after)
		}
		for _, lang := range langs {
			if got := refSlug(f.post(before, lang).Next); got != newID {
				t.Errorf("%s (%s): next = %s, want the new post %s", before, lang, got, newID)
			}
			if got := refSlug(f.post(after, lang).Prev); got != newID {
				t.Errorf("%s (%s): prev = %s, want the new post %s", after, lang, got, newID)
			}
		}
	})

	t.Run("related", func(t *testing.T) {
		// A second post sharing both unique tags, in another category, is the
		// first post's best related post.
		other := cats[1].Slug
		f.write(other+"/zz-twin.ko.md", postFile("Twin", "2020-01-01", "zz-unique-b", "zz-unique-a"))
		f.run()
		rel := relatedSlugs(f.post(newID, "ko").Related)
		if len(rel) == 0 || rel[0] != other+"/zz-twin" {
			t.Errorf("related of %s = %v, want %s first", newID, rel, other+"/zz-twin")
		}
		f.remove(other + "/zz-twin.ko.md")
		f.run()
		if rel := relatedSlugs(f.post(newID, "ko").Related); slices.Contains(rel, other+"/zz-twin") {
			t.Errorf("related of %s = %v, still has the deleted twin", newID, rel)
		}
	})

	t.Run("retitle", func(t *testing.T) {
		f.write(newFile, postFile("Renamed post", mid, "zz-unique-a", "zz-unique-b"))
		f.run()
		for _, id := range []string{before, after} {
			p := f.post(id, "en")
			ref := p.Next
			if id == after {
				ref = p.Prev
			}
			if ref == nil || ref.Title.Get("ko") != "Renamed post" {
				t.Errorf("%s: link to %s = %+v, want the new title", id, newID, ref)
			}
		}
	})

	t.Run("change date", func(t *testing.T) {
		// The post moves to the start of the category: its old neighbours
		// close the gap, and the oldest post gets it as its prev.
		oldest := ids(t, f.st)
		var first string
		for i := len(oldest) - 1; i >= 0; i-- {
			if f.post(oldest[i], "ko").CategorySlug == cat {
				first = oldest[i]
				break
			}
		}
		f.write(newFile, postFile("Renamed post", "2000-01-01", "zz-unique-a", "zz-unique-b"))
		f.run()
		if got := refSlug(f.post(before, "ko").Next); got != after {
			t.Errorf("%s next = %s, want %s again", before, got, after)
		}
		if got := refSlug(f.post(after, "ko").Prev); got != before {
			t.Errorf("%s prev = %s, want %s again", after, got, before)
		}
		if got := refSlug(f.post(first, "ko").Prev); got != newID {
			t.Errorf("%s prev = %s, want the moved post %s", first, got, newID)
		}
		if p := f.post(newID, "ko"); p.Prev != nil || refSlug(p.Next) != first {
			t.Errorf("moved post: prev %s next %s, want none and %s", refSlug(p.Prev), refSlug(p.Next), first)
		}
	})

	t.Run("change date of a corpus post", func(t *testing.T) {
		rel := after + ".ko.md"
		f.write(rel, dateLine.ReplaceAllString(f.read(rel), "date: 2030-01-01"))
		f.run()
		if p := f.post(after, "ko"); p.Next != nil {
			t.Errorf("%s is now the newest of %s, next = %s", after, cat, refSlug(p.Next))
		}
	})

	t.Run("draft", func(t *testing.T) {
		f.write(newFile, draftFile("Renamed post", "2000-01-01", "zz-unique-a", "zz-unique-b"))
		f.run()
		if _, err := f.st.Post(context.Background(), newID, "ko", repr.Identity); err == nil {
			t.Errorf("draft %s is still stored", newID)
		}
		for _, id := range ids(t, f.st) {
			p := f.post(id, "ko")
			if refSlug(p.Prev) == newID || refSlug(p.Next) == newID || slices.Contains(relatedSlugs(p.Related), newID) {
				t.Errorf("%s still links to the draft %s", id, newID)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		f.write(newFile, postFile("Back", mid, "zz-unique-a"))
		f.run()
		if got := refSlug(f.post(before, "ko").Next); got != newID {
			t.Fatalf("%s next = %s, want the published post %s", before, got, newID)
		}
		f.remove(newFile)
		sum := f.run()
		if sum.Deleted != 1 {
			t.Errorf("deleted %d files, want 1", sum.Deleted)
		}
		for _, id := range ids(t, f.st) {
			p := f.post(id, "en")
			if refSlug(p.Prev) == newID || refSlug(p.Next) == newID || slices.Contains(relatedSlugs(p.Related), newID) {
				t.Errorf("%s still links to the deleted %s", id, newID)
			}
		}
	})

	t.Run("new indexer on the same store", func(t *testing.T) {
		// A restarted process loads what the store remembers and must keep
		// the neighbours right too.
		f.ix = index.New(f.dir, f.st)
		f.write(newFile, postFile("Again", mid))
		// A new process's first run looks at everything.
		f.targeted, f.changed = false, nil
		f.run()
		if got := refSlug(f.post(before, "ko").Next); got != newID {
			t.Errorf("%s next = %s, want %s", before, got, newID)
		}
	})
}
