package api

import (
	"strings"
	"testing"
)

// TestETagCacheBound: the cache never holds more than its bytes, drops the
// least recently used first, and keeps no body larger than itself.
func TestETagCacheBound(t *testing.T) {
	body := func(n int) []byte { return []byte(strings.Repeat("x", n)) }
	// Each entry below is 1+2+97 = 100 bytes: a one-byte key, a two-byte ETag.
	for _, tc := range []struct {
		name string
		max  int
		ops  func(c *etagCache)
		want []string // keys held
	}{
		{"fits", 300, func(c *etagCache) { c.put("a", "e1", body(97)); c.put("b", "e1", body(97)) }, []string{"a", "b"}},
		{"oldest goes", 200, func(c *etagCache) {
			c.put("a", "e1", body(97))
			c.put("b", "e1", body(97))
			c.put("c", "e1", body(97))
		}, []string{"b", "c"}},
		{"a read keeps it", 200, func(c *etagCache) {
			c.put("a", "e1", body(97))
			c.put("b", "e1", body(97))
			c.get("a")
			c.put("c", "e1", body(97))
		}, []string{"a", "c"}},
		{"too large", 99, func(c *etagCache) { c.put("a", "e1", body(97)) }, nil},
		{"replaced", 200, func(c *etagCache) { c.put("a", "e1", body(97)); c.put("a", "e2", body(10)) }, []string{"a"}},
		{"dropped", 200, func(c *etagCache) { c.put("a", "e1", body(97)); c.drop("a") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newETagCache(tc.max)
			tc.ops(c)
			if c.size > c.max {
				t.Errorf("holds %d bytes, bound %d", c.size, c.max)
			}
			if len(c.byKey) != len(tc.want) {
				t.Errorf("holds %d entries, want %v", len(c.byKey), tc.want)
			}
			sum := 0
			for _, k := range tc.want {
				el, ok := c.byKey[k]
				if !ok {
					t.Errorf("%s was dropped", k)
					continue
				}
				sum += el.Value.(*cacheEntry).bytes()
			}
			if sum != c.size {
				t.Errorf("size %d, entries sum to %d", c.size, sum)
			}
		})
	}
	var none *etagCache // WithCacheBytes(0)
	none.put("a", "e", body(1))
	if _, _, ok := none.get("a"); ok {
		t.Errorf("a nil cache holds")
	}
}
