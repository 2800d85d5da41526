package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// FeedPost is one post of a feed: its row and its stored payload in the
// feed's language.
type FeedPost struct {
	ID    string   // category/slug
	Langs []string // languages with a body
	// Body is the stored payload {"post": {...}} in the feed's language,
	// uncompressed.
	Body []byte
}

// Feed is the newest posts with a body in one language.
type Feed struct {
	// Generation is the index generation the posts were read at.
	Generation int64
	Posts      []FeedPost
}

// Feed returns the newest limit posts that have a body in lang, newest first
// (the order of GET /posts), read in one snapshot with the generation. Posts
// served in lang only through the default language's fallback are left out:
// a feed declares one language, and its entries are written in it.
func (s *Store) Feed(ctx context.Context, lang string, limit int) (Feed, error) {
	var f Feed
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if f.Generation, err = stateInt(ctx, tx, "generation"); err != nil {
			return err
		}
		// Walks posts_time newest first and stops after limit matches, so
		// the cost is limit payloads whatever the size of the index.
		rows, err := tx.QueryContext(ctx, `SELECT p.id, p.langs, pl.body, pl.gzip
			FROM posts p JOIN payloads pl ON pl.post_id = p.id AND pl.lang = ?1
			WHERE instr(',' || p.langs || ',', ',' || ?1 || ',') > 0
			ORDER BY p.time DESC, p.id LIMIT ?2`, lang, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		f.Posts = make([]FeedPost, 0, limit)
		for rows.Next() {
			var fp FeedPost
			var langs string
			var body, gz []byte
			if err := rows.Scan(&fp.ID, &langs, &body, &gz); err != nil {
				return err
			}
			if fp.Body, err = identity(body, gz); err != nil {
				return fmt.Errorf("post %s: %w", fp.ID, err)
			}
			fp.Langs = splitLangs(langs)
			f.Posts = append(f.Posts, fp)
		}
		return rows.Err()
	})
	if err != nil {
		return f, fmt.Errorf("feed %s: %w", lang, err)
	}
	return f, nil
}

// SitemapPost is one post as the sitemap lists it.
type SitemapPost struct {
	ID, Category string
	// Date and Updated are as written in front matter; Updated is "" when
	// the post has none.
	Date, Updated string
	Langs         []string // languages with a body, in the site's order
}

// Sitemap is every post and every category that has posts.
type Sitemap struct {
	// Generation is the index generation it was read at.
	Generation int64
	// Posts are newest first.
	Posts []SitemapPost
	// Categories are the slugs of the categories with at least one post, by
	// order then slug.
	Categories []string
}

// Sitemap returns every post and every category that has posts, read in one
// snapshot with the generation. It reads no payload bodies: updated comes
// from the list item of the post's default-language payload.
func (s *Store) Sitemap(ctx context.Context, defaultLang string) (Sitemap, error) {
	var sm Sitemap
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if sm.Generation, err = stateInt(ctx, tx, "generation"); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT p.id, p.category, p.date, p.langs,
				coalesce((SELECT json_extract(pl.item, '$.updated') FROM payloads pl
					WHERE pl.post_id = p.id ORDER BY pl.lang = ? DESC LIMIT 1), '')
			FROM posts p ORDER BY p.time DESC, p.id`, defaultLang)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sp SitemapPost
			var langs string
			if err := rows.Scan(&sp.ID, &sp.Category, &sp.Date, &langs, &sp.Updated); err != nil {
				return err
			}
			sp.Langs = splitLangs(langs)
			sm.Posts = append(sm.Posts, sp)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		crows, err := tx.QueryContext(ctx, `SELECT slug FROM categories c
			WHERE EXISTS (SELECT 1 FROM posts p WHERE p.category = c.slug) ORDER BY ord, slug`)
		if err != nil {
			return err
		}
		defer crows.Close()
		for crows.Next() {
			var slug string
			if err := crows.Scan(&slug); err != nil {
				return err
			}
			sm.Categories = append(sm.Categories, slug)
		}
		return crows.Err()
	})
	if err != nil {
		return sm, fmt.Errorf("sitemap: %w", err)
	}
	return sm, nil
}

// SiteMeta returns the parsed site.yaml as the index keeps it (the JSON of
// the last good version), or nil when the content folder has none.
func (s *Store) SiteMeta(ctx context.Context) ([]byte, error) {
	var meta []byte
	err := s.r.QueryRowContext(ctx, `SELECT meta FROM files WHERE path = 'site.yaml'`).Scan(&meta)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("site meta: %w", err)
	}
	return meta, nil
}

func splitLangs(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
