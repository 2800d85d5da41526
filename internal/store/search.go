package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// How a search reads the index:
//
// Korean is written without spaces inside its words and with particles glued
// to them, so a term of 3 characters or more that holds Hangul (or another
// script written that way: Han, kana, Thai...) is matched as a substring by
// the trigram table: 프로세 finds 프로세스. Trigram has no token under 3
// characters, so a shorter term is matched by the word table as the start of
// a word ("병목"* finds 병목, 병목이, 병목을: particles are suffixes).
//
// Every other term (English, code identifiers) is matched by the word table
// too, its words in order and the last one a prefix: goroutine finds
// goroutines, sync.WaitGroup finds sync.WaitGroup. Substring matching
// would find more (routine in goroutine) at a price measured too high: an
// English text has three times the trigrams of a Korean one per character,
// and every one of its common trigrams holds hundreds of positions per post,
// so a trigram search for an English word took several times the time of the
// same search in the word table (BenchmarkSearch). So the trigram table holds
// only the words written in those scripts, with the word on either side of
// each (CPU 사용률, sync.Mutex와), and stays small.
//
// Terms are ANDed. A query with both kinds ranks by the trigram table and
// keeps the rows the word table also matches.
//
// Every term reaches MATCH as an FTS5 string ("..." with " doubled), so no
// user text is read as FTS5 syntax.
//
// FTS5 has no top-k shortcut: ranking scores every match, and a term common
// to most posts (goroutine, 성능) would cost a pass over most of the index.
// So a search ranks the newest SearchWindow matches in the asked language
// (the rowid of a search document orders by the post's date) and says when
// more matched.

// SearchWindow is how many matches, newest first, a search ranks.
var SearchWindow = 500

// phraseCandidates is how many windows of the trigram table's matches a
// search checks against the text for a phrase it cannot match exactly
// (see matchExprs), newest first: a check reads a document's text, tens of
// microseconds, and a phrase such as "시 접" has candidates in most posts.
const phraseCandidates = 4

// Query limits: past them a query is an ErrBadQuery.
const (
	MaxQueryRunes = 256
	MaxQueryTerms = 12
)

// bm25 weights of the columns title, description, body.
const bm25Weights = "10.0, 5.0, 1.0"

// minTrigram is the shortest term the trigram table can match.
const minTrigram = 3

// ErrBadQuery is returned for a query the search cannot run; the error's text
// says why.
var ErrBadQuery = errors.New("bad search query")

// Term is one term of a parsed query.
type Term struct {
	// Text is the term, NFC-normalized, its inner whitespace collapsed.
	Text string
	// Substring is set for a term the trigram table matches anywhere,
	// inside words too: 3 characters or more, Hangul among them. Any other
	// term is matched by the word table: its words in order, the last one
	// the start of a word.
	Substring bool
}

// unspaced reports whether r belongs to a script written without spaces
// between (or inside) its words, where a term must match inside words.
// Thai, at U+0E00, is the first of them.
func unspaced(r rune) bool {
	if hangulSyllable(r) {
		return true // most of a Korean text, before the tables
	}
	return r >= unspacedFrom && (unicode.In(r, unicode.Hangul, unicode.Han, unicode.Hiragana, unicode.Katakana,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan))
}

