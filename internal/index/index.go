// Package index turns the content folder into the store: it finds what changed
// since the last run, parses and renders only that with a pool of workers, builds
// every affected post payload once, and writes the run through the store's
// single writer in one transaction, so readers see the run whole or not at all.
// The one exception is the build of a database that has never completed a
// run, which nothing has been served from: it saves its work in batches, so
// that a build stopped half way is finished by the next run (see saveEvery).
package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"
)

// Kinds of files kept in the store.
const (
	kindPost     = "post"
	kindCategory = "category"
	kindSite     = "site"
)

// Summary reports one index run.
type Summary struct {
	Files     int            // content files found
	Read      int            // files read because their size or time changed
	Unchanged int            // files skipped: same stat, or same bytes
	Rendered  int            // post files parsed and rendered
	Deleted   int            // files gone since the last run
	Total     int            // posts in the index
	Posts     map[string]int // posts with a body, by language
	Payloads  int            // post payloads rebuilt
	// Errors are the run's problems, warnings (Warning set) among them.
	Errors     []*content.Error
	Languages  []string // the site's languages, the default first
	Generation int64
	Changed    bool // the run changed what is served
	Duration   time.Duration
	// Unsettled are files that kept changing while they were read: their last
	// good state keeps serving, and a later run reads them again.
	Unsettled []string
	// Deferred are post files whose rendering took longer than a watched
	// run waits (see RunWatched): their last good state keeps serving, and
	// the run asked for once the rendering is done takes it.
	Deferred []string
	// Targeted says the run looked only at the paths it was given (see
	// RunChanged), not at every file.
	Targeted bool
	// Quick says no file changed since the last complete run: the run
	// looked at the files and left the store as it was (see
	// SetSkipUnchanged).
	Quick bool
	// Site is the snapshot of the site this run leaves served, for the
	// server to publish; nil when the run failed.
	Site *site.Snapshot
}

// ErrorCount is the number of Errors that are not warnings.
func (s Summary) ErrorCount() int {
	n := 0
	for _, e := range s.Errors {
		if !e.Warning {
			n++
		}
	}
	return n
}

// Indexer indexes one content folder into one store. It keeps what it learnt of
// every file in memory, so runs after the first in a process touch only what
// changed. Runs are serialized.
type Indexer struct {
	dir     string
	store   *store.Store
	md      *markdown.Renderer
	workers int

	mu     sync.Mutex
	loaded bool
	known  map[string]*known // by path: the last good state of every file
	// pending are the paths of post and bundle files whose stored records
	// are not read yet; see decodePending.
	pending []string
	fps     map[string]string // by post id: fingerprint of its stored payloads
	// What the last run found, for a run that looks at a few paths only:
	// the content files present, and the problems of files and folders
	// (scan and read errors; not those of assembling posts, which every
	// run finds again).
	files    map[string]bool
	fileErrs []*content.Error
	last     *derived
	// warns are the warnings of each post's last build, by post id: a run
	// finds those of the posts it rebuilds only.
	warns map[string][]*content.Error

	baseURL       string // see SetBaseURL
	skipUnchanged bool   // see SetSkipUnchanged

	// refused are the file versions that went over their rendering budget
	// while rendering, by path; see errRefused.
	refused map[string]refusal

	progress  progress      // see SetProgress
	settleAge time.Duration // see SetSettleAge
	runStart  time.Time     // when the current run started

	slow    slowRenders // see RunWatched
	watched *watched    // the current run's, when RunWatched started it
	held    *heldBodies // the current run's bodies, read and not yet rendered
}

// racyWindow is how close to a run's start a file's modification time must be
// for its stat to be too coarse to trust.
const racyWindow = 2 * time.Second

// known is the last good state of a file.
type known struct {
	state  store.FileState
	post   *content.File       // kind post, without its body
	cat    *content.Category   // kind category
	site   *content.Site       // kind site
	bundle *content.BundleFile // kind bundle
}

