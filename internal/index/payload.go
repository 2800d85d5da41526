package index

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// renderVersion changes whenever rendering or the payload shape changes, so
// every stored payload is rebuilt by the next run.
const renderVersion = "1"

// doc is one post file's rendering.
type doc struct {
	body    string
	html    string
	toc     []api.Heading
	text    string
	minutes int
	extra   map[string]any
}

// builder writes one run: it renders changed files and builds dirty posts on
// the worker pool, and hands every write to the single writer goroutine.
type builder struct {
	ix    *Indexer
	fsys  fs.FS // the content folder, for bundle files' bytes and lost renderings (see storedDoc)
	site  content.Site
	cats  map[string]*content.Category
	links map[string]links
	fps   map[string]string // by post id, this run's fingerprints
	now   time.Time
	// The release clock this run starts from, and whether there was none
	// (a database built from nothing): see modified.
	clock    time.Time
	fresh    bool
	rendered int
	payloads int
	built    int                // posts written
	refused  map[string]refusal // see errRefused

	// The run's first error and its cancel: see fail.
	errMu    sync.Mutex
	firstErr error
	cancel   context.CancelFunc

	mu    sync.Mutex
	warns map[string][]*content.Error // by post id, of the posts built
}

type writeOp func(ctx context.Context, tx *store.Tx) error

// saveEvery is how many posts a build of a database from nothing writes
// between saves (see store.Tx.Save): a build stopped half way keeps what it
// did, less at most this many posts, and the next run builds only the rest.
// A database that has served a release is changed by a run in one
// transaction, so that readers see the run whole or not at all.
var saveEvery = 100

// writer is a run's single writer goroutine: it applies the writes sent to
// it in order and stops applying them at the first error, which cancels the
// run.
type writer struct {
	ctx  context.Context
	ops  chan writeOp
	werr chan error
}

func startWriter(ctx context.Context, cancel context.CancelFunc, tx *store.Tx) *writer {
	w := &writer{ctx: ctx, ops: make(chan writeOp, 64), werr: make(chan error, 1)}
	go func() {
		var err error
		for op := range w.ops {
			if err == nil {
				if err = op(ctx, tx); err != nil {
					cancel()
				}
			}
		}
		w.werr <- err
	}()
	return w
}

// send hands op to the writer, or drops it once the run is cancelled.
func (w *writer) send(op writeOp) {
	select {
	case w.ops <- op:
	case <-w.ctx.Done():
	}
}

// close waits for every write sent and returns the first error.
func (w *writer) close() error {
	close(w.ops)
	return <-w.werr
}

// fail records the first error of the run's workers and cancels the run; a
// file over its budget is remembered as refused (see errRefused).
func (b *builder) fail(err error) {
	b.errMu.Lock()
	if b.firstErr == nil {
		b.firstErr = err
	}
	if ce := budgetErrOf(err); ce != nil {
		if b.refused == nil {
			b.refused = map[string]refusal{}
		}
		b.refused[ce.err.Path] = refusal{hash: ce.hash, err: ce.err}
		b.firstErr = errRefused
	}
	b.errMu.Unlock()
	b.cancel()
}

// partition sorts the updated reads: changed post files are rendered with
// the post they belong to; the rest (drafts, the losing file of a duplicate
// slug) on their own, so that every stored file has its rendering.
func partition(updated []*read, dirty []*content.Post) (changed map[string]*read, alone []*read) {
	changed = map[string]*read{}
	for _, r := range updated {
		changed[r.entry.Path] = r
	}
	inDirty := map[string]bool{}
	for _, p := range dirty {
		for _, f := range p.Files {
			inDirty[f.Path] = true
		}
	}
	for _, r := range updated {
		if r.post != nil && !inDirty[r.entry.Path] {
			alone = append(alone, r)
		}
	}
	return changed, alone
}

