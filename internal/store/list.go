package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Sort orders a list of posts.
type Sort int

// The orders of a list. Every order ends with the post id, so a page is the
// same on every request of the same index.
const (
	// SortNewest is by date, newest first (time DESC, id).
	SortNewest Sort = iota
	// SortOldest is the exact reverse of SortNewest (time, id DESC).
	SortOldest
	// SortTitle is by the default-language title (posts.title: the title in
	// the site's first language, else the post's first title), compared as
	// Unicode code points, which puts Hangul syllables in dictionary order;
	// then by id.
	SortTitle
	// SortTitleDesc is the exact reverse of SortTitle.
	SortTitleDesc
)

// sortSQL is how a list is ordered: the column it sorts by besides id, and
// the ORDER BY over it. Each matches an index (posts_time, posts_title and
// their per-category forms), read forwards or backwards, which then covers
// the choice of a page: the posts rows themselves are never read.
var sortSQL = map[Sort]struct{ col, order string }{
	SortNewest:    {"time", "time DESC, id"},
	SortOldest:    {"time", "time, id DESC"},
	SortTitle:     {"title", "title, id"},
	SortTitleDesc: {"title", "title DESC, id DESC"},
}

// ListQuery selects one page of a list of posts.
type ListQuery struct {
	// Lang picks which stored item of each post is served.
	Lang string
	// Category and Tag filter the list when not empty.
	Category, Tag string
	Sort          Sort
	// Offset posts are skipped, then at most Limit are returned.
	Offset, Limit int
}

// ListPage is one page of a list.
type ListPage struct {
	// Total is the size of the whole list.
	Total int
	// Items are the stored list items (JSON objects) of the page's posts.
	Items [][]byte
}

// CategoryInfo is a category with its post counts.
type CategoryInfo struct {
	CategoryRecord
	// Count is the number of its posts.
	Count int
	// Langs is the number of its posts with a body, by language.
	Langs map[string]int
}

// TagInfo is a tag with the number of posts that carry it.
type TagInfo struct {
	Name  string
	Count int
}

// List returns one page of posts and the size of the whole list, read in one
// snapshot.
func (s *Store) List(ctx context.Context, q ListQuery) (ListPage, error) {
	var page ListPage
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		page, err = list(ctx, tx, q)
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list %+v: %w", q, err)
	}
	return page, nil
}

// CategoryPage returns a category with its counts and one page of its posts,
// read in one snapshot. A category the index does not know is ErrNotFound.
func (s *Store) CategoryPage(ctx context.Context, slug string, q ListQuery) (CategoryInfo, ListPage, error) {
	var (
		info CategoryInfo
		page ListPage
	)
	q.Category = slug
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT slug, ord, data FROM categories WHERE slug=?`, slug).
			Scan(&info.Slug, &info.Order, &info.Data)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		counts, err := categoryCounts(ctx, tx, slug)
		if err != nil {
			return err
		}
		c := counts[slug]
		info.Count, info.Langs = c.Count, c.Langs
		if info.Langs == nil {
			info.Langs = map[string]int{}
		}
		page, err = list(ctx, tx, q)
		return err
	})
	if err != nil {
		return info, page, fmt.Errorf("category %s: %w", slug, err)
	}
	return info, page, nil
}

// TagPage returns a tag with its count and one page of its posts, read in one
// snapshot. A tag no post carries is ErrNotFound.
func (s *Store) TagPage(ctx context.Context, tag string, q ListQuery) (TagInfo, ListPage, error) {
	info := TagInfo{Name: tag}
	var page ListPage
	q.Tag = tag
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		page, err = list(ctx, tx, q)
		if err != nil {
			return err
		}
		if q.Category == "" {
			info.Count = page.Total
		} else if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM post_tags WHERE tag=?`, tag).Scan(&info.Count); err != nil {
			return err
		}
		if info.Count == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return info, page, fmt.Errorf("tag %q: %w", tag, err)
	}
	return info, page, nil
}

