package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geul-dev/geul/internal/repr"
)

// FileMeta is what the index remembers of a file: its state and its parsed
// form, without its body and rendering.
type FileMeta struct {
	FileState
	Meta []byte
}

// FileMetas returns what the index remembers of every file: its state, and
// its meta when its kind is among metaKinds (see Metas for the others').
func (s *Store) FileMetas(ctx context.Context, metaKinds ...string) ([]FileMeta, error) {
	q := `SELECT path, kind, size, mtime, hash, CASE WHEN kind IN (` + placeholders(len(metaKinds)) + `) THEN meta END FROM files`
	var out []FileMeta
	err := s.scanMetas(ctx, q, metaKinds, func(rows *sql.Rows) error {
		var f FileMeta
		err := rows.Scan(&f.Path, &f.Kind, &f.Size, &f.MTime, &f.Hash, &f.Meta)
		out = append(out, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("file metas: %w", err)
	}
	return out, nil
}

// Metas returns the meta of every file of the given kinds, by path.
func (s *Store) Metas(ctx context.Context, kinds ...string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.scanMetas(ctx, `SELECT path, meta FROM files WHERE kind IN (`+placeholders(len(kinds))+`)`, kinds, func(rows *sql.Rows) error {
		var (
			path string
			meta []byte
		)
		err := rows.Scan(&path, &meta)
		out[path] = meta
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("metas: %w", err)
	}
	return out, nil
}

// scanMetas runs a query of the files table with kinds as its arguments.
func (s *Store) scanMetas(ctx context.Context, q string, kinds []string, row func(*sql.Rows) error) error {
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = k
	}
	// Through a reader: the writer's larger page cache would keep every page
	// of the table for as long as the process lives.
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// placeholders is n comma-separated SQL parameters.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// FileRecord returns one file's full record as last committed. It reads
// through the reader pool: the indexer calls it while its run's transaction
// holds the only writer connection (to rebuild a post whose neighbours
// changed from its unchanged files), and waiting for that connection would
// never end.
func (s *Store) FileRecord(ctx context.Context, path string) (FileRecord, error) {
	var (
		f      FileRecord
		packed []byte
	)
	// One snapshot: the rendering and the payload it may name.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return f, fmt.Errorf("file %s: %w", path, err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT f.path, f.kind, f.size, f.mtime, f.hash, f.meta, r.data
		FROM files f LEFT JOIN renders r ON r.path = f.path WHERE f.path=?`, path).
		Scan(&f.Path, &f.Kind, &f.Size, &f.MTime, &f.Hash, &f.Meta, &packed)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("file %s: %w", path, ErrNotFound)
	}
	if err == nil && packed != nil {
		err = f.unpackRender(packed)
	}
	if err == nil && f.InPayload.PostID != "" {
		err = fromPayload(ctx, tx, &f)
	}
	if err != nil {
		return f, fmt.Errorf("file %s: %w", path, err)
	}
	if f.TOC == nil {
		f.TOC = []byte("[]")
	}
	return f, nil
}

// fromPayload fills f.Body and f.HTML from the payload its rendering names,
// or sets f.Lost when that payload is gone or carries others.
func fromPayload(ctx context.Context, tx *sql.Tx, f *FileRecord) error {
	var body, gz []byte
	err := tx.QueryRowContext(ctx, `SELECT body, gzip FROM payloads WHERE post_id=? AND lang=?`,
		f.InPayload.PostID, f.InPayload.Lang).Scan(&body, &gz)
	if errors.Is(err, sql.ErrNoRows) {
		f.Lost = true
		return nil
	}
	if err != nil {
		return err
	}
	if body, err = identity(body, gz); err != nil {
		return err
	}
	md, ok := payloadString(body, "content")
	html, ok2 := payloadString(body, "html")
	if !ok || !ok2 || payloadSum(md, html) != f.sum {
		f.Lost = true
		return nil
	}
	f.Body, f.HTML = md, html
	return nil
}

// payloadString returns a string field of the post from a stored payload
// (content or html), without decoding the rest. A payload is api.Encode's
// compact JSON, its post's keys in a fixed order, and before those two only
// objects keyed by language, so the first "key": outside a string is the
// post's: inside a string every quote is escaped. A wrong guess would fail
// the caller's hash check, and the file would be read again.
func payloadString(body []byte, name string) (string, bool) {
	key := `"` + name + `":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return "", false
	}
	open := i + len(key) - 1
	for j := open + 1; j < len(body); j++ {
		k := bytes.IndexByte(body[j:], '"')
		if k < 0 {
			return "", false
		}
		j += k
		escapes := 0
		for b := j - 1; b > open && body[b] == '\\'; b-- {
			escapes++
		}
		if escapes%2 == 0 {
			var v string
			if json.Unmarshal(body[open:j+1], &v) != nil {
				return "", false
			}
			return v, true
		}
	}
	return "", false
}

// Fingerprints returns every post's payload fingerprint, by post id.
func (s *Store) Fingerprints(ctx context.Context) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, fingerprint FROM posts`)
	if err != nil {
		return nil, fmt.Errorf("fingerprints: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, fp string
		if err := rows.Scan(&id, &fp); err != nil {
			return nil, fmt.Errorf("fingerprints: %w", err)
		}
		out[id] = fp
	}
	return out, rows.Err()
}

// StoredPost is a post payload as served: the bytes in the asked encoding (or
// identity when that form is not stored) and validators.
type StoredPost struct {
	ETag     string
	Encoding repr.Encoding
	Lang     string // the language whose body it carries
	Body     []byte
	Modified time.Time
}

// Post returns the stored payload of post id ("category/slug") in lang.
func (s *Store) Post(ctx context.Context, id, lang string, enc repr.Encoding) (StoredPost, error) {
	sp, buf, err := s.post(ctx, id, lang, enc)
	if buf != nil {
		sp.Body = slices.Clone(sp.Body)
		putBuf(buf)
	}
	return sp, err
}

// WithPost calls fn with the stored payload of post id in lang, as Post
// returns it, except that its Body is only valid until fn returns: it may be
// a buffer reused by the next request. The index may move on while fn runs;
// fn gets the payload as it was when read.
func (s *Store) WithPost(ctx context.Context, id, lang string, enc repr.Encoding, fn func(StoredPost) error) error {
	sp, buf, err := s.post(ctx, id, lang, enc)
	if err != nil {
		return err
	}
	if buf != nil {
		defer putBuf(buf)
	}
	return fn(sp)
}

// post reads a payload from the payload cache, else the spill file (then buf
// is the pooled buffer Body is in), else SQLite, filling both.
func (s *Store) post(ctx context.Context, id, lang string, enc repr.Encoding) (sp StoredPost, buf *[]byte, err error) {
	if _, ok := postQueries[enc]; !ok {
		enc = repr.Identity
	}
	key := postKey{id: id, lang: lang, enc: enc}
	s.posts.commit.RLock()
	defer s.posts.commit.RUnlock()
	ver := s.posts.current(ctx)
	if sp, ok := s.posts.get(key, ver); ok {
		return sp, nil, nil
	}
	spill := !s.posts.off.Load()
	if spill {
		if sp, buf, ok := s.spill.get(key, ver); ok {
			return sp, buf, nil
		}
	}
	r, err := s.postsDB.get(ctx)
	if err != nil {
		return StoredPost{}, nil, fmt.Errorf("post %s: %w", id, err)
	}
	// One row of one table, read no further than the asked form.
	sp, modified, err := r.read(id, lang, enc)
	s.postsDB.put(r)
	if err != nil {
		return sp, nil, fmt.Errorf("post %s: %w", id, err)
	}
	sp.Modified = time.Unix(modified, 0).UTC()
	s.posts.put(key, sp, ver)
	if spill {
		s.spill.put(key, sp, ver, s.posts.version.Load())
	}
	return sp, nil, nil
}

// postQueries read a payload in each encoding, the stored form or else the
// identity body, and whether the stored form was there. For Identity the flag
// says the bytes are the gzip form, to be decompressed: the identity body is
// stored only where there is no gzip form. For Brotli, 2 says the bytes are
// the gzip form, to be made the br form (see postReader.read).
var postQueries = map[repr.Encoding]string{
	repr.Identity: `SELECT etag, served, modified, coalesce(body, gzip), body IS NULL FROM payloads WHERE post_id=? AND lang=?`,
	repr.Gzip:     `SELECT etag, served, modified, coalesce(gzip, body), gzip IS NOT NULL FROM payloads WHERE post_id=? AND lang=?`,
	repr.Brotli: `SELECT etag, served, modified, coalesce(br, gzip, body), CASE WHEN br IS NOT NULL THEN 1 WHEN gzip IS NOT NULL THEN 2 ELSE 0 END
		FROM payloads WHERE post_id=? AND lang=?`,
}

// Status is what the index holds.
type Status struct {
	Generation int64
	IndexedAt  time.Time
	Duration   time.Duration
	Total      int            // posts
	Posts      map[string]int // posts with a body, by language
	Errors     []ContentError
}

// Generation returns the current index generation (0 before the first run that changed anything).
func (s *Store) Generation(ctx context.Context) (int64, error) {
	gen, err := stateInt(ctx, s.r, "generation")
	if err != nil {
		return 0, fmt.Errorf("generation: %w", err)
	}
	return gen, nil
}

// Status reports the index's generation, last run, posts per language and errors,
// all read in one snapshot.
func (s *Store) Status(ctx context.Context) (Status, error) {
	st := Status{Posts: map[string]int{}}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, fmt.Errorf("status: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM state`)
	if err != nil {
		return st, fmt.Errorf("status: %w", err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return st, fmt.Errorf("status: %w", err)
		}
		switch k {
		case "generation":
			st.Generation, _ = strconv.ParseInt(v, 10, 64)
		case "indexed_at":
			st.IndexedAt, _ = time.Parse(time.RFC3339Nano, v)
		case "duration_ms":
			ms, _ := strconv.ParseInt(v, 10, 64)
			st.Duration = time.Duration(ms) * time.Millisecond
		}
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT langs FROM posts`)
	if err != nil {
		return st, fmt.Errorf("status: %w", err)
	}
	for rows.Next() {
		var langs string
		if err := rows.Scan(&langs); err != nil {
			rows.Close()
			return st, fmt.Errorf("status: %w", err)
		}
		st.Total++
		for _, l := range strings.Split(langs, ",") {
			if l != "" {
				st.Posts[l]++
			}
		}
	}
	rows.Close()
	if st.Errors, err = contentErrors(ctx, tx, false); err != nil {
		return st, fmt.Errorf("status: %w", err)
	}
	return st, nil
}

// Warnings returns the warnings the last run recorded, for an indexer that
// keeps the warnings of the posts it does not rebuild.
func (s *Store) Warnings(ctx context.Context) ([]ContentError, error) {
	ws, err := contentErrors(ctx, s.r, true)
	if err != nil {
		return nil, fmt.Errorf("warnings: %w", err)
	}
	return ws, nil
}

// contentErrors reads the recorded problems, or only the warnings.
func contentErrors(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, warningsOnly bool) ([]ContentError, error) {
	rows, err := q.QueryContext(ctx, `SELECT path, line, reason, warning FROM content_errors WHERE warning OR NOT ? ORDER BY path, line`, warningsOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ContentError
	for rows.Next() {
		var e ContentError
		if err := rows.Scan(&e.Path, &e.Line, &e.Reason, &e.Warning); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// identity returns a stored payload's identity body: body, or where only the
// gzip form was kept (see PutPost), that form decompressed.
func identity(body, gz []byte) ([]byte, error) {
	if body != nil {
		return body, nil
	}
	return repr.Gunzip(gz)
}