func (b *builder) write(ctx context.Context, tx *store.Tx, touched, updated []*read, deleted []string, dirty []*content.Post, removed []string) error {
	ctx, b.cancel = context.WithCancel(ctx)
	defer b.cancel()
	w := startWriter(ctx, b.cancel, tx)

	for _, r := range touched {
		w.send(func(ctx context.Context, tx *store.Tx) error {
			return tx.TouchFile(ctx, r.entry.Path, r.entry.Size, r.entry.ModTime.UnixNano())
		})
	}
	for _, p := range deleted {
		w.send(func(ctx context.Context, tx *store.Tx) error { return tx.DeleteFile(ctx, p) })
	}
	for _, id := range removed {
		w.send(func(ctx context.Context, tx *store.Tx) error { return tx.DeletePost(ctx, id) })
	}

	changed, alone := partition(updated, dirty)
	b.ix.parallel(ctx, len(alone), func(i int) {
		rec, _, err := b.fileRecord(alone[i])
		if err != nil {
			b.fail(err)
			return
		}
		rec.Pack() // here on a worker, not on the run's single writer
		w.send(func(ctx context.Context, tx *store.Tx) error { return tx.PutFile(ctx, rec) })
	})
	dirty = byDate(dirty)
	seq := newSequencer(4*b.ix.workers, w.send)
	step := b.ix.progress.stage(StageBuild, len(dirty))
	b.ix.parallel(ctx, len(dirty), func(i int) {
		defer step()
		seq.start(i)
		var op writeOp
		defer func() { seq.done(i, op) }()
		var err error
		if op, err = b.buildPost(ctx, dirty[i], changed); err != nil {
			op = nil
			b.fail(err)
		}
	})
	b.sendOthers(w, updated, dirty)
	err := w.close()
	if b.firstErr != nil {
		return b.firstErr
	}
	if err != nil {
		return err
	}
	for _, r := range updated {
		if r.post != nil {
			b.rendered++
		}
	}
	return ctx.Err()
}

// buildPost builds post p from its changed files' new renderings and its
// other files' stored ones, and returns the write that stores it.
func (b *builder) buildPost(ctx context.Context, p *content.Post, changed map[string]*read) (writeOp, error) {
	docs := make(map[string]*doc, len(p.Files))
	var (
		recs     []store.FileRecord // the changed files'
		recLangs []string
		kept     = map[string]store.FileRecord{} // the other files' as stored, by language
	)
	for lang, f := range p.Files {
		if r := changed[f.Path]; r != nil {
			rec, d, err := b.fileRecord(r)
			if err != nil {
				return nil, err
			}
			recs, recLangs = append(recs, rec), append(recLangs, lang)
			docs[lang] = d
			continue
		}
		d, stored, err := b.storedDoc(ctx, f)
		if err != nil {
			return nil, err
		}
		docs[lang], kept[lang] = d, stored
	}
	rec, html, warns, err := b.postRecord(p, docs)
	if err != nil {
		return nil, err
	}
	// The payload in a file's language carries its markdown and its html
	// as they are unless bundle links were rewritten in the html: then the
	// rendering needs no copy of either (see store.FileRecord.InPayload).
	inPayload := func(lang, h string) store.PayloadRef {
		if html[lang] == h && servesOwn(rec.Payloads, lang) {
			return store.PayloadRef{PostID: p.ID(), Lang: lang}
		}
		return store.PayloadRef{}
	}
	for i := range recs {
		recs[i].InPayload = inPayload(recLangs[i], recs[i].HTML)
		recs[i].Pack() // here on a worker, not on the run's single writer
	}
	// An unchanged file's rendering is written again when this build
	// changes whether its payload carries its markdown and html, so that
	// the rendering never names a payload that does not.
	var repaired []store.FileRecord
	for lang, k := range kept {
		ref := inPayload(lang, k.HTML)
		if ref == k.InPayload && !k.Lost {
			continue
		}
		k.InPayload, k.Lost = ref, false
		k.Pack()
		repaired = append(repaired, k)
	}
	if len(warns) > 0 {
		b.mu.Lock()
		b.warns[p.ID()] = warns
		b.mu.Unlock()
	}
	return func(ctx context.Context, tx *store.Tx) error {
		for _, fr := range recs {
			if err := tx.PutFile(ctx, fr); err != nil {
				return err
			}
		}
		for _, fr := range repaired {
			if err := tx.PutRendering(ctx, fr); err != nil {
				return err
			}
		}
		// Counted on the writer goroutine: workers build posts in parallel.
		b.payloads += len(rec.Payloads)
		if err := tx.PutPost(ctx, rec); err != nil {
			return err
		}
		if b.built++; b.fresh && b.built%saveEvery == 0 {
			return tx.Save(ctx)
		}
		return nil
	}, nil
}

