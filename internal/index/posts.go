package index

import (
	"cmp"
	"maps"
	"slices"

	"github.com/geul-dev/geul/internal/content"
)

// derived is what a run works out from the files as a whole: the posts, the
// problems of assembling them, their links and the fingerprints of their
// payloads. The indexer keeps the last committed one, so that a run over a
// few posts works out only what those posts change.
type derived struct {
	posts []*content.Post              // sorted by ID
	byID  map[string]*content.Post     // the same posts
	errs  []*content.Error             // problems of assembling posts, sorted
	cats  map[string]*content.Category // every category with a file or a post
	links map[string]links             // by post id
	fps   map[string]string            // by post id
}

// derive works out the posts of next. only, when the last run's derived state
// is at hand, names the post ids whose files this run touched: every other
// post is as the last run left it, since a post is assembled from its own
// files alone. Links and fingerprints are computed again for every post only
// when a touched post changed what other posts' links are made of (its
// title, date, tags, category, or whether it exists).
func (ix *Indexer) derive(site content.Site, next map[string]*known, updated []*read, only map[string]bool) *derived {
	last := ix.last
	if only == nil || last == nil {
		posts, errs := ix.assemble(site, next, updated, nil)
		d := &derived{posts: posts, errs: errs, byID: byID(posts), cats: categoriesOf(site, next, posts)}
		d.relinkAll(site)
		return d
	}

	sub, subErrs := ix.assemble(site, next, updated, only)
	d := &derived{posts: splice(last.posts, sub, only)}
	d.byID = maps.Clone(last.byID)
	for id := range only {
		delete(d.byID, id)
	}
	for _, p := range sub {
		d.byID[p.ID()] = p
	}
	for _, e := range last.errs {
		if id, ok := content.PostIDOf(e.Path); !ok || !only[id] {
			d.errs = append(d.errs, e)
		}
	}
	d.errs = append(d.errs, subErrs...)
	sortErrors(d.errs)

	d.cats = categoriesOf(site, next, d.posts)
	sameLinks := true
	for id := range only {
		if !sameLinkInputs(last.byID[id], d.byID[id]) {
			sameLinks = false
			break
		}
	}
	if !sameLinks {
		d.relinkAll(site)
		return d
	}
	d.links = last.links
	d.fps = maps.Clone(last.fps)
	for id := range only {
		if p := d.byID[id]; p != nil {
			d.fps[id] = fingerprint(site, d.cats[p.Category], p, d.links[id])
		} else {
			delete(d.fps, id)
		}
	}
	return d
}

// relinkAll computes the links and fingerprints of every post.
func (d *derived) relinkAll(site content.Site) {
	d.links = computeLinks(site, d.posts)
	d.fps = make(map[string]string, len(d.posts))
	for _, p := range d.posts {
		d.fps[p.ID()] = fingerprint(site, d.cats[p.Category], p, d.links[p.ID()])
	}
}

func byID(posts []*content.Post) map[string]*content.Post {
	m := make(map[string]*content.Post, len(posts))
	for _, p := range posts {
		m[p.ID()] = p
	}
	return m
}

// splice replaces the posts named by only in old (sorted by ID) with sub
// (sorted by ID, every one named by only), keeping the order.
func splice(old, sub []*content.Post, only map[string]bool) []*content.Post {
	out := make([]*content.Post, 0, len(old)+len(sub))
	j := 0
	for _, p := range old {
		id := p.ID()
		for j < len(sub) && cmp.Less(sub[j].ID(), id) {
			out = append(out, sub[j])
			j++
		}
		if !only[id] {
			out = append(out, p)
		}
	}
	return append(out, sub[j:]...)
}

// sameLinkInputs reports whether two versions of a post (nil: absent) look
// the same to the links of other posts.
func sameLinkInputs(a, b *content.Post) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Category == b.Category && a.Slug == b.Slug && a.Date == b.Date && a.Time.Equal(b.Time) &&
		maps.Equal(a.Title, b.Title) && slices.Equal(a.Tags, b.Tags)
}
