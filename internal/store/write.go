package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FileState is what the index remembers of a file to skip it when unchanged.
type FileState struct {
	Path  string
	Kind  string
	Size  int64
	MTime int64 // unix nanoseconds
	Hash  string
}

// FileRecord is one indexed content file: a post file with its rendering, or a
// category or site file with its parsed form in Meta.
type FileRecord struct {
	FileState
	Meta    []byte // JSON
	Body    string
	HTML    string
	TOC     []byte // JSON
	Text    string // NFC once stored (see Pack)
	Minutes int

	// InPayload names the payload that carries Body and HTML as they are,
	// when one does: the payload of the file's post in the file's own
	// language, whose links were not rewritten. The rendering then keeps a
	// hash of the two rather than the two, which the index would otherwise
	// store twice, and FileRecord reads them back from that payload.
	InPayload PayloadRef
	// Lost is set by FileRecord when the rendering kept no body and html
	// and the payload it names no longer carries them (the post changed
	// since): Body and HTML are empty, and the caller reads the file again.
	Lost bool

	packed []byte // the rendering as stored; see Pack
	sum    string // see payloadSum, when InPayload is set
}

// PayloadRef names a post's payload in one language.
type PayloadRef struct {
	PostID, Lang string
}

// PostRecord is one post's row with its payloads, one per site language.
type PostRecord struct {
	ID, Category, Slug string
	Date               string
	Time               time.Time // the post's date
	Modified           time.Time // when its payloads last changed
	Title              string
	Langs              []string
	Fingerprint        string
	Tags               []string
	Payloads           []Payload
	Search             []SearchDoc
}

// Payload is the finished response of one post in one language.
type Payload struct {
	Lang   string
	Served string // the language whose body it carries: Lang, or a fallback
	ETag   string
	Body   []byte
	Gzip   []byte // nil when not worth compressing
	Br     []byte
	Item   []byte
}

// SearchDoc is the searchable text of one language of a post.
type SearchDoc struct {
	Lang, Title, Description string
	// Body is the Text of the rendering of the post file at Path, which the
	// same run stores (PutFile) or stored before: search snippets are cut
	// from that rendering, so the body is not stored twice.
	Body, Path string

	prepared *preparedDoc // see Prepare
}

// CategoryRecord is a category as the index keeps it.
type CategoryRecord struct {
	Slug  string
	Order int
	Data  []byte // JSON: {"name": {...}, "description": {...}}
}

// ContentError is a problem with one content file.
type ContentError struct {
	Path   string
	Line   int
	Reason string
	// Warning marks a problem that holds nothing back (a post's reference to
	// a file that is not in its bundle).
	Warning bool
}

// Tx is one index run's write transaction. Nothing it writes is visible to
// readers until Commit.
type Tx struct {
	tx      *sql.Tx
	changes int
	gen     int64
	keep    int64 // generations of changes kept

	stmts map[string]*sql.Stmt                         // prepared once per run; see exec
	posts *postCache                                   // told of the commit
	w     *sql.DB                                      // the writer, for Save
	ctx   context.Context                              // Begin's: it bounds every transaction Save begins
	fold  func(ctx context.Context, mode string) error // Store.foldWAL
	// folder runs Save's checkpoints, made by the first Save.
	newFolder func(unsynced bool) *walFolder
	folder    *walFolder
	// path is the database file's; mark is set once a Save has had the
	// writer stop waiting for the disk (see unsyncedSuffix).
	path string
	mark *unsyncedMark

	lastKey string // see LastRunKey
}

// exec runs q through a statement prepared once per transaction: database/sql
// would otherwise prepare and finalize it on every call, and a full index runs
// the same few statements hundreds of thousands of times.
//
// Each statement is short, so cancellation is checked between statements: the
// driver runs a statement under a cancellable context on a goroutine of its
// own, which costs more than the statement itself.
func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(context.WithoutCancel(ctx), args...)
}

func (t *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st := t.stmts[q]; st != nil {
		return st, nil
	}
	st, err := t.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st
	return st, nil
}

