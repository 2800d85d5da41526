package store

// A release is the index database as a self-contained artifact: everything
// geul serve needs (site settings and languages, categories, payloads, lists,
// search, the feeds' inputs) is in the file, which names itself in the meta
// table:
//
//   - hash: the release's content hash, sha256 over the recipe below. Built
//     from the same content folder by the same geul, two databases have the
//     same hash, and serve byte-identical answers with the same validators.
//   - built_at: when the run that made this release committed (wall clock;
//     not part of the hash).
//   - modified: the release clock, the Last-Modified of every answer that has
//     none of its own (lists, feeds, search), in unix seconds.
//   - languages: the site's languages, the default first.
//
// The hash covers, in this order: the recipe's version, the schema version,
// the site's languages, every content file's path and sha256 (site.yaml and
// the _category.yaml files included), the content errors, the categories as
// stored, and every payload's post, language, ETag and Last-Modified. The
// payloads' ETags make it name what is served, renderer changes included, not
// only the content it came from.
//
// Last-Modified. A post's Last-Modified must be the same in every copy of a
// release and must move forward whenever its payload changes, and neither the
// clock of the machine that indexed nor the files' times (a git checkout sets
// them to the checkout's time) may enter it. No function of the content alone
// does both (an edit that leaves date and updated alone would keep it), so it
// comes from the release clock, a logical clock that only the content moves:
//
//   - A database built from nothing gives each post max(date, updated), and
//     the release clock is the largest of them: two builds of the same content
//     agree to the second.
//   - A run over an existing database gives each post whose payload changed
//     max(date, updated, previous release clock + 1s), and moves the clock
//     to the largest Last-Modified when the hash changed. An edit therefore
//     always moves its post's Last-Modified past every value served before.
//
// So a database built incrementally (geul serve --watch, then --publish)
// carries the Last-Modified values of its history, and a fresh build of the
// same content may differ from it in those values (and so in hash); copies of
// one release never differ. Conditional requests compare ETags first in any
// case.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// releaseRecipe versions the recipe of the content hash.
const releaseRecipe = "geul-release/1"

// Release names the release a database holds.
type Release struct {
	Hash      string    // hex sha256; "" before the first run
	BuiltAt   time.Time // when it was built
	Modified  time.Time // the release clock: Last-Modified of answers without their own
	Languages []string  // the site's languages, the default first
}

// Short is the hash's first 12 hex digits: enough to tell releases apart in
// file names and logs.
func (r Release) Short() string {
	if len(r.Hash) < 12 {
		return r.Hash
	}
	return r.Hash[:12]
}

// Release returns the release the database holds; a zero Release before the
// first run.
func (s *Store) Release(ctx context.Context) (Release, error) {
	rel, err := readRelease(ctx, s.r)
	if err != nil {
		return rel, fmt.Errorf("release: %w", err)
	}
	return rel, nil
}

