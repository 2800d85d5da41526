package store

// A release is the index database as a self-contained artifact: everything
// geul serve needs (site settings and languages, categories, payloads, lists,
// search, the feeds' inputs) is in the file, which names itself in the meta
// table, written by Seal after each index run:
//
//   - hash: the release's content hash, sha256 over the recipe below. Built
//     from the same content folder by the same geul, two databases have the
//     same hash, and serve byte-identical answers with the same validators.
//   - built_at: when the release was sealed with this hash (wall clock; not
//     part of the hash).
//   - modified: the release clock, the Last-Modified of every answer that has
//     none of its own (lists, feeds, search), in unix seconds.
//   - languages: the site's languages, the default first.
//
// The hash covers, in this order: the recipe's version, the schema version,
// the site's languages, every content file's path and sha256 (site.yaml and
// the _category.yaml files included), the content errors, the categories as
// stored, every payload's post, language, ETag and Last-Modified, and every
// bundle file's path and Last-Modified (its ETag is its file's sha256). The
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
// A bundle file's Last-Modified is set when its bytes are stored, by the same
// rule: its post's Last-Modified when the run rebuilds the post, else the
// previous release clock + 1s (in a database built from nothing, the release
// clock); a run that finds its bytes unchanged keeps it.
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
	"database/sql/driver"
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
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// releaseRecipe versions the recipe of the content hash.
const releaseRecipe = "geul-release/2"

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

// Seal records the release the index holds now, with the site's languages
// (the default first): its hash, its clock and, when the hash moved, builtAt.
// Call it after every index run (geul index and geul serve do): a run's
// commit does not, so that a save under the watcher is served without
// waiting for the hash, which reads a row per file and per payload (tens of
// milliseconds at 10,000 posts). A run that finds no sealed release builds
// as from nothing; see the top of this file.
func (s *Store) Seal(ctx context.Context, langs []string, builtAt time.Time) (Release, error) {
	if s.w == nil {
		return Release{}, fmt.Errorf("seal release: %w", ErrReadOnly)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return Release{}, fmt.Errorf("seal release: %w", err)
	}
	defer tx.Rollback()
	if err := sealTx(ctx, tx, langs, builtAt); err != nil {
		return Release{}, fmt.Errorf("seal release: %w", err)
	}
	rel, err := readRelease(ctx, tx)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return Release{}, fmt.Errorf("seal release: %w", err)
	}
	return rel, nil
}

