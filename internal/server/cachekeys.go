package server

// Cache keys name what an answer shows, so that a shared cache (Varnish,
// Fastly, Cloudflare, nginx with a purge module) can drop exactly the answers
// a change touched. Every public GET answer that can be cached carries them
// twice: Surrogate-Key, space-separated (Varnish, Fastly), and Cache-Tag,
// comma-separated (Cloudflare).
//
//	post:<category>/<slug>   the post's answers: every language, every fields=
//	cat:<category>           answers showing the category: its posts' answers
//	                         (they carry its name), /categories/<category>,
//	                         /posts?category=<category>
//	tag:<tag>                its posts' answers, /tags/<tag>, /posts?tag=<tag>
//	list:posts               every answer that lists posts: /posts,
//	                         /categories, /categories/<c>, /tags, /tags/<t>,
//	                         /search, the feeds and the sitemap
//
// A post answer names its post, its category and its tags; list answers name
// list:posts and the category or tag they are filtered by. A post answer does
// not carry list:posts: a change to any post changes the lists, and purging
// them must not purge every post with them.
//
// A change (GET /changes, the events of GET /events) invalidates post:<id>
// and list:posts: the post's own answers, and the lists that show it. A post
// whose neighbours or related posts changed is itself listed as updated (its
// payload carries their titles). cat: and tag: keys are for purging by hand,
// e.g. after renaming a category in its _category.yaml.
//
// Keys are ASCII: a byte outside [A-Za-z0-9._~/-] is percent-encoded, so a
// tag such as 동시성 or "two words" keeps to one key.
//
// Each header holds at most maxKeysBytes: keys are added in the order above
// (post, category, then tags as the post lists them) while they fit, and a
// key longer than maxKeyBytes is left out, but for the first. A proxy reads
// all of an answer's headers into one buffer (nginx's proxy_buffer_size, 4
// or 8 KB by default) and answers 502 when they do not fit: a post with forty Korean tags (nine
// bytes a character encoded) made headers of 4.7 KB. A tag left out is still
// purged through post: of each of its posts, or list:posts.

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Bounds of the key headers (see above): Cloudflare and Fastly take keys of
// up to 1,024 bytes and headers of 16 KB, far more than a proxy's buffer
// leaves room for.
const (
	maxKeysBytes = 1024
	maxKeyBytes  = 256
)

// Cache key prefixes and the key of every list.
const (
	keyPost  = "post:"
	keyCat   = "cat:"
	keyTag   = "tag:"
	keyLists = "list:posts"
)

// cacheKey is prefix followed by name, encoded as the scheme above says.
func cacheKey(prefix, name string) string {
	var b strings.Builder
	b.WriteString(prefix)
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '~', c == '/', c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// postCacheKeys are the keys of a post's answers.
func postCacheKeys(id string, tags []string) []string {
	cat, _, _ := strings.Cut(id, "/")
	keys := make([]string, 0, 2+len(tags))
	keys = append(keys, cacheKey(keyPost, id), cacheKey(keyCat, cat))
	for _, t := range tags {
		keys = append(keys, cacheKey(keyTag, t))
	}
	return keys
}

// ChangeKeys are the cache keys a change to post id invalidates.
func ChangeKeys(id string) []string {
	return []string{cacheKey(keyPost, id), keyLists}
}

// keyHeaders is a set of keys as the two headers carry them: header values
// assigned as they are, shared by every answer of a post (Header.Set would
// allocate them per request; net/http only reads them).
type keyHeaders struct{ surrogate, tags []string }

func newKeyHeaders(keys []string) keyHeaders {
	kept, n := keys[:0:0], 0
	for i, k := range keys {
		// The first, a post's own key or list:posts, is what /changes
		// names: kept whatever its length (an id is at most 401 bytes).
		if i > 0 && (len(k) > maxKeyBytes || n+len(k) > maxKeysBytes) {
			continue
		}
		kept, n = append(kept, k), n+len(k)+1
	}
	return keyHeaders{surrogate: []string{strings.Join(kept, " ")}, tags: []string{strings.Join(kept, ",")}}
}

func (k keyHeaders) set(h http.Header) {
	h["Surrogate-Key"] = k.surrogate
	h["Cache-Tag"] = k.tags
}

// cacheKeys sets the cache key headers of a GET answer by its route, before
// the handler runs. Error answers are never stored (no-store), whatever keys
// they carry.
func (s *Server) cacheKeys(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
			if k, ok := s.keysFor(c); ok {
				k.set(c.Response().Header())
			}
		}
		return next(c)
	}
}

// keysFor returns the cache keys of the route c matched.
func (s *Server) keysFor(c echo.Context) (keyHeaders, bool) {
	switch c.Path() {
	case "/posts/:category/:slug":
		var buf [128]byte // the id, looked up without an allocation
		id := append(append(append(buf[:0], c.Param("category")...), '/'), c.Param("slug")...)
		if k, ok := s.state.Load().keys[string(id)]; ok {
			return k, true
		}
		return newKeyHeaders(postCacheKeys(string(id), nil)), true
	case "/posts":
		keys := []string{keyLists}
		if v := queryParam(c, "category"); v != "" {
			keys = append(keys, cacheKey(keyCat, v))
		}
		if v := queryParam(c, "tag"); v != "" {
			keys = append(keys, cacheKey(keyTag, v))
		}
		return newKeyHeaders(keys), true
	case "/categories/:category":
		return newKeyHeaders([]string{keyLists, cacheKey(keyCat, c.Param("category"))}), true
	case "/tags/:tag":
		return newKeyHeaders([]string{keyLists, cacheKey(keyTag, c.Param("tag"))}), true
	case "/categories", "/tags", "/search", "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml":
		return newKeyHeaders([]string{keyLists}), true
	}
	return keyHeaders{}, false
}
