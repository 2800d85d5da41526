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
	l := newLinker(site, posts)
	out := make(map[string]links, len(posts))
	for i := range posts {
		lk := l.neighbours(i)
		lk.Related = l.related(i, posts[i].Tags)
		out[l.ids[i]] = lk
	}
	return out
}

// linker holds what computeLinks's comparisons read, worked out once per
// post: they run for every pair of posts that share a tag. Posts are named
// by their index in the slice given to newLinker.
type linker struct {
	refs   []api.PostRef
	ids    []string
	secs   []int64
	nsecs  []int
	cats   []int            // category numbers
	byCat  map[string][]int // each sorted by older
	byTag  map[string][]int
	catOf  []string // category slugs
	catPos []int    // position in byCat

	// Scratch of related: shared tags with the post at hand, the posts
	// with any, and the best so far.
	shared  []int32
	touched []int
	best    [maxRelated]int
}

func newLinker(site content.Site, posts []*content.Post) *linker {
	n := len(posts)
	l := &linker{
		refs: make([]api.PostRef, n), ids: make([]string, n), secs: make([]int64, n), nsecs: make([]int, n),
		cats: make([]int, n), byCat: map[string][]int{}, byTag: map[string][]int{}, catOf: make([]string, n),
		catPos: make([]int, n), shared: make([]int32, n),
	}
	catNum := map[string]int{}
	for i, p := range posts {
		l.ids[i] = p.ID()
		l.refs[i] = api.PostRef{Slug: l.ids[i], Title: localized(site, p.Title), Date: p.Date}
		l.secs[i], l.nsecs[i] = p.Time.Unix(), p.Time.Nanosecond()
		c, ok := catNum[p.Category]
		if !ok {
			c = len(catNum)
			catNum[p.Category] = c
		}
		l.cats[i] = c
		l.catOf[i] = p.Category
		l.byCat[p.Category] = append(l.byCat[p.Category], i)
		for _, t := range p.Tags {
			l.byTag[t] = append(l.byTag[t], i)
		}
	}
	for _, idx := range l.byCat {
		slices.SortFunc(idx, l.older)
		for pos, i := range idx {
			l.catPos[i] = pos
		}
	}
	return l
}

// older compares posts i and j by time, then by id.
func (l *linker) older(i, j int) int {
	if c := cmp.Compare(l.secs[i], l.secs[j]); c != 0 {
		return c
	}
	if c := cmp.Compare(l.nsecs[i], l.nsecs[j]); c != 0 {
		return c
	}
	return cmp.Compare(l.ids[i], l.ids[j])
}

// neighbours is post i's previous and next post in its category.
func (l *linker) neighbours(i int) links {
	var lk links
	idx := l.byCat[l.catOf[i]]
	if pos := l.catPos[i]; pos > 0 {
		r := l.refs[idx[pos-1]]
		lk.Prev = &r
	}
	if pos := l.catPos[i]; pos < len(idx)-1 {
		r := l.refs[idx[pos+1]]
		lk.Next = &r
	}
	return lk
}

// better orders the candidates a and b for post i totally, so keeping the
// first maxRelated as they come picks what sorting them all would.
func (l *linker) better(i, a, b int) int {
	if c := cmp.Compare(l.shared[b], l.shared[a]); c != 0 {
		return c
	}
	sa, sb := l.cats[a] == l.cats[i], l.cats[b] == l.cats[i]
	if sa != sb {
		if sa {
			return -1
		}
		return 1
	}
	return l.older(b, a)
}

// related is post i's related posts; tags are its tags.
func (l *linker) related(i int, tags []string) []api.PostRef {
	l.touched = l.touched[:0]
	for _, t := range tags {
		for _, j := range l.byTag[t] {
			if j == i {
				continue
			}
			if l.shared[j] == 0 {
				l.touched = append(l.touched, j)
			}
			l.shared[j]++
		}
	}
	m := 0
	for _, j := range l.touched {
		if m == maxRelated && l.better(i, j, l.best[m-1]) >= 0 {
			continue
		}
		k := min(m, maxRelated-1)
		for k > 0 && l.better(i, j, l.best[k-1]) < 0 {
			l.best[k] = l.best[k-1]
			k--
		}
		l.best[k] = j
		m = min(m+1, maxRelated)
	}
	out := make([]api.PostRef, 0, maxRelated)
	for _, j := range l.best[:m] {
		out = append(out, l.refs[j])
	}
	// Too few posts share a tag: the newest of the same category fill up.
	idx := l.byCat[l.catOf[i]]
	for k := len(idx) - 1; k >= 0 && len(out) < maxRelated; k-- {
		if j := idx[k]; j != i && l.shared[j] == 0 {
			out = append(out, l.refs[j])
		}
	}
	for _, j := range l.touched {
		l.shared[j] = 0
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