// langs returns the languages a post has payloads in.
func (t *Tx) langs(ctx context.Context, id string) ([]string, error) {
	st, err := t.stmt(ctx, `SELECT lang FROM payloads WHERE post_id=?`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Begin starts a write transaction on the single writer connection.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	if s.w == nil {
		return nil, fmt.Errorf("begin: %w", ErrReadOnly)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	gen, err := stateInt(ctx, tx, "generation")
	var key string
	if err == nil {
		err = tx.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM state WHERE key=?), '')`, runKeyState).Scan(&key)
	}
	if err == nil {
		// Whatever this transaction saves before its Commit is part of a
		// run, not a finished one (see Save).
		_, err = tx.ExecContext(ctx, `DELETE FROM state WHERE key=?`, runKeyState)
	}
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{tx: tx, gen: gen + 1, keep: s.keepGenerations(), posts: s.posts, w: s.w, ctx: ctx, fold: s.foldWAL, newFolder: s.newFolder, path: s.path, lastKey: key}, nil
}

// Save commits what the transaction wrote so far and goes on in a new one,
// and has the WAL folded into the database file (see walFolder): a long
// first build keeps its work if it is stopped, and its WAL stays within
// about maxWALBytes rather than the size of the whole index. Readers see
// the saved rows, so a run saves only while building a database nothing
// has been served from yet. The generation and run state are written by
// Commit alone.
func (t *Tx) Save(ctx context.Context) error {
	for _, st := range t.stmts {
		st.Close()
	}
	t.stmts = nil
	t.posts.commit.Lock()
	err := t.tx.Commit()
	t.posts.moved()
	t.posts.commit.Unlock()
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	if t.folder == nil {
		if err := t.skipSyncs(ctx); err != nil {
			return fmt.Errorf("save: %w", err)
		}
		t.folder = t.newFolder(t.mark != nil)
	}
	if err := t.folder.fold(func() error { return t.fold(ctx, "TRUNCATE") }); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	tx, err := t.w.BeginTx(t.ctx, nil)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	t.tx = tx
	return nil
}

// skipSyncs has the writer stop waiting for the disk, the mark of it
// written first (see unsyncedSuffix). Only Save calls it: a database that is
// saved is one nothing is served from yet.
func (t *Tx) skipSyncs(ctx context.Context) error {
	mark, err := markUnsynced(t.path)
	if err != nil || mark == nil {
		return err
	}
	if _, err := t.w.ExecContext(ctx, "PRAGMA synchronous="+syncOff); err != nil {
		return errors.Join(err, mark.release())
	}
	t.mark = mark
	return nil
}

// syncSaved ends what skipSyncs started: the writer waits for the disk
// again, and what was written is synced and the mark removed.
func (t *Tx) syncSaved() error {
	mark := t.mark
	if mark == nil {
		return nil
	}
	t.mark = nil
	_, err := t.w.ExecContext(context.WithoutCancel(t.ctx), "PRAGMA synchronous="+syncOn)
	return errors.Join(err, mark.release())
}

// LastRunKey is the key the last complete run committed with (RunInfo.Key),
// as the transaction found it: empty when a run stopped after a Save since.
func (t *Tx) LastRunKey() string { return t.lastKey }

// Rollback abandons the transaction; after Commit it does nothing.
func (t *Tx) Rollback() error {
	err := errors.Join(t.tx.Rollback(), t.closeFolder())
	return errors.Join(err, t.syncSaved())
}

// closeFolder waits for the folder's checkpoint under way, if any.
func (t *Tx) closeFolder() error {
	if t.folder == nil {
		return nil
	}
	err := t.folder.close()
	t.folder = nil
	return err
}

// Commit makes the run visible. If any post changed, the index generation moves
// to the next number, which Commit returns along with whether it moved.
func (t *Tx) Commit(ctx context.Context, run RunInfo) (gen int64, changed bool, err error) {
	defer func() {
		if serr := t.syncSaved(); serr != nil && err == nil {
			err = fmt.Errorf("commit: %w", serr)
		}
	}()
	if err := t.closeFolder(); err != nil {
		t.tx.Rollback()
		return 0, false, fmt.Errorf("commit: %w", err)
	}
	gen = t.gen - 1
	changed = t.changes > 0
	if changed {
		gen = t.gen
	}
	kv := map[string]string{
		"generation":  strconv.FormatInt(gen, 10),
		"indexed_at":  run.At.UTC().Format(time.RFC3339Nano),
		"duration_ms": strconv.FormatInt(run.Duration.Milliseconds(), 10),
		runKeyState:   run.Key,
	}
	for k, v := range kv {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, k, v); err != nil {
			t.tx.Rollback()
			return 0, false, fmt.Errorf("commit: %w", err)
		}
	}
	if changed {
		if err := t.pruneChanges(ctx, gen); err != nil {
			t.tx.Rollback()
			return 0, false, fmt.Errorf("commit: %w", err)
		}
	}
	t.posts.commit.Lock()
	err = t.tx.Commit()
	t.posts.moved()
	t.posts.commit.Unlock()
	if err != nil {
		return 0, false, fmt.Errorf("commit: %w", err)
	}
	return gen, changed, nil
}

// RunInfo describes an index run for the state table.
type RunInfo struct {
	At       time.Time
	Duration time.Duration
	// Key is what the run's caller needs to know, in a later process, that
	// a run over the same files would change nothing (see Tx.LastRunKey).
	// Begin clears the stored one, so a run stopped after a Save leaves none.
	Key string
}

// runKeyState is the state key of RunInfo.Key.
const runKeyState = "run_key"

// PutFile inserts or replaces a file's record, with its rendering when it is
// a post file.
func (t *Tx) PutFile(ctx context.Context, f FileRecord) error {
	_, err := t.exec(ctx, `INSERT OR REPLACE INTO files(path, kind, size, mtime, hash, meta) VALUES(?,?,?,?,?,?)`,
		f.Path, f.Kind, f.Size, f.MTime, f.Hash, f.Meta)
	if err == nil && f.Kind == "post" {
		err = t.putRendering(ctx, &f)
	}
	if err != nil {
		return fmt.Errorf("put file %s: %w", f.Path, err)
	}
	return nil
}

// PutRendering replaces a post file's rendering alone, the file's row as
// it is.
func (t *Tx) PutRendering(ctx context.Context, f FileRecord) error {
	if err := t.putRendering(ctx, &f); err != nil {
		return fmt.Errorf("put rendering %s: %w", f.Path, err)
	}
	return nil
}

func (t *Tx) putRendering(ctx context.Context, f *FileRecord) error {
	f.Pack()
	_, err := t.exec(ctx, `INSERT OR REPLACE INTO renders(path, data) VALUES(?,?)`, f.Path, f.packed)
	return err
}

// TouchFile records new stat data for a file whose bytes did not change.
func (t *Tx) TouchFile(ctx context.Context, path string, size, mtime int64) error {
	if _, err := t.exec(ctx, `UPDATE files SET size=?, mtime=? WHERE path=?`, size, mtime, path); err != nil {
		return fmt.Errorf("touch file %s: %w", path, err)
	}
	return nil
}

// DeleteFile forgets a file.
func (t *Tx) DeleteFile(ctx context.Context, path string) error {
	for _, q := range []string{`DELETE FROM files WHERE path=?`, `DELETE FROM renders WHERE path=?`, `DELETE FROM bundle_files WHERE path=?`} {
		if _, err := t.exec(ctx, q, path); err != nil {
			return fmt.Errorf("delete file %s: %w", path, err)
		}
	}
	return nil
}

// PutPost inserts or replaces a post with its payloads, tags and search text,
// recording which of its languages were created or updated.
func (t *Tx) PutPost(ctx context.Context, p PostRecord) error {
	langs, err := t.langs(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("put post %s: %w", p.ID, err)
	}
	old := map[string]bool{}
	for _, l := range langs {
		old[l] = true
	}
	// A post has a payload per site language, so one without any is new and
	// has nothing to delete.
	if len(langs) > 0 {
		if err := t.deletePostRows(ctx, p.ID); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, `INSERT INTO posts(id, category, date, time, title, langs, fingerprint) VALUES(?,?,?,?,?,?,?)`,
		p.ID, p.Category, p.Date, p.Time.Unix(), p.Title, strings.Join(p.Langs, ","), p.Fingerprint); err != nil {
		return fmt.Errorf("put post %s: %w", p.ID, err)
	}
	for _, pl := range p.Payloads {
		// The identity body is kept only where it has no gzip form: a full
		// index writes a third less, and an identity request, rare beside
		// gzip and br ones, is answered by decompressing (see identity).
		body := pl.Body
		if pl.Gzip != nil {
			body = nil
		}
		if _, err := t.exec(ctx, `INSERT INTO payloads(post_id, lang, served, etag, modified, item, br, gzip, body) VALUES(?,?,?,?,?,?,?,?,?)`,
			p.ID, pl.Lang, pl.Served, pl.ETag, p.Modified.Unix(), pl.Item, pl.Br, pl.Gzip, body); err != nil {
			return fmt.Errorf("put post %s: %w", p.ID, err)
		}
		op := OpCreated
		if old[pl.Lang] {
			op = OpUpdated
			delete(old, pl.Lang)
		}
		if err := t.change(ctx, p.ID, pl.Lang, op); err != nil {
			return err
		}
	}
	for l := range old {
		if err := t.change(ctx, p.ID, l, OpDeleted); err != nil {
			return err
		}
	}
	for _, tag := range p.Tags {
		if _, err := t.exec(ctx, `INSERT OR IGNORE INTO post_tags(post_id, tag) VALUES(?,?)`, p.ID, tag); err != nil {
			return fmt.Errorf("put post %s: %w", p.ID, err)
		}
	}
	if err := t.putSearch(ctx, p); err != nil {
		return fmt.Errorf("put post %s: %w", p.ID, err)
	}
	return nil
}

// DeletePost removes a post and everything derived from it.
func (t *Tx) DeletePost(ctx context.Context, id string) error {
	langs, err := t.langs(ctx, id)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", id, err)
	}
	for _, l := range langs {
		if err := t.change(ctx, id, l, OpDeleted); err != nil {
			return err
		}
	}
	return t.deletePostRows(ctx, id)
}

func (t *Tx) deletePostRows(ctx context.Context, id string) error {
	// FTS5 finds a row fast only by rowid: a WHERE on an UNINDEXED column
	// scans the whole table, which made every rebuilt post cost a pass over
	// the search index.
	st, err := t.stmt(ctx, `SELECT id FROM search_docs WHERE post_id=?`)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", id, err)
	}
	rows, err := st.QueryContext(ctx, id)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", id, err)
	}
	var rowids []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return fmt.Errorf("delete post %s: %w", id, err)
		}
		rowids = append(rowids, r)
	}
	rows.Close()
	for _, r := range rowids {
		for _, q := range []string{
			`DELETE FROM search_trigram WHERE rowid=?`,
			`DELETE FROM search_words WHERE rowid=?`,
			`DELETE FROM search_serves WHERE doc_id=?`,
		} {
			if _, err := t.exec(ctx, q, r); err != nil {
				return fmt.Errorf("delete post %s: %w", id, err)
			}
		}
	}
	for _, q := range []string{
		`DELETE FROM search_docs WHERE post_id=?`,
		`DELETE FROM payloads WHERE post_id=?`,
		`DELETE FROM post_tags WHERE post_id=?`,
		`DELETE FROM posts WHERE id=?`,
	} {
		if _, err := t.exec(ctx, q, id); err != nil {
			return fmt.Errorf("delete post %s: %w", id, err)
		}
	}
	return nil
}

func (t *Tx) change(ctx context.Context, id, lang, op string) error {
	t.changes++
	if _, err := t.exec(ctx, `INSERT INTO changes(generation, post_id, lang, op) VALUES(?,?,?,?)`, t.gen, id, lang, op); err != nil {
		return fmt.Errorf("record change %s: %w", id, err)
	}
	return nil
}

// PutCategories replaces the category table.
func (t *Tx) PutCategories(ctx context.Context, cats []CategoryRecord) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM categories`); err != nil {
		return fmt.Errorf("put categories: %w", err)
	}
	for _, c := range cats {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO categories(slug, ord, data) VALUES(?,?,?)`, c.Slug, c.Order, c.Data); err != nil {
			return fmt.Errorf("put categories: %w", err)
		}
	}
	return nil
}

// SetErrors replaces the list of content errors.
func (t *Tx) SetErrors(ctx context.Context, errs []ContentError) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM content_errors`); err != nil {
		return fmt.Errorf("set errors: %w", err)
	}
	for _, e := range errs {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO content_errors(path, line, reason, warning) VALUES(?,?,?,?)`, e.Path, e.Line, e.Reason, e.Warning); err != nil {
			return fmt.Errorf("set errors: %w", err)
		}
	}
	return nil
}
