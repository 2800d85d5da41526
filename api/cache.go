package api

import (
	"container/list"
	"sync"
)

// DefaultCacheBytes is how many bytes of answers a Client keeps for
// conditional requests unless WithCacheBytes says otherwise.
const DefaultCacheBytes = 4 << 20

// etagCache keeps the bodies of the newest answers with their ETags, at most
// max bytes (bodies, URLs and ETags counted), dropping the least recently
// used first. A body is never changed once stored: callers may keep it.
type etagCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // of *cacheEntry, most recently used first
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key, etag string
	body      []byte
}

func (e *cacheEntry) bytes() int { return len(e.key) + len(e.etag) + len(e.body) }

func newETagCache(max int) *etagCache {
	return &etagCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the stored ETag and body of key.
func (c *etagCache) get(key string) (etag string, body []byte, ok bool) {
	if c == nil {
		return "", nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return "", nil, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return e.etag, e.body, true
}

// put stores body under key, replacing what was there; a body larger than
// the whole cache is not stored.
func (c *etagCache) put(key, etag string, body []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
	e := &cacheEntry{key: key, etag: etag, body: body}
	if e.bytes() > c.max {
		return
	}
	c.byKey[key] = c.order.PushFront(e)
	c.size += e.bytes()
	for c.size > c.max {
		c.removeLocked(c.order.Back().Value.(*cacheEntry).key)
	}
}

// drop forgets key: its answer is gone or no longer cacheable.
func (c *etagCache) drop(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
}

func (c *etagCache) removeLocked(key string) {
	if el, ok := c.byKey[key]; ok {
		c.size -= el.Value.(*cacheEntry).bytes()
		c.order.Remove(el)
		delete(c.byKey, key)
	}
}