func readRelease(ctx context.Context, q querier) (Release, error) {
	var rel Release
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM meta`)
	if err != nil {
		return rel, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return rel, err
		}
		switch k {
		case "hash":
			rel.Hash = v
		case "built_at":
			rel.BuiltAt, _ = time.Parse(time.RFC3339Nano, v)
		case "modified":
			n, _ := strconv.ParseInt(v, 10, 64)
			rel.Modified = time.Unix(n, 0).UTC()
		case "languages":
			if v != "" {
				rel.Languages = strings.Split(v, ",")
			}
		}
	}
	return rel, rows.Err()
}

// writeRelease records the release the transaction leaves, just before it
// commits: see the top of this file.
func (t *Tx) writeRelease(ctx context.Context, langs []string, builtAt time.Time) error {
	prev, err := readRelease(ctx, t.tx)
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\nschema %d\nlanguages %s\n", releaseRecipe, schemaVersion, strings.Join(langs, ","))
	for _, q := range releaseInputs {
		if err := hashRows(ctx, t.tx, h, q); err != nil {
			return fmt.Errorf("release: %w", err)
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	var newest sql.NullInt64
	if err := t.tx.QueryRowContext(ctx, `SELECT max(modified) FROM posts`).Scan(&newest); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	clock := prev.Modified.Unix()
	switch {
	case prev.Hash == "":
		clock = newest.Int64
	case prev.Hash != sum:
		clock = max(newest.Int64, clock+1)
	}
	kv := map[string]string{
		"hash":      sum,
		"modified":  strconv.FormatInt(clock, 10),
		"languages": strings.Join(langs, ","),
		"schema":    strconv.Itoa(schemaVersion),
	}
	if prev.Hash != sum {
		kv["built_at"] = builtAt.UTC().Format(time.RFC3339Nano)
	}
	for k, v := range kv {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, k, v); err != nil {
			return fmt.Errorf("release: %w", err)
		}
	}
	return nil
}

// releaseInputs are the queries whose rows, in order, make the content hash.
// Each has a stable order and reads small columns only.
var releaseInputs = []string{
	`SELECT 'file', path, hash FROM files ORDER BY path`,
	`SELECT 'error', path, line, reason FROM content_errors ORDER BY path, line, reason`,
	`SELECT 'category', slug, ord, data FROM categories ORDER BY slug`,
	`SELECT 'payload', post_id, lang, etag, modified FROM payloads ORDER BY post_id, lang`,
}

// hashRows writes every row of q to h, fields separated by NUL and rows by
// a newline: no value of these columns holds either.
func hashRows(ctx context.Context, q querier, h hash.Hash, query string) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if i > 0 {
				_, _ = h.Write([]byte{0})
			}
			_, _ = h.Write(v)
		}
		_, _ = io.WriteString(h, "\n")
	}
	return rows.Err()
}

// ErrReadOnly is returned by what would write to a store opened with
// OpenReadOnly.
var ErrReadOnly = errors.New("store is read-only")

// OpenReadOnly opens the release at path for serving only: SQLite opens it
// read-only and immutable (mode=ro&immutable=1), so it takes no locks, reads
// no WAL and creates no -wal or -shm file; the file may sit on a read-only
// volume. The file must never change while it is open: a new release
// replaces it by a rename (see Publish), and a store keeps reading the file
// it opened, whatever path names it afterwards.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open release %s: %w", path, err)
	}
	// Every connection, opened now or later, must read the same file: one
	// opened later by path could find the next release renamed over it.
	// On Linux each connection opens the file this descriptor holds.
	target := path
	if runtime.GOOS == "linux" {
		if p := fmt.Sprintf("/proc/self/fd/%d", f.Fd()); fileExists(p) {
			target = p
		}
	}
	rp := url.Values{}
	rp.Set("mode", "ro")
	rp.Set("immutable", "1")
	rp.Set("_query_only", "1")
	rp.Set("_cache_size", "-2000")
	rp.Set("_stmt_cache_size", "64")
	st, err := openReaders(ctx, dsn(target, rp))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open release %s: %w", path, err)
	}
	st.file = f
	return st, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// openReaders opens a store without a writer over dsn, and checks that its
// schema is the one this geul reads.
func openReaders(ctx context.Context, dsn string) (*Store, error) {
	r, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	var v int
	if err := r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		r.Close()
		return nil, err
	}
	if v != schemaVersion {
		r.Close()
		return nil, fmt.Errorf("schema version %d, this geul reads %d: build the release with this geul", v, schemaVersion)
	}
	dv, err := sql.Open("sqlite3", dsn)
	if err != nil {
		r.Close()
		return nil, err
	}
	dv.SetMaxOpenConns(1)
	dv.SetMaxIdleConns(1)
	dv.SetConnMaxLifetime(0)
	return &Store{r: r, posts: newPostCache(dv, DefaultPostCacheBytes), postsDB: newPostReaders(dsn, n)}, nil
}

// ReadOnly reports whether the store was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.w == nil }

// PostTags returns every post's tags, sorted, by post id; a post without tags
// has an empty list.
func (s *Store) PostTags(ctx context.Context) (map[string][]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, t.tag FROM posts p LEFT JOIN post_tags t ON t.post_id = p.id ORDER BY p.id, t.tag`)
	if err != nil {
		return nil, fmt.Errorf("post tags: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id string
		var tag sql.NullString
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, fmt.Errorf("post tags: %w", err)
		}
		if tag.Valid {
			out[id] = append(out[id], tag.String)
		} else {
			out[id] = nil
		}
	}
	return out, rows.Err()
}