// sendOthers sends the writes of the updated files that are not post files:
// bundle files, categories and site.yaml.
func (b *builder) sendOthers(w *writer, updated []*read, dirty []*content.Post) {
	bundleModified := b.bundleClock(dirty)
	for _, r := range updated {
		if r.bundle != nil {
			id, _, _ := content.BundleFileOf(r.entry.Path)
			w.send(b.bundleOp(b.fsys, r, bundleModified(id)))
		}
		if r.post != nil || r.bundle != nil {
			continue
		}
		rec := store.FileRecord{FileState: stateOf(r.entry, kindOf(r.entry.Kind), r.hash)}
		var err error
		if r.cat != nil {
			rec.Meta, err = json.Marshal(r.cat)
		} else {
			rec.Meta, err = json.Marshal(r.site)
		}
		if err != nil {
			b.fail(err)
			return
		}
		w.send(func(ctx context.Context, tx *store.Tx) error { return tx.PutFile(ctx, rec) })
	}
}

// fileRecord renders a changed post file.
func (b *builder) fileRecord(r *read) (store.FileRecord, *doc, error) {
	f := r.post
	body, err := b.ix.held.take(r.body)
	if err != nil {
		return store.FileRecord{}, nil, fmt.Errorf("render %s: %w", f.Path, err)
	}
	res, err := b.render(r, body)
	if err != nil {
		if ce := budgetErr(f, err); ce != nil {
			return store.FileRecord{}, nil, &overBudget{hash: r.hash, err: ce}
		}
		return store.FileRecord{}, nil, fmt.Errorf("render %s: %w", f.Path, err)
	}
	toc := headings(res.TOC)
	d := &doc{body: string(body), html: res.HTML, toc: toc, text: res.Text, minutes: markdown.ReadingMinutes(res.Text), extra: f.Extra}
	meta, err := json.Marshal(withoutBody(f))
	if err != nil {
		return store.FileRecord{}, nil, fmt.Errorf("render %s: %w", f.Path, err)
	}
	// The file's bytes are not needed past its rendering: a full index would
	// otherwise hold every file in memory until its commit.
	r.body = heldBody{}
	tocJSON, _ := json.Marshal(toc)
	rec := store.FileRecord{
		FileState: stateOf(r.entry, kindPost, r.hash),
		Meta:      meta, Body: d.body, HTML: d.html, TOC: tocJSON, Text: d.text, Minutes: d.minutes,
	}
	return rec, d, nil
}

// render is a changed post file's rendering: the one a watched run made
// while reading it, else a new one.
func (b *builder) render(r *read, body []byte) (markdown.Result, error) {
	if r.res != nil {
		res := *r.res
		r.res = nil
		return res, nil
	}
	return b.ix.md.Render(body)
}

func withoutBody(f *content.File) *content.File {
	c := *f
	c.Body = nil
	return &c
}

func headings(hs []markdown.Heading) []api.Heading {
	out := make([]api.Heading, len(hs))
	for i, h := range hs {
		out[i] = api.Heading{Level: h.Level, ID: h.ID, Text: h.Text}
	}
	return out
}

// storedDoc loads the rendering of an unchanged file from the last committed
// run, with the record it comes from.
func (b *builder) storedDoc(ctx context.Context, f *content.File) (*doc, store.FileRecord, error) {
	rec, err := b.ix.store.FileRecord(ctx, f.Path)
	if err != nil {
		return nil, rec, err
	}
	if rec.Lost {
		// The payload that carried its markdown and html changed: the
		// file, unchanged, is read and rendered again. The rest of its
		// rendering (toc, text) was kept.
		data, err := content.ReadFile(b.fsys, f.Path)
		if err != nil {
			return nil, rec, fmt.Errorf("render %s: %w", f.Path, err)
		}
		cf, err := content.ParseFile(f.Path, data)
		if err != nil {
			return nil, rec, fmt.Errorf("render %s: %w", f.Path, err)
		}
		res, err := b.ix.md.Render(cf.Body)
		if err != nil {
			return nil, rec, fmt.Errorf("render %s: %w", f.Path, err)
		}
		rec.Body, rec.HTML = string(cf.Body), res.HTML
	}
	d := &doc{body: rec.Body, html: rec.HTML, text: rec.Text, minutes: rec.Minutes, extra: f.Extra}
	if err := json.Unmarshal(rec.TOC, &d.toc); err != nil {
		return nil, rec, fmt.Errorf("file %s: toc: %w", f.Path, err)
	}
	return d, rec, nil
}

