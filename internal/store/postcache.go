package store

import (
	lru "container/list"
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geul-dev/geul/internal/repr"
)

// DefaultPostCacheBytes is how many bytes of recently served payloads Post
// keeps in memory by default; see SetPostCacheBytes. It keeps a 10,000-post
// server under 150 MiB; the posts read most often are what it holds.
const DefaultPostCacheBytes = 8 << 20

// externalCheck is how often Post asks SQLite whether another process (geul
// index beside geul serve) committed to the index.
const externalCheck = 100 * time.Millisecond

// postEntryOverhead approximates what an entry costs besides its body.
const postEntryOverhead = 256

type postKey struct {
	id, lang string
	enc      repr.Encoding
}

type postEntry struct {
	key  postKey
	sp   StoredPost
	size int64
}

// postCache keeps the payloads Post served last, up to max bytes, least
// recently used out first, so that a request for a post read recently is a map
// lookup and a write: a SQLite lookup costs several times what writing the
// answer does. It only ever holds payloads of one version of the index:
// commits through this store move the version as they return, and those of
// another process are noticed through PRAGMA data_version within
// externalCheck.
type postCache struct {
	version atomic.Uint64 // moves with every commit seen
	checked atomic.Int64  // unix nanoseconds of the last data_version check
	lastDV  atomic.Int64
	dv      *sql.DB // one connection that asks data_version and nothing else

	// commit is held by readers across version check, lookup and fill, and by
	// a commit across the transaction's end and moved: no reader can fill the
	// cache with rows older than the version it files them under.
	commit sync.RWMutex

	off atomic.Bool // max is 0: nothing is kept, the spill file included

	mu    sync.Mutex
	max   int64
	ver   uint64 // the version items belong to
	size  int64
	items map[postKey]*lru.Element
	lru   lru.List // of *postEntry, most recent first
}

func newPostCache(dv *sql.DB, max int64) *postCache {
	return &postCache{dv: dv, max: max, items: map[postKey]*lru.Element{}}
}

// moved records a commit made through this store. It is called after the
// commit returns, so whatever was cached before it, old or new, goes.
func (c *postCache) moved() { c.version.Add(1) }

// current returns the version of the index, asking SQLite at most every
// externalCheck whether another process changed it.
func (c *postCache) current(ctx context.Context) uint64 {
	now := time.Now().UnixNano()
	last := c.checked.Load()
	if now-last >= int64(externalCheck) && c.checked.CompareAndSwap(last, now) {
		var dv int64
		if err := c.dv.QueryRowContext(ctx, "PRAGMA data_version").Scan(&dv); err != nil || c.lastDV.Swap(dv) != dv {
			// Changed, or unknown: either way nothing cached may serve.
			c.version.Add(1)
		}
	}
	return c.version.Load()
}

// resetLocked empties the cache for version v.
func (c *postCache) resetLocked(v uint64) {
	c.ver = v
	c.size = 0
	clear(c.items)
	c.lru.Init()
}

func (c *postCache) get(k postKey, v uint64) (StoredPost, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ver != v {
		return StoredPost{}, false
	}
	e, ok := c.items[k]
	if !ok {
		return StoredPost{}, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*postEntry).sp, true
}

// put keeps sp, read while the index was at version v, unless the version has
// moved since: then sp may be of the old index.
func (c *postCache) put(k postKey, sp StoredPost, v uint64) {
	size := int64(len(sp.Body)+len(k.id)) + postEntryOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != c.version.Load() || size > c.max {
		return
	}
	if c.ver != v {
		c.resetLocked(v)
	}
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.lru.PushFront(&postEntry{key: k, sp: sp, size: size})
	c.size += size
	for c.size > c.max {
		last := c.lru.Back()
		e := last.Value.(*postEntry)
		c.lru.Remove(last)
		delete(c.items, e.key)
		c.size -= e.size
	}
}

func (c *postCache) setMax(max int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off.Store(max == 0)
	c.max = max
	c.resetLocked(c.ver)
}

// SetPostCacheBytes sets how many bytes of recently served payloads Post
// keeps in memory (DefaultPostCacheBytes unless set); 0 turns the cache off,
// and the spill file with it (every answer is then read from the index). It
// empties the cache.
func (s *Store) SetPostCacheBytes(n int64) { s.posts.setMax(max(n, 0)) }

// SetPostSpillBytes sets how many bytes of served payloads Post keeps in its
// spill file (DefaultPostSpillBytes unless set), past the payload cache; 0
// turns it off. It empties the spill.
func (s *Store) SetPostSpillBytes(n int64) { s.spill.setMax(max(n, 0)) }
