package store

import (
	"context"
	"database/sql"
	"fmt"
)

// schemaVersion is bumped whenever the schema or what geul stores changes; an
// index of another version is dropped and rebuilt from the content files, which
// are the source of truth.
const schemaVersion = 25 // 11: site.yaml's description; 12: bundle files, warnings; 13: the release meta; 14: renders and search text packed; 15: a search document's body read from its file's rendering; 16: the word table's prefix index of one character only; 17: a post file's meta keeps the lines of title and date only; 18: a rendering keeps no html a payload carries; 19: the key of the last complete run (RunInfo.Key); 20: search document ids number days, not seconds; 21: the FTS tables merge 16 segments at a time; 22: a rendering keeps no markdown a payload carries; 23: the FTS tables' crisis merges at 64 segments; 24: Thai, Lao, Tibetan and Myanmar searched as unspaced scripts, the word table's unspaced words cut to their start; 25: the trigram table's tokenizer keeps one trigram of each space (geul_trigram)

var schema = []string{
	`CREATE TABLE files (
		path    TEXT PRIMARY KEY,
		kind    TEXT NOT NULL,           -- post, category, site
		size    INTEGER NOT NULL,
		mtime   INTEGER NOT NULL,        -- unix nanoseconds
		hash    TEXT NOT NULL,
		meta    BLOB NOT NULL            -- parsed front matter / yaml as JSON
	)`,
	// The rendering of each post file, read back when its post is rebuilt
	// while the file did not change. It keeps a file's last good version
	// when its bytes turn bad, which a file serving no payload (a draft, a
	// duplicate's loser) needs when it comes to serve. Apart from files, so
	// that a new process reads every file's state in small rows, not one
	// page per file.
	// Its markdown, html, toc, text and reading minutes in one packed value
	// (see pack.go). The markdown and the html are left out, and read from
	// the payload, when the post's payload in the file's language carries
	// them as they are (FileRecord.InPayload).
	`CREATE TABLE renders (
		path    TEXT PRIMARY KEY,
		data    BLOB NOT NULL
	)`,
	`CREATE TABLE posts (
		id          TEXT PRIMARY KEY,    -- category/slug
		category    TEXT NOT NULL,
		date        TEXT NOT NULL,
		time        INTEGER NOT NULL,    -- unix seconds of date, for ordering
		title       TEXT NOT NULL,       -- default-language title, for sort=title
		langs       TEXT NOT NULL,       -- languages with a body, comma separated
		fingerprint TEXT NOT NULL        -- hash of every input of its payloads
	)`,
	`CREATE INDEX posts_time ON posts(time DESC, id)`,
	`CREATE INDEX posts_category_time ON posts(category, time DESC, id)`,
	// Lists sorted by title, and category counts per language read from an
	// index alone.
	`CREATE INDEX posts_title ON posts(title, id)`,
	`CREATE INDEX posts_category_title ON posts(category, title, id)`,
	`CREATE INDEX posts_category_langs ON posts(category, langs)`,
	// The release hash reads these in order from the indexes alone (see
	// release.go): a tenth of the time of reading the tables' rows.
	`CREATE INDEX files_release ON files(path, hash)`,
	// SQLite reaches a column by walking the row from its start, through the
	// overflow pages of every big value before it: the small columns come
	// first, then the list item, then the forms a request most often reads,
	// the uncompressed body last.
	`CREATE TABLE payloads (
		post_id  TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
		lang     TEXT NOT NULL,
		served   TEXT NOT NULL,          -- the language whose body it carries
		etag     TEXT NOT NULL,
		modified INTEGER NOT NULL,       -- unix seconds when the post's payloads last changed: Last-Modified
		item     BLOB NOT NULL,          -- the list item JSON
		br       BLOB,
		gzip     BLOB,
		body     BLOB,                   -- {"post": {...}}; NULL when gzip holds it
		PRIMARY KEY (post_id, lang)
	)`,
	`CREATE INDEX payloads_release ON payloads(post_id, lang, etag, modified)`,
	`CREATE TABLE post_tags (
		post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
		tag     TEXT NOT NULL,
		PRIMARY KEY (tag, post_id)
	) WITHOUT ROWID`,
	`CREATE INDEX post_tags_post ON post_tags(post_id)`,
	`CREATE TABLE categories (
		slug  TEXT PRIMARY KEY,
		ord   INTEGER NOT NULL,
		data  BLOB NOT NULL              -- name and description maps as JSON
	)`,
	`CREATE TABLE content_errors (
		path    TEXT NOT NULL,
		line    INTEGER NOT NULL,
		reason  TEXT NOT NULL,
		warning INTEGER NOT NULL DEFAULT 0 -- 1: reported, but nothing is held back
	)`,
	// The files of post bundles with their bytes, so that the index alone
	// serves them. A file is served only while its post is (see BundleFile).
	`CREATE TABLE bundle_files (
		path     TEXT PRIMARY KEY,       -- in the content folder
		post_id  TEXT NOT NULL,
		name     TEXT NOT NULL,          -- relative to the bundle folder
		hash     TEXT NOT NULL,          -- hex sha256 of data: the ETag
		type     TEXT NOT NULL,
		size     INTEGER NOT NULL,
		width    INTEGER NOT NULL,
		height   INTEGER NOT NULL,
		modified INTEGER NOT NULL,       -- unix seconds: Last-Modified, kept while hash is
		data     BLOB NOT NULL
	)`,
	`CREATE UNIQUE INDEX bundle_files_name ON bundle_files(post_id, name)`,
	`CREATE TABLE state (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	)`,
	// What the database is as a release: its content hash, build time,
	// release clock and site languages; see release.go.
	`CREATE TABLE meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	)`,
	`CREATE TABLE changes (
		generation INTEGER NOT NULL,
		post_id    TEXT NOT NULL,
		lang       TEXT NOT NULL,
		op         TEXT NOT NULL         -- created, updated, deleted
	)`,
	`CREATE INDEX changes_generation ON changes(generation)`,
	// The searchable text of each post language that has a body. Its id is
	// the rowid of the language's rows in both FTS tables and orders by the
	// post's date (searchID), so a search reads the newest matches first.
	// The FTS tables keep no copy of the text (content=''), and neither does
	// this table of the body: snippets are cut from the rendering of the post
	// file at path (renders), where the text is stored once, compressed with
	// the markdown it comes from.
	`CREATE TABLE search_docs (
		id          INTEGER PRIMARY KEY,
		post_id     TEXT NOT NULL,
		path        TEXT NOT NULL,       -- the post file whose rendering holds the body
		title       TEXT NOT NULL,       -- NFC, as the FTS tables have it
		description TEXT NOT NULL
	)`,
	`CREATE INDEX search_docs_post ON search_docs(post_id)`,
	// Which site languages show a search document: its own, and those whose
	// payload falls back to it. A search filters its matches through it.
	`CREATE TABLE search_serves (
		doc_id   INTEGER NOT NULL,
		lang     TEXT NOT NULL,
		category TEXT NOT NULL,
		PRIMARY KEY (doc_id, lang)
	) WITHOUT ROWID`,
	// Trigram finds Korean inside words; it cannot match under 3 characters,
	// which the word-prefix table below covers. Its tokenizer is geul's
	// (tokenizer.go): of the trigrams across a space, only the one centred
	// on it.
	`CREATE VIRTUAL TABLE search_trigram USING fts5(
		title, description, body,
		tokenize = 'geul_trigram', content = '', contentless_delete = 1
	)`,
	// The word table's prefix index holds one-character prefixes only: a
	// letter or a Hangul syllable starts thousands of words (a, 하: 하는,
	// 하지만, 하나...), too many to merge per query. An index of two-character
	// prefixes too cost 63 of the table's 208 MB at 10,000 posts, and the
	// words a two-character prefix starts merge fast enough without it
	// (BenchmarkSearch on that corpus: every class under 10 ms p50).
	`CREATE VIRTUAL TABLE search_words USING fts5(
		title, description, body,
		tokenize = 'unicode61 remove_diacritics 2', prefix = '1',
		content = '', contentless_delete = 1
	)`,
	// FTS5 writes each commit's documents as a new segment and merges the
	// segments of a level once there are automerge of them, rewriting every
	// entry once per level: at 16 rather than its default of 4 a full index
	// rewrites them fewer times (a whole 2,000-post light index took 0.96
	// of the CPU, six alternating pairs). A search reads at most 15 segments
	// more per level, which BenchmarkSearch holds to its targets.
	`INSERT INTO search_trigram(search_trigram, rank) VALUES('automerge', 16)`,
	`INSERT INTO search_words(search_words, rank) VALUES('automerge', 16)`,
	// A level that reaches crisismerge segments is merged whole at once,
	// within the write that brought the last one; at FTS5's default of 16,
	// the same as automerge, the incremental merges never had the time to
	// start, and each level's whole merge came at once: a light 10,000-post
	// build stalled for seconds on one write (its workers idle behind the
	// writer) and its WAL grew by 150 MB in one save (the WAL's size and
	// the process's CPU sampled every second, once). At 64 the merges are
	// spread over the writes, as automerge means them to be.
	`INSERT INTO search_trigram(search_trigram, rank) VALUES('crisismerge', 64)`,
	`INSERT INTO search_words(search_words, rank) VALUES('crisismerge', 64)`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if v == schemaVersion {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if v != 0 {
		rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY sql LIKE 'CREATE VIRTUAL%' DESC`)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return fmt.Errorf("migrate: %w", err)
			}
			names = append(names, n)
		}
		rows.Close()
		for _, n := range names {
			// Virtual tables come first and take their shadow tables with them.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("DROP TABLE IF EXISTS %q", n)); err != nil {
				return fmt.Errorf("migrate: drop %s: %w", n, err)
			}
		}
	}
	for _, stmt := range schema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return tx.Commit()
}