// New returns an indexer of the folder dir into st.
func New(dir string, st *store.Store) *Indexer {
	return &Indexer{
		dir:     dir,
		store:   st,
		md:      markdown.New(),
		workers: runtime.NumCPU(),
	}
}

// Run brings the store up to date with the content folder.
func (ix *Indexer) Run(ctx context.Context) (Summary, error) {
	return ix.RunChanged(ctx, nil)
}

// RunChanged is Run told which files changed since the last run, by a
// watcher: paths relative to the folder, slash-separated. When every path is
// a post file (not a folder, a symlink, site.yaml or a _category.yaml) and a
// full run came before in this process, only those files are looked at, so
// that saving one post costs a stat and a read of that post, not a stat of
// every file. Otherwise, and for nil, it is Run.
func (ix *Indexer) RunChanged(ctx context.Context, paths []string) (Summary, error) {
	return ix.runChanged(ctx, paths, nil)
}

// RunWatched is RunChanged for a watcher, which must not stall on one
// file: a post file whose rendering takes longer than SlowGrace goes on
// rendering in the background, within its budget, while the run stores
// everything else and its last good version keeps serving
// (Summary.Deferred). Once that rendering is done, ready is called with the
// file's path, for a run over it, which takes the rendering instead of
// rendering again; a file changed again meanwhile is rendered anew. The
// renderings in the background stop once ctx is done, so ctx must be the
// watcher's, not the run's; Wait waits for them.
func (ix *Indexer) RunWatched(ctx context.Context, paths []string, ready func(path string)) (Summary, error) {
	return ix.runChanged(ctx, paths, &watched{ctx: ctx, ready: ready})
}

func (ix *Indexer) runChanged(ctx context.Context, paths []string, w *watched) (Summary, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.watched = w
	defer func() { ix.watched = nil }()
	start := time.Now()
	sum, err := ix.run(ctx, start, paths)
	// Each retry normally refuses at least one more file, or reads the
	// files whose stored records were unreadable; the bound keeps a file
	// that is somehow not refused on reading from looping for ever.
	for try := 0; (errors.Is(err, errRefused) || errors.Is(err, errReload)) && try < 4; try++ {
		sum, err = ix.run(ctx, start, paths)
	}
	sum.Duration = time.Since(start)
	if err != nil {
		return sum, fmt.Errorf("index %s: %w", ix.dir, err)
	}
	return sum, nil
}

// Forget drops what the indexer holds in memory of the files and posts of
// the last run: every file's front matter, every post and its links, tens of
// megabytes at 10,000 posts. The next run reads what it needs from the store
// again, as a new process's first run does, and looks at the whole folder.
// A server that runs no index after its first calls it to hold only what
// it serves.
func (ix *Indexer) Forget() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.loaded = false
	ix.known, ix.fps, ix.files, ix.fileErrs, ix.last, ix.warns, ix.pending = nil, nil, nil, nil, nil, nil, nil
}

// load reads what the store remembers, once per process. The front matter
// of post and bundle files is read only when a run needs it (see
// decodePending): a run that finds nothing changed does not.
func (ix *Indexer) load(ctx context.Context) error {
	if ix.loaded {
		return nil
	}
	metas, err := ix.store.FileMetas(ctx, kindSite, kindCategory)
	if err != nil {
		return err
	}
	fps, err := ix.store.Fingerprints(ctx)
	if err != nil {
		return err
	}
	ix.known = make(map[string]*known, len(metas))
	ix.pending = nil
	for _, m := range metas {
		k := &known{state: m.FileState}
		var derr error
		switch m.Kind {
		case kindPost, kindBundle:
			ix.pending = append(ix.pending, m.Path)
		case kindCategory:
			k.cat, derr = decodeMeta[content.Category](m.Meta)
		case kindSite:
			k.site, derr = decodeMeta[content.Site](m.Meta)
		}
		// A record that cannot be read is as good as absent: the file is
		// read again.
		if derr == nil {
			ix.known[m.Path] = k
		}
	}
	ix.fps = fps
	ws, err := ix.store.Warnings(ctx)
	if err != nil {
		return err
	}
	ix.warns = map[string][]*content.Error{}
	for _, w := range ws {
		if id, ok := content.PostIDOf(w.Path); ok {
			ix.warns[id] = append(ix.warns[id], &content.Error{Path: w.Path, Line: w.Line, Reason: w.Reason, Warning: true})
		}
	}
	ix.loaded = true
	return nil
}