// ParseQuery splits a query into terms: runs of non-space characters, or
// what stands between double quotes (a phrase, matched as typed, spaces
// included; an unclosed quote runs to the end). Control characters count as
// spaces. A term that holds no letter or digit can match nothing and is
// dropped, so the result may be empty.
func ParseQuery(q string) ([]Term, error) {
	if !utf8.ValidString(q) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrBadQuery)
	}
	// NFC, as searchText makes the tables' text; straight through norm, as a
	// query is short and need not wait for searchText to build its table of
	// the plane's 65,536 characters on first use.
	q = norm.NFC.String(q)
	if n := utf8.RuneCountInString(q); n > MaxQueryRunes {
		return nil, fmt.Errorf("%w: %d characters, at most %d", ErrBadQuery, n, MaxQueryRunes)
	}
	var (
		terms  []Term
		seen   = map[string]bool{}
		cur    strings.Builder
		quoted bool
		space  bool // a space is owed inside a phrase
	)
	flush := func() {
		t := cur.String()
		cur.Reset()
		space = false
		if t == "" {
			return
		}
		key := foldString(t)
		if seen[key] {
			return
		}
		sub := utf8.RuneCountInString(t) >= minTrigram && strings.IndexFunc(t, unspaced) >= 0
		if !sub && strings.IndexFunc(t, isWordRune) < 0 {
			return // the word table has no token in it
		}
		seen[key] = true
		terms = append(terms, Term{Text: t, Substring: sub})
	}
	for _, r := range q {
		isSpace := unicode.IsSpace(r) || unicode.IsControl(r)
		switch {
		case r == '"':
			flush()
			quoted = !quoted
		case isSpace && !quoted:
			flush()
		case isSpace:
			space = cur.Len() > 0
		default:
			if space {
				cur.WriteByte(' ')
				space = false
			}
			cur.WriteRune(r)
		}
	}
	flush()
	if len(terms) > MaxQueryTerms {
		return nil, fmt.Errorf("%w: %d terms, at most %d", ErrBadQuery, len(terms), MaxQueryTerms)
	}
	return terms, nil
}

// ftsString quotes s as an FTS5 string: inside it every character is text.
func ftsString(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// matchExprs builds the MATCH expressions of the trigram and the word table,
// an empty one not used, and lists the phrases a match must be checked
// against the text for (see phraseFunc), folded.
//
// A substring term is the trigram table's string, which its tokenizer makes
// the term's trigrams in order. A phrase with a space is too, less the
// words TrigramText would not keep beside it, where it is cut in parts
// ANDed. Its trigrams match exactly where the phrase is when its words are
// pinned and none was left out; otherwise (병목 현상: the trigram of the
// gap, 목 현, alone) the text is checked too.
func matchExprs(terms []Term) (trigram, words string, phrases []string) {
	var tri, w []string
	for _, t := range terms {
		switch {
		case !t.Substring:
			w = append(w, ftsString(t.Text)+"*")
		case !strings.Contains(t.Text, " "):
			tri = append(tri, ftsString(t.Text))
		default:
			e, exact := phraseTrigramExpr(t.Text)
			tri = append(tri, e)
			if !exact {
				phrases = append(phrases, foldString(t.Text))
			}
		}
	}
	return strings.Join(tri, " AND "), strings.Join(w, " AND "), phrases
}

// phraseTrigramExpr is the trigram table's expression of a phrase: each run
// of the words TrigramText keeps of it, ANDed, and whether it matches only
// where the phrase is.
func phraseTrigramExpr(phrase string) (expr string, exact bool) {
	kept := TrigramText(phrase)
	exact = kept == phrase && pinned(strings.Split(phrase, " "))
	var parts []string
	for _, run := range strings.Split(kept, "\n") {
		if run != "" {
			parts = append(parts, ftsString(run))
		}
	}
	if len(parts) == 0 {
		return ftsString(phrase), false
	}
	return strings.Join(parts, " AND "), exact
}

// pinned reports whether the trigram table's tokens of a phrase's words
// (see tokenizer.go) match only where the phrase is. A word of minTrigram
// characters or more has trigrams of its own. Of a shorter one, the
// trigrams of the gaps beside it hold its first and last character: all
// of a first or last word of one character (the phrase's first word may
// end a longer one, its last start one), but not the first of the two of a
// first word, nor the second of a last one. A word in the middle has a gap
// on either side: one of two different characters is pinned, but one of a
// single character reads the same as that character twice (a X b and
// a XX b give the table "a X", "X b" alike).
func pinned(words []string) bool {
	for i, w := range words {
		n := utf8.RuneCountInString(w)
		switch {
		case n >= minTrigram:
		case i == 0 || i == len(words)-1:
			if n != 1 {
				return false
			}
		default:
			first, size := utf8.DecodeRuneInString(w)
			if n == 1 || w[size:] == string(first) {
				return false
			}
		}
	}
	return true
}

// SearchQuery is one search.
type SearchQuery struct {
	// Terms are the parsed query (ParseQuery).
	Terms []Term
	// Lang is the site language searched: a post's text in it, or the text
	// its payload in Lang falls back to.
	Lang string
	// Category keeps only that category's posts when not empty.
	Category string
	// Limit is the most hits returned.
	Limit int
}

// SearchHit is one post found.
type SearchHit struct {
	PostID string
	// Item is the stored list item JSON of the post in the query's language.
	Item []byte
	// Snippet is HTML: escaped text with the matches in <mark></mark>.
	Snippet string
}

// SearchResult is a search's answer.
type SearchResult struct {
	Hits []SearchHit
	// Total is how many posts matched, counted up to SearchWindow.
	Total int
	// Capped is set when Total reached SearchWindow, or a phrase was
	// checked in the newest candidates only (see phraseCandidates): more
	// posts may match, and only those found were ranked.
	Capped bool
}

// Search finds the posts whose text in q.Lang has every term, best first.
func (s *Store) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	var res SearchResult
	if len(q.Terms) == 0 || q.Limit <= 0 {
		res.Hits = []SearchHit{}
		return res, nil
	}
	query, args := searchSQL(q)
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		res.Hits = make([]SearchHit, 0, q.Limit)
		checked := 0 // matches checked for phrases
		for rows.Next() {
			var (
				h                  SearchHit
				render             []byte
				title, description string
			)
			if err := rows.Scan(&res.Total, &checked, &h.PostID, &title, &description, &render, &h.Item); err != nil {
				return err
			}
			// A document whose rendering is missing still shows, its
			// snippet cut from the title or description.
			var body string
			if render != nil {
				if body, err = UnpackRenderText(render); err != nil {
					return err
				}
			}
			h.Snippet = bestSnippet(q.Terms, title, description, body)
			res.Hits = append(res.Hits, h)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		res.Capped = res.Total >= SearchWindow
		switch {
		case len(res.Hits) > 0:
			res.Capped = res.Capped || checked >= phraseCandidates*SearchWindow
		default:
			all, err := checkedAll(ctx, tx, q)
			res.Capped = !all
			return err
		}
		return nil
	})
	if err != nil {
		return SearchResult{}, fmt.Errorf("search %q: %w", termsString(q.Terms), err)
	}
	return res, nil
}