// localized orders a language map: the site's languages first, in its order,
// then any others alphabetically.
func localized(site content.Site, m map[string]string) api.Localized {
	out := api.Localized{}
	for _, l := range site.Languages {
		if t, ok := m[l]; ok {
			out = append(out, api.LocalizedText{Lang: l, Text: t})
		}
	}
	var rest []string
	for l := range m {
		if !slices.Contains(site.Languages, l) {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	for _, l := range rest {
		out = append(out, api.LocalizedText{Lang: l, Text: m[l]})
	}
	return out
}

// servedLang is the language whose body answers a request for lang: lang
// itself, else the default language, else the first the post has.
func servedLang(site content.Site, p *content.Post, lang string) string {
	for _, l := range site.Fallbacks(lang) {
		if _, ok := p.Files[l]; ok {
			return l
		}
	}
	var ls []string
	for l := range p.Files {
		ls = append(ls, l)
	}
	sort.Strings(ls)
	return ls[0]
}

func translations(site content.Site, p *content.Post) []string {
	out := []string{}
	for _, l := range site.Languages {
		if _, ok := p.Files[l]; ok {
			out = append(out, l)
		}
	}
	return out
}

// modified is the Last-Modified of a post whose payloads this run rebuilds:
// the later of its date and updated, and past every value the release
// served before unless the database is built from nothing. It depends on the
// content and the release's history, never on a clock or on file times, so
// copies of a release agree and two builds from nothing agree; see the top of
// internal/store/release.go.
func (b *builder) modified(p *content.Post) time.Time {
	t := p.Time
	if p.UpdatedTime.After(t) {
		t = p.UpdatedTime
	}
	t = t.UTC().Truncate(time.Second)
	if next := b.clock.Add(time.Second); !b.fresh && next.After(t) {
		t = next
	}
	return t
}

// servesOwn reports whether pls has a payload in lang that carries lang's body.
func servesOwn(pls []store.Payload, lang string) bool {
	return slices.ContainsFunc(pls, func(pl store.Payload) bool { return pl.Lang == lang && pl.Served == lang })
}

// postRecord builds a post's payloads for every site language, and returns
// each file's html as its payloads carry it, by language, and the warnings
// of its files' html.
func (b *builder) postRecord(p *content.Post, docs map[string]*doc) (rec store.PostRecord, html map[string]string, warns []*content.Error, err error) {
	c, warns := b.common(p, docs)
	rec = store.PostRecord{
		ID: p.ID(), Category: p.Category, Slug: p.Slug, Date: p.Date, Time: p.Time, Modified: b.modified(p),
		Title:       firstText(c.title),
		Langs:       translations(b.site, p),
		Fingerprint: b.fps[p.ID()],
		Tags:        p.Tags,
	}
	for _, lang := range b.site.Languages {
		pl, err := b.payload(p, docs, c, rec.Langs, lang)
		if err != nil {
			return rec, nil, nil, fmt.Errorf("build %s: %w", p.ID(), err)
		}
		rec.Payloads = append(rec.Payloads, pl)
	}
	rec.Search = b.searchDocs(p, docs, rec.Langs)
	return rec, c.html, warns, nil
}

// postCommon is what every language's payload of a post shares.
type postCommon struct {
	title, description api.Localized
	category           api.Localized // the category's name
	updated            *string
	tags               []string
	html               map[string]string // each file's html, by language
	files              []api.PostFile
	links              links
}

// common is what every payload of p shares, with the warnings of its files'
// html.
func (b *builder) common(p *content.Post, docs map[string]*doc) (*postCommon, []*content.Error) {
	c := &postCommon{
		title: localized(b.site, p.Title), description: localized(b.site, p.Description),
		category: localized(b.site, b.cats[p.Category].Name),
		tags:     p.Tags, files: postFiles(b.site.BaseURL, p), links: b.links[p.ID()],
	}
	if p.Updated != "" {
		u := p.Updated
		c.updated = &u
	}
	if c.tags == nil {
		c.tags = []string{}
	}
	// Each file's html, its relative links made the bundle's URLs.
	c.html = make(map[string]string, len(docs))
	var warns []*content.Error
	for _, lang := range p.Langs {
		h, ws := relink(b.site.BaseURL, p, p.Files[lang], docs[lang])
		c.html[lang] = h
		warns = append(warns, ws...)
	}
	return c, warns
}

// payload is p's payload in the site language lang: its body in the
// language lang is served in, with langs, the languages p has a body in.
func (b *builder) payload(p *content.Post, docs map[string]*doc, c *postCommon, langs []string, lang string) (store.Payload, error) {
	served := servedLang(b.site, p, lang)
	d := docs[served]
	extra := d.extra
	if extra == nil {
		extra = map[string]any{}
	}
	post := api.Post{
		Slug: p.ID(), CategorySlug: p.Category,
		Title: c.title, Date: p.Date,
		Category: c.category, Description: c.description,
		Content: d.body, HTML: c.html[served],
		PostMeta: api.PostMeta{
			Lang: served, Translations: langs, TOC: d.toc, Tags: c.tags, Updated: c.updated,
			ReadingMinutes: d.minutes, Extra: extra,
			Prev: c.links.Prev, Next: c.links.Next, Related: c.links.Related,
		},
		Files: c.files,
	}
	if post.TOC == nil {
		post.TOC = []api.Heading{}
	}
	pl, err := encodePayload(lang, &post)
	pl.Served = served
	return pl, err
}

// searchDocs are p's search documents, one per language it has a body in.
func (b *builder) searchDocs(p *content.Post, docs map[string]*doc, langs []string) []store.SearchDoc {
	var out []store.SearchDoc
	for _, lang := range langs {
		sd := store.SearchDoc{
			Lang:        lang,
			Title:       textIn(b.site, p.Title, lang),
			Description: textIn(b.site, p.Description, lang),
			Body:        docs[lang].text,
			Path:        p.Files[lang].Path,
		}
		// Here on a worker, not on the run's single writer.
		sd.Prepare()
		out = append(out, sd)
	}
	return out
}

func firstText(l api.Localized) string {
	if len(l) == 0 {
		return ""
	}
	return l[0].Text
}

// textIn is m's text in lang, else in the first language that has one.
func textIn(site content.Site, m map[string]string, lang string) string {
	if t, ok := m[lang]; ok {
		return t
	}
	return firstText(localized(site, m))
}

// encodePayload makes the stored response of one post in one language: the
// JSON, its ETag, its gzip form and its list item.
func encodePayload(lang string, post *api.Post) (store.Payload, error) {
	bp := payloadBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledPayload {
			payloadBufs.Put(bp)
		}
	}()
	body, err := api.AppendPost((*bp)[:0], post)
	*bp = body
	if err != nil {
		return store.Payload{}, err
	}
	item, err := api.Encode(post.Item())
	if err != nil {
		return store.Payload{}, err
	}
	item = bytes.TrimSuffix(item, []byte("\n"))
	pl := store.Payload{Lang: lang, ETag: repr.ETag(body), Item: item}
	// The br form is made when first asked for (see store's brotliLevel).
	// The identity body is stored only where it has no gzip form (see
	// store.Tx.PutPost), so it is kept past this buffer only then.
	if len(body) < repr.CompressMin {
		pl.Body = bytes.Clone(body)
		return pl, nil
	}
	if pl.Gzip, err = repr.Compress(repr.Gzip, body); err != nil {
		return pl, err
	}
	return pl, nil
}

// payloadBufs are the buffers encodePayload writes a payload's JSON into
// before compressing it: the JSON of every post made anew was a tenth of a
// light index run's allocations. A buffer grown past maxPooledPayload by an
// outsize post is left to the collector, so the pool holds at most that
// much per buffer.
var payloadBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledPayload = 1 << 20