// errReload asks for a run again: a stored record turned out unreadable
// after the folder was scanned, and its file must be read.
var errReload = errors.New("stored file record unreadable")

// decodePending reads and decodes the stored records load left aside, on
// the worker pool: most of a new process's first run when few files changed.
// It fills the files' known states in ix.known and in next, where a run may
// have copied them. A record that does not decode is dropped, as if never
// stored, and the run starts again (errReload) to read its file.
func (ix *Indexer) decodePending(ctx context.Context, next map[string]*known) error {
	pending := ix.pending
	if len(pending) == 0 {
		return nil
	}
	// The records are as load found them: a run writes records only once
	// they are whole, and a quick run (see quietRun) writes files' times
	// alone. One that does not decode is as good as absent, as it is to a
	// first run that decodes every record: a quick run leaves it as it is,
	// and the first run that needs it reads its file again.
	metas, err := ix.store.Metas(ctx, kindPost, kindBundle)
	if err != nil {
		return err
	}
	bad := make([]bool, len(pending))
	ix.parallel(ctx, len(pending), func(i int) {
		path := pending[i]
		var (
			post   *content.File
			bundle *content.BundleFile
			err    error
		)
		k := ix.known[path]
		if k.state.Kind == kindBundle {
			bundle, err = decodeMeta[content.BundleFile](metas[path])
		} else {
			post, err = decodeMeta[content.File](metas[path])
		}
		if bad[i] = err != nil; bad[i] {
			return
		}
		k.post, k.bundle = post, bundle
		if c := next[path]; c != nil && c != k {
			c.post, c.bundle = post, bundle
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.pending = nil
	reload := false
	for i, path := range pending {
		if bad[i] {
			delete(ix.known, path)
			reload = true
		}
	}
	if reload {
		return errReload
	}
	return nil
}

// read is a file read in this run because its stat changed.
type read struct {
	entry  content.Entry
	hash   string
	same   bool          // same bytes as the last good state
	post   *content.File // its Body nil: see body
	body   heldBody      // the post's body, held until it is rendered: see readPost
	cat    *content.Category
	site   *content.Site
	bundle *content.BundleFile // its bytes are read again when stored
	err    error
	// unsettled: the file changed while it was read; see settle.
	unsettled bool
	// res is the post's rendering when a watched run rendered it on
	// reading; deferred, when it left it to the background.
	res      *markdown.Result
	deferred bool
	refused  *refusal // over its budget on reading, in a watched run
}

func stateOf(e content.Entry, kind, hash string) store.FileState {
	return store.FileState{Path: e.Path, Kind: kind, Size: e.Size, MTime: e.ModTime.UnixNano(), Hash: hash}
}

func kindOf(k content.Kind) string {
	switch k {
	case content.KindSite:
		return kindSite
	case content.KindCategory:
		return kindCategory
	case content.KindBundleFile:
		return kindBundle
	}
	return kindPost
}

// readEntry reads, hashes and parses one changed file.
func (ix *Indexer) readEntry(fsys fs.FS, e content.Entry) *read {
	r := &read{entry: e}
	readFile := content.ReadFile
	if e.Kind == content.KindBundleFile {
		readFile = content.ReadBundleFile
	}
	data, err := readFile(fsys, e.Path)
	if err != nil {
		r.err = err
		return r
	}
	if data, r.entry, r.unsettled, r.err = settle(fsys, e, data, ix.settleAge, readFile); r.unsettled || r.err != nil {
		return r
	}
	if !r.entry.ModTime.Before(ix.runStart.Add(-racyWindow)) {
		// File times are coarse (a clock tick, a second on some file systems):
		// a file saved again within the same tick after this read would keep
		// its size and time. Its state is recorded with no time, so the next
		// run hashes it again instead of trusting its stat.
		r.entry.ModTime = time.Unix(0, 0)
	}
	r.hash = hashOf(data)
	if k := ix.known[e.Path]; k != nil && k.state.Hash == r.hash {
		// Stored already: a rendering in the background is not needed.
		ix.slow.drop(e.Path, "")
		r.same = true
		return r
	}
	// A rendering in the background of another version is stale.
	ix.slow.drop(e.Path, r.hash)
	switch e.Kind {
	case content.KindSite:
		s, err := content.ParseSite(data)
		if err != nil {
			r.err = withPath(err, e.Path)
			return r
		}
		r.site = &s
	case content.KindCategory:
		r.cat, r.err = content.ParseCategory(e.Path, data)
	case content.KindBundleFile:
		r.bundle, r.err = content.ParseBundleFile(e.Path, data)
	default:
		ix.readPost(r, data)
	}
	return r
}

// readPost parses a changed post file and checks its budget; a watched
// run renders it too (see renderWatched).
func (ix *Indexer) readPost(r *read, data []byte) {
	path := r.entry.Path
	if rf, ok := ix.refused[path]; ok && rf.hash == r.hash {
		r.err = rf.err
		return
	}
	r.post, r.err = content.ParseFile(path, data)
	if r.err != nil {
		return
	}
	// Refused here, a file over its budget is bad content like any other:
	// its last good version keeps serving.
	if err := ix.md.Check(r.post.Body); err != nil {
		r.post, r.err = nil, budgetErr(r.post, err)
		return
	}
	if w := ix.watched; w != nil && w.held.Load() < watchedHeld {
		res, deferred, err := ix.renderWatched(w, path, r.hash, r.post.Body)
		switch ce := budgetErr(r.post, err); {
		case deferred:
			r.post, r.deferred = nil, true
			return
		case ce != nil:
			r.post, r.err, r.refused = nil, ce, &refusal{hash: r.hash, err: ce}
			return
		case err == nil:
			r.res = &res
			w.held.Add(int64(len(res.HTML) + len(res.Text)))
		}
		// Any other failure is met again, and reported, while writing.
	}
	// A full index reads every file before it renders any, to work out
	// every post's links: held as read, the bodies of 10,000 posts were
	// 195 MB of live heap, so past a few megabytes they wait in a file.
	r.body, r.post.Body = ix.held.put(r.post.Body), nil
}

// hashOf is the content hash a file's state records.
func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func withPath(err error, path string) error {
	var ce *content.Error
	if errors.As(err, &ce) && ce.Path == "" {
		c := *ce
		c.Path = path
		return &c
	}
	return err
}

// decodeMeta decodes a stored file record's metadata.
func decodeMeta[T any](meta []byte) (*T, error) {
	v := new(T)
	err := json.Unmarshal(meta, v)
	return v, err
}

// parallel runs fn(i) for i in [0, n) on the worker pool.
func (ix *Indexer) parallel(ctx context.Context, n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < ix.workers; w++ {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// runFiles is what one run learns of the files: the state it leads to and
// the reads that lead there.
type runFiles struct {
	sum *Summary
	// next is the state this run leads to; known stays the committed state
	// until the transaction commits.
	next    map[string]*known
	touched []*read // same bytes, new stat
	updated []*read // parsed, new bytes
	deleted []string
	files   map[string]bool
	only    map[string]bool // the posts a targeted run can change, by id
	// errs are the problems of files and folders: scanning and reading.
	errs []*content.Error
}

func newRunFiles(sum *Summary, committed map[string]*known) *runFiles {
	next := make(map[string]*known, len(committed))
	for p, k := range committed {
		next[p] = k
	}
	return &runFiles{sum: sum, next: next}
}

func (rf *runFiles) addErr(err error) {
	var ce *content.Error
	if errors.As(err, &ce) {
		rf.errs = append(rf.errs, ce)
		return
	}
	rf.errs = append(rf.errs, &content.Error{Reason: err.Error()})
}

// apply takes one read into the state the run leads to.
func (rf *runFiles) apply(r *read) {
	rf.sum.Read++
	switch {
	case r.unsettled:
		// Still being written: the last good state keeps serving.
		rf.sum.Unsettled = append(rf.sum.Unsettled, r.entry.Path)
	case r.deferred:
		// Still rendering: the last good state keeps serving.
		rf.sum.Deferred = append(rf.sum.Deferred, r.entry.Path)
	case r.err != nil:
		// The last good state, if any, keeps serving.
		rf.addErr(r.err)
	case r.same:
		rf.sum.Unchanged++
		rf.touched = append(rf.touched, r)
		k := *rf.next[r.entry.Path]
		k.state = stateOf(r.entry, k.state.Kind, r.hash)
		rf.next[r.entry.Path] = &k
	default:
		rf.updated = append(rf.updated, r)
		k := &known{state: stateOf(r.entry, kindOf(r.entry.Kind), r.hash), post: r.post, cat: r.cat, site: r.site, bundle: r.bundle}
		rf.next[r.entry.Path] = k
	}
}

// kept is the updated reads worth storing: a file put back to its last good
// version keeps its stored record; its new bytes are neither rendered nor
// stored.
func (rf *runFiles) kept() []*read {
	kept := rf.updated[:0:0]
	for _, r := range rf.updated {
		if k := rf.next[r.entry.Path]; r.post == nil || (k != nil && k.post == r.post) {
			kept = append(kept, r)
		}
	}
	return kept
}

// dropBodies forgets the bodies of the updated posts once the store holds
// them: memory keeps only what the next run compares.
func (rf *runFiles) dropBodies() {
	for _, r := range rf.updated {
		if k := rf.next[r.entry.Path]; k != nil && k.post != nil {
			k.post.Body = nil
		}
	}
}

// gather scans the folder, or only targets where a targeted run can do,
// reads what changed on the worker pool and applies it to rf.
func (ix *Indexer) gather(ctx context.Context, fsys fs.FS, rf *runFiles, targets []string) error {
	sum := rf.sum
	var toRead []content.Entry
	if targets != nil && ix.last != nil {
		toRead, rf.deleted, rf.files, rf.only, sum.Targeted = ix.scanTargets(ctx, fsys, ix.siteOf(rf.next), targets, sum, &rf.errs)
	}
	if !sum.Targeted {
		var err error
		if toRead, rf.deleted, rf.files, err = ix.scanAll(ctx, fsys, rf.next, sum, rf.apply, &rf.errs); err != nil {
			return err
		}
	}
	sum.Files = len(rf.files)
	reads := make([]*read, len(toRead))
	step := ix.progress.stage(StageRead, len(toRead))
	ix.parallel(ctx, len(toRead), func(i int) {
		reads[i] = ix.readEntry(fsys, toRead[i])
		step()
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	// A run that reads new bytes or deletes a file works posts out: the
	// stored records of the other files are needed, whole before a read
	// is applied.
	if len(rf.deleted) > 0 || slices.ContainsFunc(reads, func(r *read) bool { return !r.same }) {
		if err := ix.decodePending(ctx, rf.next); err != nil {
			return err
		}
	}
	for _, r := range reads {
		if r.refused != nil {
			// As a run that met it while writing remembers it (see
			// errRefused): the next run reports it without rendering.
			if ix.refused == nil {
				ix.refused = map[string]refusal{}
			}
			ix.refused[r.entry.Path] = *r.refused
		}
		rf.apply(r)
	}
	for _, p := range rf.deleted {
		delete(rf.next, p)
	}
	ix.slow.keep(rf.files)
	sum.Deleted = len(rf.deleted)
	return nil
}

// changedPosts counts d's posts into sum and returns the posts whose
// payloads are rebuilt, because any of their inputs changed, and the ids of
// the posts gone.
func (ix *Indexer) changedPosts(d *derived, sum *Summary) (dirty []*content.Post, removed []string) {
	for _, p := range d.posts {
		if ix.fps[p.ID()] != d.fps[p.ID()] {
			dirty = append(dirty, p)
		}
		for l := range p.Files {
			sum.Posts[l]++
		}
		sum.Total++
	}
	for id := range ix.fps {
		if _, ok := d.fps[id]; !ok {
			removed = append(removed, id)
		}
	}
	sort.Strings(removed)
	return dirty, removed
}

// nextWarns is the warnings of every post after a run: a rebuilt post's
// warnings replace its last ones; the others keep theirs.
func (ix *Indexer) nextWarns(dirty []*content.Post, removed []string, rebuilt map[string][]*content.Error) map[string][]*content.Error {
	warns := maps.Clone(ix.warns)
	for _, p := range dirty {
		delete(warns, p.ID())
	}
	for _, id := range removed {
		delete(warns, id)
	}
	for id, ws := range rebuilt {
		warns[id] = ws
	}
	return warns
}

// commitRun stores a run's categories and errors, errs sorted, and commits
// tx: the generation it leads to, whether it changed what is served, and
// the categories with their counts as the commit serves them.
func commitRun(ctx context.Context, tx *store.Tx, cats []store.CategoryRecord, errs []*content.Error, run store.RunInfo) (int64, bool, []site.Category, error) {
	if err := tx.PutCategories(ctx, cats); err != nil {
		return 0, false, nil, err
	}
	if err := tx.SetErrors(ctx, storeErrors(errs)); err != nil {
		return 0, false, nil, err
	}
	infos, err := tx.Categories(ctx)
	if err != nil {
		return 0, false, nil, err
	}
	served, err := site.DecodeCategories(infos)
	if err != nil {
		return 0, false, nil, err
	}
	run.Duration = time.Since(run.At)
	gen, changed, err := tx.Commit(ctx, run)
	return gen, changed, served, err
}

func (ix *Indexer) run(ctx context.Context, start time.Time, targets []string) (Summary, error) {
	ix.runStart = start
	sum := Summary{Posts: map[string]int{}}
	if err := ix.load(ctx); err != nil {
		return sum, err
	}
	root, err := os.OpenRoot(ix.dir)
	if err != nil {
		return sum, err
	}
	defer root.Close()
	fsys := root.FS()

	ix.held = newHeldBodies(filepath.Dir(ix.store.Path()), heldMemBytes)
	defer ix.held.close()
	rf := newRunFiles(&sum, ix.known)
	if err := ix.gather(ctx, fsys, rf, targets); err != nil {
		return sum, err
	}
	site := ix.siteOf(rf.next)
	fileErrs := slices.Clone(rf.errs)
	key := runKey(site, fileErrs)
	if ix.skipUnchanged && ix.last == nil && sum.Read == len(rf.touched) && len(rf.deleted) == 0 {
		if done, err := ix.quietRun(ctx, start, rf, site, key); done || err != nil {
			return sum, err
		}
	}
	if err := ix.decodePending(ctx, rf.next); err != nil {
		return sum, err
	}
	d := ix.derive(site, rf.next, rf.updated, rf.only)
	errs := append(rf.errs, d.errs...)
	dirty, removed := ix.changedPosts(d, &sum)

	tx, err := ix.store.Begin(ctx)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback()
	// Read before the run's transaction, through the readers: runs are
	// serialized, so it is the release this run starts from.
	prev, err := ix.store.Release(ctx)
	if err != nil {
		return sum, err
	}
	b := &builder{ix: ix, fsys: fsys, site: site, cats: d.cats, links: d.links, fps: d.fps, now: start, warns: map[string][]*content.Error{},
		clock: prev.Modified, fresh: prev.Hash == ""}
	if err := b.write(ctx, tx, rf.touched, rf.kept(), rf.deleted, dirty, removed); err != nil {
		if errors.Is(err, errRefused) {
			ix.refuse(b.refused, rf.files)
		}
		return sum, err
	}
	warns := ix.nextWarns(dirty, removed, b.warns)
	for _, ws := range warns {
		errs = append(errs, ws...)
	}
	sortErrors(errs)
	gen, changed, cats, err := commitRun(ctx, tx, categoryRecords(site, d.cats), errs, store.RunInfo{At: start, Key: key})
	if err != nil {
		return sum, err
	}
	rf.dropBodies()
	ix.known, ix.fps, ix.files, ix.fileErrs, ix.last, ix.warns = rf.next, d.fps, rf.files, fileErrs, d, warns
	sum.Rendered, sum.Payloads = b.rendered, b.payloads
	sum.Errors, sum.Generation, sum.Changed = errs, gen, changed
	sum.Languages = site.Languages
	sum.Site = ix.snapshot(gen, rf.next, cats)
	return sum, nil
}

// snapshot is the site of generation gen: site.yaml as the files of next
// have it, its base URL as written, and its categories.
func (ix *Indexer) snapshot(gen int64, files map[string]*known, cats []site.Category) *site.Snapshot {
	s, _ := content.ParseSite(nil)
	if k := files["site.yaml"]; k != nil && k.site != nil {
		s = *k.site
	}
	return site.New(gen, s, cats)
}

// siteOf is the site the files of next describe, its BaseURL the one bundle
// file URLs start with (see SetBaseURL), normalized.
func (ix *Indexer) siteOf(files map[string]*known) content.Site {
	s, _ := content.ParseSite(nil)
	if k := files["site.yaml"]; k != nil && k.site != nil {
		s = *k.site
	}
	if ix.baseURL != "" {
		s.BaseURL = ix.baseURL
	}
	s.BaseURL = bundleBase(s.BaseURL)
	return s
}

// assemble groups the post files into posts. A file whose new version makes
// its post invalid (a title or date removed, a slug now taken) is put back to its
// last good version, so what was served keeps serving.
// only, when not nil, names the post ids to assemble; files of other posts
// are left out.
func (ix *Indexer) assemble(site content.Site, next map[string]*known, updated []*read, only map[string]bool) ([]*content.Post, []*content.Error) {
	posts, errs := ix.assembleFiles(site, next, updated, only)
	attachBundles(posts, next)
	return posts, errs
}

// assembleFiles is assemble without the bundles.
func (ix *Indexer) assembleFiles(site content.Site, next map[string]*known, updated []*read, only map[string]bool) ([]*content.Post, []*content.Error) {
	files := func() []*content.File {
		var out []*content.File
		for _, k := range next {
			if k.post != nil && (only == nil || only[k.post.Category+"/"+k.post.Slug]) {
				out = append(out, k.post)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		return out
	}
	posts, errs := content.Assemble(site, files())
	if len(errs) == 0 {
		return posts, nil
	}
	isUpdated := map[string]bool{}
	for _, r := range updated {
		isUpdated[r.entry.Path] = true
	}
	reverted := false
	for _, e := range errs {
		if !isUpdated[e.Path] {
			continue
		}
		if old := ix.known[e.Path]; old != nil {
			next[e.Path] = old
			reverted = true
		}
	}
	if !reverted {
		return posts, errs
	}
	posts, again := content.Assemble(site, files())
	// Report the errors of the new versions, not the reverted state.
	seen := map[string]bool{}
	for _, e := range errs {
		seen[e.Error()] = true
	}
	for _, e := range again {
		if !seen[e.Error()] {
			errs = append(errs, e)
		}
	}
	return posts, errs
}

func sortErrors(errs []*content.Error) {
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Path != errs[j].Path {
			return errs[i].Path < errs[j].Path
		}
		return errs[i].Line < errs[j].Line
	})
}

func storeErrors(errs []*content.Error) []store.ContentError {
	out := make([]store.ContentError, len(errs))
	for i, e := range errs {
		out[i] = store.ContentError{Path: e.Path, Line: e.Line, Reason: e.Reason, Warning: e.Warning}
	}
	return out
}