func termsString(terms []Term) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// searchSQL builds the one statement of a search: the newest SearchWindow
// matches served in the language (cand), the best Limit of them by bm25 (top),
// then only those joined to their text (the rendering of the file it comes
// from) and stored item.
//
// The FTS table is the outer loop (CROSS JOIN fixes the order), read by rowid
// descending so that LIMIT stops it early; the language and category filter is
// a lookup per match. The word-table filter of a mixed query is a list built
// once; "+" keeps SQLite from handing it to FTS5 as rowid constraints. A
// phrase the trigram table cannot match exactly is checked against the text
// of its matches, newest first, among the newest phraseCandidates windows
// of them, until a window holds it.
func searchSQL(q SearchQuery) (string, []any) {
	from, fargs, score, phrases := matchesSQL(q)
	var (
		b       strings.Builder
		args    []any
		checked = "0" // candidates checked for phrases
	)
	if len(phrases) == 0 {
		b.WriteString(`WITH cand(id, score) AS MATERIALIZED (SELECT t.rowid, ` + score + from + ` ORDER BY t.rowid DESC LIMIT ?)`)
		args = append(append(args, fargs...), SearchWindow)
	} else {
		// The candidates' ids first, then the matches from the oldest of
		// them on, read newest first as FTS5 gives them, until a window
		// of them holds the phrases: each is checked once, and no more.
		b.WriteString(`WITH matches(id) AS MATERIALIZED (SELECT t.rowid` + from + ` ORDER BY t.rowid DESC LIMIT ?), `)
		args = append(append(args, fargs...), phraseCandidates*SearchWindow)
		b.WriteString(`cand(id, score) AS MATERIALIZED (SELECT t.rowid, ` + score + from + ` AND t.rowid >= (SELECT min(id) FROM matches) AND EXISTS (SELECT 1 FROM search_docs d LEFT JOIN renders r ON r.path = d.path WHERE d.id = t.rowid AND ` + phraseFunc + `(?, d.title, d.description, coalesce(r.data, x''))) ORDER BY t.rowid DESC LIMIT ?)`)
		args = append(append(args, fargs...), strings.Join(phrases, "\n"), SearchWindow)
		checked = "(SELECT count(*) FROM matches)"
	}
	b.WriteString(`, top(id, score) AS MATERIALIZED (SELECT id, score FROM cand ORDER BY score, id DESC LIMIT ?) `)
	args = append(args, q.Limit)
	b.WriteString(`SELECT (SELECT count(*) FROM cand), ` + checked + `, d.post_id, d.title, d.description, r.data, p.item FROM top JOIN search_docs d ON d.id = top.id LEFT JOIN renders r ON r.path = d.path JOIN payloads p ON p.post_id = d.post_id AND p.lang = ? ORDER BY top.score, top.id DESC`)
	args = append(args, q.Lang)
	return b.String(), args
}

