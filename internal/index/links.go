package index

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/store"
)

// maxRelated is how many related posts a payload carries.
const maxRelated = 3

// links are a post's neighbours: they are part of its payload, so a change of
// another post can change it.
type links struct {
	Prev    *api.PostRef  `json:"prev"`
	Next    *api.PostRef  `json:"next"`
	Related []api.PostRef `json:"related"`
}

// computeLinks finds every post's previous and next post in its category by
// date, and its related posts: most shared tags first, then the same category,
// then the newest.
func computeLinks(site content.Site, posts []*content.Post) map[string]links {
	n := len(posts)
	refs := make([]api.PostRef, n)
	// What the comparisons below read, worked out once per post: they run
	// for every pair of posts that share a tag.
	ids := make([]string, n)
	secs := make([]int64, n)
	nsecs := make([]int, n)
	cats := make([]int, n)
	catNum := map[string]int{}
	for i, p := range posts {
		ids[i] = p.ID()
		refs[i] = api.PostRef{Slug: ids[i], Title: localized(site, p.Title), Date: p.Date}
		secs[i], nsecs[i] = p.Time.Unix(), p.Time.Nanosecond()
		c, ok := catNum[p.Category]
		if !ok {
			c = len(catNum)
			catNum[p.Category] = c
		}
		cats[i] = c
	}
	// older reports whether post i comes before post j in time.
	older := func(i, j int) int {
		if c := cmp.Compare(secs[i], secs[j]); c != 0 {
			return c
		}
		if c := cmp.Compare(nsecs[i], nsecs[j]); c != 0 {
			return c
		}
		return cmp.Compare(ids[i], ids[j])
	}
	byCat := map[string][]int{}
	byTag := map[string][]int{}
	for i, p := range posts {
		byCat[p.Category] = append(byCat[p.Category], i)
		for _, t := range p.Tags {
			byTag[t] = append(byTag[t], i)
		}
	}
	out := make(map[string]links, n)
	catPos := make([]int, n)
	for _, idx := range byCat {
		slices.SortFunc(idx, older)
		for pos, i := range idx {
			catPos[i] = pos
		}
	}
	shared := make([]int32, n)
	var touched []int
	var best [maxRelated]int
	for i, p := range posts {
		var lk links
		idx := byCat[p.Category]
		if pos := catPos[i]; pos > 0 {
			r := refs[idx[pos-1]]
			lk.Prev = &r
		}
		if pos := catPos[i]; pos < len(idx)-1 {
			r := refs[idx[pos+1]]
			lk.Next = &r
		}

		touched = touched[:0]
		for _, t := range p.Tags {
			for _, j := range byTag[t] {
				if j == i {
					continue
				}
				if shared[j] == 0 {
					touched = append(touched, j)
				}
				shared[j]++
			}
		}
		// better orders candidates totally, so keeping the first maxRelated
		// as they come picks what sorting them all would.
		better := func(a, b int) int {
			if c := cmp.Compare(shared[b], shared[a]); c != 0 {
				return c
			}
			sa, sb := cats[a] == cats[i], cats[b] == cats[i]
			if sa != sb {
				if sa {
					return -1
				}
				return 1
			}
			return older(b, a)
		}
		m := 0
		for _, j := range touched {
			if m == maxRelated && better(j, best[m-1]) >= 0 {
				continue
			}
			k := min(m, maxRelated-1)
			for k > 0 && better(j, best[k-1]) < 0 {
				best[k] = best[k-1]
				k--
			}
			best[k] = j
			m = min(m+1, maxRelated)
		}
		lk.Related = make([]api.PostRef, 0, maxRelated)
		for _, j := range best[:m] {
			lk.Related = append(lk.Related, refs[j])
		}
		// Too few posts share a tag: the newest of the same category fill up.
		for k := len(idx) - 1; k >= 0 && len(lk.Related) < maxRelated; k-- {
			j := idx[k]
			if j == i || shared[j] > 0 {
				continue
			}
			lk.Related = append(lk.Related, refs[j])
		}
		for _, j := range touched {
			shared[j] = 0
		}
		out[ids[i]] = lk
	}
	return out
}

// categoriesOf returns every category that has a file or a post. A category
// without _category.yaml is named by its slug.
func categoriesOf(site content.Site, files map[string]*known, posts []*content.Post) map[string]*content.Category {
	out := map[string]*content.Category{}
	for _, k := range files {
		if k.cat != nil {
			out[k.cat.Slug] = k.cat
		}
	}
	for _, p := range posts {
		if _, ok := out[p.Category]; ok {
			continue
		}
		c := &content.Category{Slug: p.Category, Name: map[string]string{}, Description: map[string]string{}}
		for _, l := range site.Languages {
			c.Name[l] = p.Category
		}
		out[p.Category] = c
	}
	return out
}

// categoryJSON is a category as the store keeps it.
type categoryJSON struct {
	Name        api.Localized `json:"name"`
	Description api.Localized `json:"description"`
}

func categoryRecords(site content.Site, cats map[string]*content.Category) []store.CategoryRecord {
	out := make([]store.CategoryRecord, 0, len(cats))
	for _, c := range cats {
		data, _ := json.Marshal(categoryJSON{Name: localized(site, c.Name), Description: localized(site, c.Description)})
		out = append(out, store.CategoryRecord{Slug: c.Slug, Order: c.Order, Data: data})
	}
	slices.SortFunc(out, func(a, b store.CategoryRecord) int {
		if c := cmp.Compare(a.Order, b.Order); c != 0 {
			return c
		}
		return cmp.Compare(a.Slug, b.Slug)
	})
	return out
}

// fingerprint hashes every input of a post's payloads: when it is unchanged,
// so are they. Every run computes it for every post, so it writes the inputs
// as they are, each string after its length (no two different inputs write
// the same bytes), rather than through JSON.
func fingerprint(site content.Site, cat *content.Category, p *content.Post, lk links) string {
	buf := make([]byte, 0, 1024)
	num := func(n int) { buf = binary.AppendUvarint(buf, uint64(n)) }
	str := func(s string) {
		num(len(s))
		buf = append(buf, s...)
	}
	loc := func(l api.Localized) {
		num(len(l))
		for _, t := range l {
			str(t.Lang)
			str(t.Text)
		}
	}
	ref := func(r *api.PostRef) {
		if r == nil {
			buf = append(buf, 0)
			return
		}
		buf = append(buf, 1)
		str(r.Slug)
		loc(r.Title)
		str(r.Date)
	}
	str(renderVersion)
	num(len(site.Languages))
	for _, l := range site.Languages {
		str(l)
	}
	loc(localized(site, cat.Name))
	loc(localized(site, cat.Description))
	str(p.ID())
	for _, l := range site.Languages {
		if f, ok := p.Files[l]; ok {
			str(f.Hash)
		} else {
			str("")
		}
	}
	// Bundle files change the html (their URLs, image sizes), the files
	// list and the warnings; the base URL is in their URLs.
	str(site.BaseURL)
	num(len(p.Bundle))
	for _, b := range p.Bundle {
		str(b.Name)
		str(b.Hash)
		str(b.Type)
		num(b.Width)
		num(b.Height)
	}
	ref(lk.Prev)
	ref(lk.Next)
	num(len(lk.Related))
	for i := range lk.Related {
		ref(&lk.Related[i])
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}