func sealTx(ctx context.Context, tx *sql.Tx, langs []string, builtAt time.Time) error {
	prev, err := readRelease(ctx, tx)
	if err != nil {
		return err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\nschema %d\nlanguages %s\n", releaseRecipe, schemaVersion, strings.Join(langs, ","))
	for _, q := range releaseInputs {
		if err := hashRows(ctx, tx, h, q); err != nil {
			return err
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	var newest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(modified) FROM payloads`).Scan(&newest); err != nil {
		return err
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, k, v); err != nil {
			return err
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
	`SELECT 'bundle', path, modified FROM bundle_files ORDER BY path`,
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

// errOtherRelease fails a connection that found another release at the
// path than the store's first connection did.
var errOtherRelease = errors.New("another release was renamed over the file")

// OpenReadOnly opens the release at path for serving only: SQLite opens it
// read-only and immutable (mode=ro&immutable=1), so it takes no locks, reads
// no WAL and creates no -wal or -shm file; the file may sit on a read-only
// volume. The file must never change while it is open: a new release
// replaces it by a rename (see Publish).
//
// A store must keep reading the file it opened, whatever is renamed onto its
// path later, and SQLite opens files by name (it resolves even
// /proc/self/fd links back to one). So every connection is opened now, and
// the path is checked to name the same file before and after; the pools
// never close one (no lifetime, as many idle as open). A connection the
// driver opens again after an error checks that it reads the same release,
// and fails rather than serve another.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	var err error
	for range 3 {
		var st *Store
		st, err = openReadOnlyOnce(ctx, path)
		if !errors.Is(err, errOtherRelease) {
			return st, err
		}
	}
	return nil, err
}

func openReadOnlyOnce(ctx context.Context, path string) (*Store, error) {
	before, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open release %s: %w", path, err)
	}
	rp := url.Values{}
	rp.Set("mode", "ro")
	rp.Set("immutable", "1")
	rp.Set("_query_only", "1")
	rp.Set("_cache_size", "-2000")
	rp.Set("_stmt_cache_size", "64")
	st, err := openReaders(ctx, dsn(path, rp))
	if err != nil {
		return nil, fmt.Errorf("open release %s: %w", path, err)
	}
	if after, err := os.Stat(path); err != nil || !os.SameFile(before, after) {
		st.Close()
		return nil, fmt.Errorf("open release %s: %w", path, errOtherRelease)
	}
	return st, nil
}

// releaseCheck is a driver whose connections must all read one release: the
// first connection's hash is the one the others must find.
type releaseCheck struct {
	mu   sync.Mutex
	hash string
	set  bool
}

func (rc *releaseCheck) driver() *sqlite3.SQLiteDriver {
	return &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if err := registerFuncs(c); err != nil {
			return err
		}
		h, err := connHash(c)
		if err != nil {
			return err
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if !rc.set {
			rc.hash, rc.set = h, true
		} else if h != rc.hash {
			return errOtherRelease
		}
		return nil
	}}
}

// connHash reads the release hash through a driver connection.
func connHash(c *sqlite3.SQLiteConn) (string, error) {
	rows, err := c.Query(`SELECT coalesce((SELECT value FROM meta WHERE key='hash'), '')`, nil)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if err := rows.Next(dest); err != nil {
		return "", err
	}
	switch v := dest[0].(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("release hash of type %T", dest[0])
}

// connector opens connections of dsn through d, for sql.OpenDB.
type connector struct {
	dsn string
	d   *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.d.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return keptConn{conn.(*sqlite3.SQLiteConn)}, nil
}

func (c connector) Driver() driver.Driver { return c.d }

// keptConn is a connection database/sql keeps when a transaction's context
// ends before the transaction does (a client gone, a request timed out):
// without SessionResetter and Validator it closes such a connection, and a
// store whose file was deleted can open no other (see faults.go), so its
// requests would fail one abandoned read after another.
type keptConn struct{ *sqlite3.SQLiteConn }

// ResetSession has nothing to reset: geul sets no per-session state.
func (keptConn) ResetSession(context.Context) error { return nil }

// IsValid keeps a connection that is out of any transaction, as it is once
// database/sql has rolled back the abandoned one.
func (c keptConn) IsValid() bool { return c.AutoCommit() }

// openReaders opens a store without a writer over dsn, every connection of
// it open already, and checks that its schema is the one this geul reads.
func openReaders(ctx context.Context, dsn string) (*Store, error) {
	rc := &releaseCheck{}
	d := rc.driver()
	n := max(4, 2*runtime.NumCPU())
	r := sql.OpenDB(connector{dsn, d})
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	dv := sql.OpenDB(connector{dsn, d})
	dv.SetMaxOpenConns(1)
	dv.SetMaxIdleConns(1)
	// A release may sit on a read-only volume: its spill file goes to the temp folder.
	st := &Store{r: r, posts: newPostCache(dv, DefaultPostCacheBytes), postsDB: newPostReaders(dsn, n),
		spill: newPostSpill(os.TempDir(), DefaultPostSpillBytes)}
	st.postsDB.drv = d
	if err := st.fill(ctx, n); err != nil {
		st.Close()
		return nil, err
	}
	var v int
	if err := r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		st.Close()
		return nil, err
	}
	if v != schemaVersion {
		st.Close()
		return nil, fmt.Errorf("schema version %d, this geul reads %d: build the release with this geul", v, schemaVersion)
	}
	return st, nil
}

// fill opens n connections of each pool of a read-only store now.
func (s *Store) fill(ctx context.Context, n int) error {
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close() // back to the pool, which keeps it
		}
	}()
	for _, db := range []*sql.DB{s.r, s.posts.dv} {
		k := n
		if db == s.posts.dv {
			k = 1
		}
		for range k {
			c, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			conns = append(conns, c)
		}
	}
	var prs []*postReader
	defer func() {
		for _, pr := range prs {
			s.postsDB.put(pr)
		}
	}()
	for range n {
		pr, err := s.postsDB.get(ctx)
		if err != nil {
			return err
		}
		prs = append(prs, pr)
	}
	return nil
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