// matchesSQL is the FROM and WHERE of a search's matches in the FTS table
// (t) served in the language (s), their arguments, the score column, and
// the phrases to check.
func matchesSQL(q SearchQuery) (from string, args []any, score string, phrases []string) {
	tri, words, phrases := matchExprs(q.Terms)
	table, expr := "search_trigram", tri
	if tri == "" {
		table, expr = "search_words", words
	}
	var b strings.Builder
	b.WriteString(` FROM ` + table + ` t CROSS JOIN search_serves s WHERE ` + table + ` MATCH ? AND s.doc_id = t.rowid AND s.lang = ?`)
	args = append(args, expr, q.Lang)
	if q.Category != "" {
		b.WriteString(` AND s.category = ?`)
		args = append(args, q.Category)
	}
	if tri != "" && words != "" {
		b.WriteString(` AND +t.rowid IN (SELECT rowid FROM search_words WHERE search_words MATCH ?)`)
		args = append(args, words)
	}
	return b.String(), args, `bm25(` + table + `, ` + bm25Weights + `)`, phrases
}

// checkedAll reports whether a search that found nothing checked every
// candidate for its phrases (see phraseCandidates).
func checkedAll(ctx context.Context, tx *sql.Tx, q SearchQuery) (bool, error) {
	from, args, _, phrases := matchesSQL(q)
	if len(phrases) == 0 {
		return true, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT t.rowid`+from+` LIMIT ?)`, append(args, phraseCandidates*SearchWindow)...).Scan(&n)
	return n < phraseCandidates*SearchWindow, err
}

// bestSnippet cuts the snippet from the field that shows the most terms:
// the body first, the description, then the title.
func bestSnippet(terms []Term, title, description, body string) string {
	var (
		best   string
		bestMs []match
		bestN  = -1
	)
	for _, f := range []string{body, description, title} {
		ms := findMatches(f, terms)
		if n := distinctTerms(ms); n > bestN {
			best, bestMs, bestN = f, ms, n
			if n == len(terms) {
				break
			}
		}
	}
	return snippetOf(best, bestMs)
}

func distinctTerms(ms []match) int {
	var seen uint64
	n := 0
	for _, m := range ms {
		if bit := uint64(1) << (m.term % 64); seen&bit == 0 {
			seen |= bit
			n++
		}
	}
	return n
}

// searchIDDay is how many search documents one day of post dates numbers in
// order: a document's id is the number of its post's day (UTC) times it,
// plus a counter, so ids order by date and a search reads the newest first.
// The full-text tables store each id as the varint of its distance from the
// one before: a day's worth of ids keeps that distance two bytes where ids of
// unix seconds times a million took five or six, about 50 MB of the tables'
// 300 MB at 10,000 posts. A day that runs out of ids takes the first free
// one after it (see searchID).
var searchIDDay int64 = 1 << 13

// Prepare does the work of storing d that needs no database (normalizing,
// the trigram table's text), so that an index run does it on
// its workers rather than on its single writer. PutPost prepares a document
// not prepared yet.
func (d *SearchDoc) Prepare() {
	if d.prepared != nil {
		return
	}
	title, desc, body := searchText(d.Title), searchText(d.Description), searchText(d.Body)
	d.prepared = &preparedDoc{
		title: title, desc: desc,
		wordTitle: WordText(title), wordDesc: WordText(desc), wordBody: WordText(body),
		triTitle: TrigramText(title), triDesc: TrigramText(desc), triBody: TrigramText(body),
	}
}

// preparedDoc is a SearchDoc as the tables take it.
type preparedDoc struct {
	title, desc                   string // NFC
	wordTitle, wordDesc, wordBody string // see WordText
	triTitle, triDesc, triBody    string // see TrigramText
}

// putSearch writes the search documents of a post: where its text is, the
// languages each is shown in, and both FTS tables.
func (t *Tx) putSearch(ctx context.Context, p PostRecord) error {
	for i := range p.Search {
		d := &p.Search[i]
		d.Prepare()
		pd := d.prepared
		id, err := t.searchID(ctx, p.Time.Unix())
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO search_docs(id, post_id, path, title, description) VALUES(?,?,?,?,?)`,
			id, p.ID, d.Path, pd.title, pd.desc); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO search_trigram(rowid, title, description, body) VALUES(?,?,?,?)`,
			id, pd.triTitle, pd.triDesc, pd.triBody); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO search_words(rowid, title, description, body) VALUES(?,?,?,?)`,
			id, pd.wordTitle, pd.wordDesc, pd.wordBody); err != nil {
			return err
		}
		for _, pl := range p.Payloads {
			if pl.Served != d.Lang {
				continue
			}
			if _, err := t.exec(ctx, `INSERT INTO search_serves(doc_id, lang, category) VALUES(?,?,?)`, id, pl.Lang, p.Category); err != nil {
				return err
			}
		}
	}
	return nil
}

