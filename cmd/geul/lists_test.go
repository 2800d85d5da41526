package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

func listsPost(title, date string, draft bool, tags ...string) string {
	tj, _ := json.Marshal(append([]string{}, tags...))
	d := ""
	if draft {
		d = "draft: true\n"
	}
	return "---\ntitle: " + title + "\ndate: " + date + "\ntags: " + string(tj) + "\n" + d + "---\n\n" + title + "\n"
}

// TestListsFollowTheContent serves a folder with --watch and checks, over
// HTTP, that lists, counts and the neighbours in post payloads follow a post
// being added, turned into a draft and deleted.
func TestListsFollowTheContent(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/_category.yaml": "name: {ko: 컴퓨터 공학, en: Computer Science}\norder: 1\n",
		"go/_category.yaml": "name: {ko: 고, en: Go}\norder: 2\n",
		"cs/old.ko.md":      listsPost("옛 글", "2024-01-01", false, "db"),
		"cs/new.ko.md":      listsPost("새 글", "2024-12-01", false, "db"),
		"go/one.ko.md":      listsPost("고 글", "2024-06-01", false, "go"),
		"go/draft.ko.md":    listsPost("초안", "2024-07-01", true, "secret"),
	})
	a := startApp(t, dir, nil, "--watch")

	getJSON := func(path string, v any) int {
		t.Helper()
		resp, body := a.get(t, path)
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		return resp.StatusCode
	}
	listed := func(path string) []string {
		t.Helper()
		var l api.ListResponse
		if code := getJSON(path, &l); code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		var out []string
		for _, p := range l.Posts {
			out = append(out, p.Slug)
		}
		return out
	}
	neighbours := func(slug string) string {
		t.Helper()
		var pr api.PostResponse
		if code := getJSON("/posts/"+slug, &pr); code != http.StatusOK {
			return fmt.Sprintf("GET /posts/%s: %d", slug, code)
		}
		ref := func(r *api.PostRef) string {
			if r == nil {
				return "-"
			}
			return r.Slug
		}
		return ref(pr.Post.Prev) + " < " + slug + " < " + ref(pr.Post.Next)
	}
	want := func(what string, got func() string, expect string) func() string {
		return func() string {
			if g := got(); g != expect {
				return fmt.Sprintf("%s: got %q, want %q", what, g, expect)
			}
			return ""
		}
	}
	categoryCount := func(slug string) func() string {
		return func() string {
			var cs api.CategoriesResponse
			getJSON("/categories", &cs)
			for _, c := range cs.Categories {
				if c.Slug == slug {
					return fmt.Sprint(c.Count)
				}
			}
			return "absent"
		}
	}

	if got := listed("/posts"); !slices.Equal(got, []string{"cs/new", "go/one", "cs/old"}) {
		t.Fatalf("/posts: %v", got)
	}
	eventually(t, "neighbours", want("cs/old", func() string { return neighbours("cs/old") }, "- < cs/old < cs/new"))

	// A post between the two of cs.
	testutil.WriteFiles(t, dir, map[string]string{"cs/mid.ko.md": listsPost("가운데", "2024-06-15", false, "db")})
	eventually(t, "added", want("cs/old", func() string { return neighbours("cs/old") }, "- < cs/old < cs/mid"))
	eventually(t, "added", want("cs/new", func() string { return neighbours("cs/new") }, "cs/mid < cs/new < -"))
	eventually(t, "added", want("cs count", categoryCount("cs"), "3"))
	if got := listed("/tags/db"); !slices.Equal(got, []string{"cs/new", "cs/mid", "cs/old"}) {
		t.Errorf("/tags/db: %v", got)
	}

	// The same post turned into a draft: gone from everything.
	testutil.WriteFiles(t, dir, map[string]string{"cs/mid.ko.md": listsPost("가운데", "2024-06-15", true, "db", "mid-only")})
	eventually(t, "draft", want("cs/old", func() string { return neighbours("cs/old") }, "- < cs/old < cs/new"))
	eventually(t, "draft", want("cs count", categoryCount("cs"), "2"))
	if code := getJSON("/posts/cs/mid", &api.PostResponse{}); code != http.StatusNotFound {
		t.Errorf("draft cs/mid: %d, want 404", code)
	}
	if code := getJSON("/tags/mid-only", &api.TagResponse{}); code != http.StatusNotFound {
		t.Errorf("a draft's own tag: %d, want 404", code)
	}
	if got := listed("/categories/cs"); !slices.Equal(got, []string{"cs/new", "cs/old"}) {
		t.Errorf("/categories/cs: %v", got)
	}

	// Published again, then deleted.
	testutil.WriteFiles(t, dir, map[string]string{"cs/mid.ko.md": listsPost("가운데", "2024-06-15", false, "db")})
	eventually(t, "published", want("cs/new", func() string { return neighbours("cs/new") }, "cs/mid < cs/new < -"))
	if err := os.Remove(filepath.Join(dir, "cs", "mid.ko.md")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deleted", want("cs/new", func() string { return neighbours("cs/new") }, "cs/old < cs/new < -"))
	eventually(t, "deleted", want("cs count", categoryCount("cs"), "2"))
	var tags api.TagsResponse
	getJSON("/tags", &tags)
	if want := []api.Tag{{Name: "db", Count: 2}, {Name: "go", Count: 1}}; !slices.Equal(tags.Tags, want) {
		t.Errorf("/tags: %v, want %v", tags.Tags, want)
	}
}