// Categories returns every category with its counts, by order then slug.
func (s *Store) Categories(ctx context.Context) ([]CategoryInfo, error) {
	var out []CategoryInfo
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = categories(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	return out, nil
}

// Categories is Store.Categories as the transaction leaves them: what its
// commit will serve.
func (t *Tx) Categories(ctx context.Context) ([]CategoryInfo, error) {
	out, err := categories(ctx, t.tx)
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	return out, nil
}

func categories(ctx context.Context, tx *sql.Tx) ([]CategoryInfo, error) {
	counts, err := categoryCounts(ctx, tx, "")
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT slug, ord, data FROM categories ORDER BY ord, slug`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CategoryInfo
	for rows.Next() {
		var c CategoryInfo
		if err := rows.Scan(&c.Slug, &c.Order, &c.Data); err != nil {
			return nil, err
		}
		n := counts[c.Slug]
		c.Count, c.Langs = n.Count, n.Langs
		if c.Langs == nil {
			c.Langs = map[string]int{}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Tags returns every tag a post carries, most used first, then by name.
func (s *Store) Tags(ctx context.Context) ([]TagInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tag, count(*) AS n FROM post_tags GROUP BY tag ORDER BY n DESC, tag`)
	if err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	defer rows.Close()
	out := []TagInfo{}
	for rows.Next() {
		var t TagInfo
		if err := rows.Scan(&t.Name, &t.Count); err != nil {
			return nil, fmt.Errorf("tags: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	return out, nil
}

// read runs fn in a read-only transaction: one snapshot of the index.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

type catCount struct {
	Count int
	Langs map[string]int
}

// categoryCounts counts the posts of one category, or of every category when
// slug is "". It reads only the index posts_category_langs.
func categoryCounts(ctx context.Context, tx *sql.Tx, slug string) (map[string]catCount, error) {
	q := `SELECT category, langs, count(*) FROM posts GROUP BY category, langs`
	var args []any
	if slug != "" {
		q = `SELECT category, langs, count(*) FROM posts WHERE category=? GROUP BY category, langs`
		args = append(args, slug)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]catCount{}
	for rows.Next() {
		var (
			cat, langs string
			n          int
		)
		if err := rows.Scan(&cat, &langs, &n); err != nil {
			return nil, err
		}
		c := out[cat]
		if c.Langs == nil {
			c.Langs = map[string]int{}
		}
		c.Count += n
		for _, l := range strings.Split(langs, ",") {
			if l != "" {
				c.Langs[l] += n
			}
		}
		out[cat] = c
	}
	return out, rows.Err()
}

// list reads the size of a list and one page of it. The page's ids are chosen
// from the posts' indexes first and only then joined to their stored items, so
// skipping to a deep page never touches the items it skips.
//
// A tag's page is found one of two ways, whichever reads fewer rows: walking
// the posts in the list's order (an index) and keeping those with the tag,
// which stops after offset+limit of them, or taking every post with the tag
// and sorting them. The first wins for a common tag's early pages, the second
// for a rare tag or a deep page; either alone is slow for the other.
func list(ctx context.Context, tx *sql.Tx, q ListQuery) (ListPage, error) {
	var page ListPage
	sort, ok := sortSQL[q.Sort]
	if !ok {
		return page, fmt.Errorf("unknown sort %d", q.Sort)
	}
	var (
		where []string
		args  []any
	)
	if q.Category != "" {
		where = append(where, `posts.category = ?`)
		args = append(args, q.Category)
	}
	universe, total, err := listSizes(ctx, tx, q, where, args)
	if err != nil {
		return page, err
	}
	page.Total = total
	if q.Limit <= 0 || q.Offset < 0 || q.Offset >= page.Total {
		page.Items = [][]byte{}
		return page, nil
	}
	from := `posts`
	if q.Tag != "" {
		if universe < 0 {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM posts`).Scan(&universe); err != nil {
				return page, err
			}
		}
		from, where, args = tagFilter(q, universe, total, where, args)
	}
	query := `SELECT pl.item FROM (SELECT posts.id AS id, posts.` + sort.col + ` AS ` + sort.col + ` FROM ` + from + whereClause(where) +
		` ORDER BY ` + sort.order + ` LIMIT ? OFFSET ?) AS x JOIN payloads pl ON pl.post_id = x.id AND pl.lang = ? ORDER BY ` + sort.order
	args = append(args, q.Limit, q.Offset, q.Lang)
	page.Items, err = listItems(ctx, tx, query, args, min(q.Limit, page.Total-q.Offset))
	return page, err
}

// listSizes counts the list q selects (total), and the list without its tag
// filter (universe) when that costs no extra query: -1 for a tag's list
// across categories.
func listSizes(ctx context.Context, tx *sql.Tx, q ListQuery, where []string, args []any) (universe, total int, err error) {
	universe = -1
	if q.Tag == "" || q.Category != "" {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM posts`+whereClause(where), args...).Scan(&universe); err != nil {
			return 0, 0, err
		}
	}
	switch {
	case q.Tag == "":
		total = universe
	case q.Category == "":
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM post_tags WHERE tag = ?`, q.Tag).Scan(&total)
	default:
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM post_tags t JOIN posts ON posts.id = t.post_id WHERE t.tag = ? AND posts.category = ?`,
			q.Tag, q.Category).Scan(&total)
	}
	return universe, total, err
}

// tagFilter adds the tag of q to the page's query, walked or sorted as reads
// fewer rows (see list): the FROM clause, conditions and arguments.
func tagFilter(q ListQuery, universe, total int, where []string, args []any) (string, []string, []any) {
	// Walking reads about (offset+limit)·universe/total posts; sorting
	// reads total posts, each costing a few times a step of the walk.
	walk := float64(q.Offset+q.Limit) * float64(universe) / float64(total)
	if walk < 4*float64(total) {
		where = append(where, `EXISTS (SELECT 1 FROM post_tags t WHERE t.tag = ? AND t.post_id = posts.id)`)
		return `posts`, where, append(args, q.Tag)
	}
	where = append([]string{`t.tag = ?`}, where...)
	return `post_tags t JOIN posts ON posts.id = t.post_id`, where, append([]any{q.Tag}, args...)
}

// listItems reads the stored list items query selects, of which there are
// at most n.
func listItems(ctx context.Context, tx *sql.Tx, query string, args []any, n int) ([][]byte, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := make([][]byte, 0, n)
	for rows.Next() {
		var item []byte
		if err := rows.Scan(&item); err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, rows.Err()
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return ` WHERE ` + strings.Join(conds, ` AND `)
}