// searchID is the next free id of a search document of a post dated sec:
// after every id of its day, or else in a gap a rebuilt document left in
// its day. A day whose ids are all taken (more than searchIDDay documents
// dated that day) takes the first free id after its own: its last
// documents then sort as if dated a day or so later, rather than failing to
// be stored.
func (t *Tx) searchID(ctx context.Context, sec int64) (int64, error) {
	day := sec / 86400
	if sec < 0 && sec%86400 != 0 {
		day-- // the day before 1970 it falls in
	}
	base := day * searchIDDay
	ctx = context.WithoutCancel(ctx)
	st, err := t.stmt(ctx, `SELECT max(id) FROM search_docs WHERE id >= ? AND id < ?`)
	if err != nil {
		return 0, err
	}
	var last sql.NullInt64
	if err := st.QueryRowContext(ctx, base, base+searchIDDay).Scan(&last); err != nil {
		return 0, err
	}
	switch {
	case !last.Valid:
		return base, nil
	case last.Int64+1 < base+searchIDDay:
		return last.Int64 + 1, nil
	}
	// The first id after a run of taken ids, in the day (from its start)
	// or, the day full, after it.
	var free int64
	err = t.tx.QueryRowContext(ctx, `SELECT coalesce(
		(SELECT ? WHERE NOT EXISTS (SELECT 1 FROM search_docs WHERE id = ?)),
		(SELECT min(d.id) + 1 FROM search_docs d WHERE d.id >= ? AND NOT EXISTS (SELECT 1 FROM search_docs e WHERE e.id = d.id + 1)))`,
		base, base, base).Scan(&free)
	return free, err
}

