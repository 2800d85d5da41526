package index

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
)

// relatedBySorting is the definition computeLinks implements faster: every
// post sharing a tag, most shared tags first, then the same category, then
// the newest (ids breaking ties), the first maxRelated of them.
func relatedBySorting(posts []*content.Post, i int) []string {
	p := posts[i]
	shared := map[int]int{}
	for j, q := range posts {
		if j == i {
			continue
		}
		for _, t := range p.Tags {
			if slices.Contains(q.Tags, t) {
				shared[j]++
			}
		}
	}
	var cands []int
	for j := range shared {
		cands = append(cands, j)
	}
	slices.SortFunc(cands, func(a, b int) int {
		if c := cmp.Compare(shared[b], shared[a]); c != 0 {
			return c
		}
		sa, sb := posts[a].Category == p.Category, posts[b].Category == p.Category
		if sa != sb {
			if sa {
				return -1
			}
			return 1
		}
		if c := posts[b].Time.Compare(posts[a].Time); c != 0 {
			return c
		}
		return cmp.Compare(posts[b].ID(), posts[a].ID())
	})
	var out []string
	for _, j := range cands[:min(len(cands), maxRelated)] {
		out = append(out, posts[j].ID())
	}
	return out
}

// Related posts chosen without sorting every candidate are the ones sorting
// would choose, ties of tags, categories and dates included.
func TestRelatedMatchesSorting(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 11))
	site := content.DefaultSite()
	tags := []string{"a", "b", "c", "d", "e", "f"}
	var posts []*content.Post
	for i := range 300 {
		var pt []string
		for _, tag := range tags {
			if rnd.IntN(3) == 0 {
				pt = append(pt, tag)
			}
		}
		day := time.Date(2025, 1, 1+rnd.IntN(20), 0, 0, rnd.IntN(2), 0, time.UTC)
		posts = append(posts, &content.Post{
			Category: fmt.Sprint("c", rnd.IntN(3)), Slug: fmt.Sprint("p", i),
			Title: map[string]string{"ko": fmt.Sprint("p", i)}, Date: day.Format(time.DateOnly), Time: day,
			Tags: pt,
		})
	}
	links := computeLinks(site, posts)
	for i, p := range posts {
		want := relatedBySorting(posts, i)
		var got []string
		for _, r := range links[p.ID()].Related {
			got = append(got, r.Slug)
		}
		// Past the posts sharing a tag, the newest of the category fill up.
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Fatalf("%s (tags %v): related %v, want %v first", p.ID(), p.Tags, got, want)
		}
	}
}
