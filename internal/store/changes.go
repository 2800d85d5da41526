package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// DefaultKeepGenerations is how many generations of changes the index keeps for
// GET /changes. A client further behind resyncs from the lists. A generation is
// one index run that changed something, so this covers months of editing, or a
// long day of saves under the watcher.
const DefaultKeepGenerations = 1000

// Change ops.
const (
	OpCreated = "created"
	OpUpdated = "updated"
	OpDeleted = "deleted"
)

// ErrGenerationGone is returned for a generation whose changes were pruned.
var ErrGenerationGone = errors.New("generation no longer kept")

// ErrGenerationAhead is returned for a generation the index has not reached.
var ErrGenerationAhead = errors.New("generation ahead of the index")

// Change is the net change of one language of one post over a span of
// generations.
type Change struct {
	PostID     string // category/slug
	Lang       string
	Op         string // OpCreated, OpUpdated or OpDeleted
	Generation int64  // the last generation that changed it
}

// ChangeSet is what changed after a generation.
type ChangeSet struct {
	Since      int64
	Generation int64 // the current generation
	// Oldest is the smallest since still answerable: every change after it is kept.
	Oldest  int64
	Changes []Change // ordered by generation, then post and language
}

// SetKeepGenerations sets how many generations of changes later runs keep
// (n <= 0: DefaultKeepGenerations). Runs prune what is older in their own
// transaction, so the change log and the index never disagree.
func (s *Store) SetKeepGenerations(n int64) { s.keepGens.Store(n) }

func (s *Store) keepGenerations() int64 {
	if n := s.keepGens.Load(); n > 0 {
		return n
	}
	return DefaultKeepGenerations
}

// Changes returns the net changes after generation since, read in one snapshot
// with the current generation. A post created and deleted within the span is
// left out; one deleted and created again is updated. It fails with
// ErrGenerationGone when since is older than what is kept and with
// ErrGenerationAhead when since is past the current generation; the ChangeSet's
// Generation and Oldest are filled in either case.
func (s *Store) Changes(ctx context.Context, since int64) (ChangeSet, error) {
	cs := ChangeSet{Since: since}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return cs, fmt.Errorf("changes since %d: %w", since, err)
	}
	defer tx.Rollback()
	if cs.Generation, err = stateInt(ctx, tx, "generation"); err != nil {
		return cs, fmt.Errorf("changes since %d: %w", since, err)
	}
	if cs.Oldest, err = stateInt(ctx, tx, "changes_oldest"); err != nil {
		return cs, fmt.Errorf("changes since %d: %w", since, err)
	}
	switch {
	case since < cs.Oldest:
		return cs, fmt.Errorf("changes since %d: %w (oldest kept %d)", since, ErrGenerationGone, cs.Oldest)
	case since > cs.Generation:
		return cs, fmt.Errorf("changes since %d: %w (current %d)", since, ErrGenerationAhead, cs.Generation)
	}
	cs.Changes, err = queryChanges(ctx, tx, `WHERE generation > ?`, since)
	if err != nil {
		return cs, fmt.Errorf("changes since %d: %w", since, err)
	}
	return cs, nil
}

// GenerationChanges returns what generation gen changed, for announcing it.
func (s *Store) GenerationChanges(ctx context.Context, gen int64) ([]Change, error) {
	out, err := queryChanges(ctx, s.r, `WHERE generation = ?`, gen)
	if err != nil {
		return nil, fmt.Errorf("changes of generation %d: %w", gen, err)
	}
	return out, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func stateInt(ctx context.Context, q querier, key string) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM state WHERE key=?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// queryChanges reads change rows in the order they were written and folds them
// into one net change per post language.
func queryChanges(ctx context.Context, q querier, where string, arg int64) ([]Change, error) {
	rows, err := q.QueryContext(ctx, `SELECT generation, post_id, lang, op FROM changes `+where+` ORDER BY generation, rowid`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct{ id, lang string }
	type span struct {
		first, last string
		gen         int64
	}
	spans := map[key]*span{}
	var order []key
	for rows.Next() {
		var gen int64
		var k key
		var op string
		if err := rows.Scan(&gen, &k.id, &k.lang, &op); err != nil {
			return nil, err
		}
		sp := spans[k]
		if sp == nil {
			sp = &span{first: op}
			spans[k] = sp
			order = append(order, k)
		}
		sp.last, sp.gen = op, gen
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(order))
	for _, k := range order {
		sp := spans[k]
		op := netOp(sp.first, sp.last)
		if op == "" {
			continue
		}
		out = append(out, Change{PostID: k.id, Lang: k.lang, Op: op, Generation: sp.gen})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Generation != b.Generation {
			return a.Generation < b.Generation
		}
		if a.PostID != b.PostID {
			return a.PostID < b.PostID
		}
		return a.Lang < b.Lang
	})
	return out, nil
}

// netOp is the change a client holding the state before the first op sees after
// the last one. The first op tells whether the post language existed before the
// span (anything but created), the last whether it exists after it.
func netOp(first, last string) string {
	existed := first != OpCreated
	exists := last != OpDeleted
	switch {
	case existed && exists:
		return OpUpdated
	case existed:
		return OpDeleted
	case exists:
		return OpCreated
	}
	return "" // born and gone within the span: the client never saw it
}

// pruneChanges drops changes older than the kept generations and records the
// oldest generation still answerable. The mark only moves forward: a larger
// keep setting cannot bring back what was pruned.
func (t *Tx) pruneChanges(ctx context.Context, gen int64) error {
	oldest := gen - t.keep
	if oldest <= 0 {
		return nil
	}
	prev, err := stateInt(ctx, t.tx, "changes_oldest")
	if err != nil {
		return fmt.Errorf("prune changes: %w", err)
	}
	if oldest <= prev {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM changes WHERE generation <= ?`, oldest); err != nil {
		return fmt.Errorf("prune changes: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO state(key, value) VALUES('changes_oldest', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`,
		strconv.FormatInt(oldest, 10)); err != nil {
		return fmt.Errorf("prune changes: %w", err)
	}
	return nil
}