// TrigramText is what the trigram table indexes of a text: the words that
// hold a character of an unspaced script, each with its neighbours on the
// same line, a run of spaces made one space. Where words were left out, or a
// line ends, it puts a newline, which no query holds, so no match spans it.
func TrigramText(s string) string {
	if !mayHoldUnspaced(s) {
		return "" // an English post's text: no word to keep
	}
	// One pass with one word of lookahead: whether a word is kept depends
	// on its neighbours, and a slice of every word cost more than the
	// scan (a tenth of a gigabyte of garbage per 2,000 posts).
	var b strings.Builder
	var prev, cur trigramWord
	prevOut := false // prev was written
	for i := 0; ; {
		next, j := nextTrigramWord(s, i)
		i = j
		if cur.text != "" {
			keep := cur.unspaced ||
				(prev.unspaced && !cur.newline) ||
				(next.unspaced && !next.newline)
			if keep {
				switch {
				case prevOut && !cur.newline:
					b.WriteByte(' ')
				case b.Len() > 0:
					b.WriteByte('\n')
				}
				b.WriteString(cur.text)
			}
			prev, prevOut = cur, keep
		}
		if next.text == "" {
			return b.String()
		}
		cur = next
	}
}

// WordText is what the word table indexes of a text: the text with each
// word that starts in an unspaced script cut to its first minTrigram-1
// characters of it (병목이 and 병목을 both become 병목). The word table
// matches such a script only for a term shorter than minTrigram, as the
// start of a word (ParseQuery), so it never reads further into the word.
// Every token stays, at its position, so phrases and ranking are as
// before; the table holds a few hundred short Korean terms where it held
// every inflected word (5 % less of it at 2,000 light posts).
func WordText(s string) string {
	if !mayHoldUnspaced(s) {
		return s
	}
	var (
		b        []byte // s with its cuts, once there is one
		from     int    // s[from:] is not in b yet
		wordChar bool   // the character before i continues a token
	)
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			wordChar = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if wordChar || !unspacedLetter(r) {
			// A mark counts as continuing a token: cutting after it
			// could drop a token unicode61 starts there.
			wordChar = isWordRune(r) || unicode.IsMark(r)
			i += n
			continue
		}
		// A word starts in an unspaced script: keep its first characters
		// of that script, skip the rest of them.
		keep := i
		for k := 0; k < minTrigram-1 && keep < len(s); k++ {
			r, n := utf8.DecodeRuneInString(s[keep:])
			if !unspacedLetter(r) {
				break
			}
			keep += n
		}
		end := keep
		for end < len(s) {
			r, n := utf8.DecodeRuneInString(s[end:])
			if !unspacedLetter(r) {
				break
			}
			end += n
		}
		if end > keep {
			if b == nil {
				b = make([]byte, 0, len(s))
			}
			b = append(b, s[from:keep]...)
			from = end
		}
		i, wordChar = end, true
	}
	if b == nil {
		return s
	}
	return string(append(b, s[from:]...))
}

// unspacedLetter reports whether r is a letter of an unspaced script: what
// WordText cuts.
func unspacedLetter(r rune) bool {
	return hangulSyllable(r) || unspaced(r) && unicode.IsLetter(r)
}

// hangulSyllable reports whether r is a precomposed Hangul syllable.
func hangulSyllable(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }

// unspacedFrom is the first character of the unspaced scripts (Thai).
const unspacedFrom = 0x0E00

// mayHoldUnspaced reports whether s may hold a character of an unspaced
// script: false when it has no byte that starts a character from
// unspacedFrom on (three bytes or more in UTF-8, led by 0xE0 or above). An
// English text is answered at the speed of a byte loop.
func mayHoldUnspaced(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xE0 {
			return true
		}
	}
	return false
}

// trigramWord is a word of a text as TrigramText reads it.
type trigramWord struct {
	text     string
	newline  bool // a line break comes before it
	unspaced bool // it holds a character of an unspaced script
}

// nextTrigramWord returns the word of s at or after i, and where it ends;
// no more words when its text is empty.
func nextTrigramWord(s string, i int) (trigramWord, int) {
	var w trigramWord
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		w.newline = w.newline || r == '\n' || r == '\r'
		i += n
	}
	j := i
	for j < len(s) {
		// ASCII, most of a text, without decoding: neither an unspaced
		// script nor a space but these.
		if c := s[j]; c < utf8.RuneSelf {
			if asciiSpace[c] {
				break
			}
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if unicode.IsSpace(r) {
			break
		}
		w.unspaced = w.unspaced || unspaced(r)
		j += n
	}
	w.text = s[i:j]
	return w, j
}

// asciiSpace is unicode.IsSpace for the ASCII characters.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
