package server

import (
	"fmt"
	"strings"
	"testing"
)

// The key headers stay within what a proxy buffers, whatever the tags: keys
// are kept in order while they fit, and a key too long for one is left out.
func TestKeyHeadersBounded(t *testing.T) {
	many := make([]string, 200)
	for i := range many {
		many[i] = fmt.Sprintf("동시성공부%d", i)
	}
	long := strings.Repeat("가", 100) // 900 bytes encoded
	tests := []struct {
		name string
		keys []string
		want []string // the keys kept, when known
	}{
		{"few tags", postCacheKeys("cs/alpha", []string{"python", "동시성"}),
			[]string{"post:cs/alpha", "cat:cs", "tag:python", "tag:%EB%8F%99%EC%8B%9C%EC%84%B1"}},
		{"a tag too long for a key", postCacheKeys("cs/alpha", []string{long, "go"}),
			[]string{"post:cs/alpha", "cat:cs", "tag:go"}},
		{"two hundred Korean tags", postCacheKeys("cs/alpha", many), nil},
		{"a long post id", postCacheKeys(strings.Repeat("c", 200)+"/"+strings.Repeat("s", 200), []string{"go"}),
			[]string{"post:" + strings.Repeat("c", 200) + "/" + strings.Repeat("s", 200), "cat:" + strings.Repeat("c", 200), "tag:go"}},
		{"a list filtered by a long tag", []string{keyLists, cacheKey(keyTag, strings.Repeat("x", 5000))}, []string{keyLists}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeyHeaders(tt.keys)
			sk, ct := k.surrogate[0], k.tags[0]
			if len(sk) > maxKeysBytes || len(ct) > maxKeysBytes {
				t.Fatalf("headers of %d and %d bytes, over %d", len(sk), len(ct), maxKeysBytes)
			}
			if ct != strings.ReplaceAll(sk, " ", ",") {
				t.Errorf("Cache-Tag %q is not Surrogate-Key %q", ct, sk)
			}
			got := strings.Fields(sk)
			if tt.want != nil && strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("keys %q, want %q", got, tt.want)
			}
			// What is kept comes in the given order, the post's keys first.
			i := 0
			for _, g := range got {
				for i < len(tt.keys) && tt.keys[i] != g {
					i++
				}
				if i == len(tt.keys) {
					t.Fatalf("key %q kept out of order or not given", g)
				}
			}
			if tt.keys[0] == "post:cs/alpha" && (len(got) < 2 || got[0] != "post:cs/alpha" || got[1] != "cat:cs") {
				t.Errorf("keys %q: the post's own keys first", got)
			}
			if tt.want == nil && len(got) < 10 {
				t.Errorf("only %d keys kept of %d", len(got), len(tt.keys))
			}
		})
	}
}
