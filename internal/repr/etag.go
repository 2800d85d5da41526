// Package repr is how geul represents a body over HTTP: its content
// codings, how a body is compressed into them, and the entity tags of each.
// The store keeps representations and the server sends them; both use this
// one leaf package.
package repr

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// ETag is the strong entity tag of a response body: the same bytes, the same
// tag, in every process and on every machine.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagSuffixes mark the compressed representations' tags.
var etagSuffixes = map[Encoding]string{Gzip: "-gz", Brotli: "-br"}

// ETagFor is the tag of the representation in enc of the body etag (ETag's
// result) tags: etag itself for identity, else etag with -gz or -br inside
// the quotes. Each content coding is a representation of its own, with bytes
// of its own, so it needs a tag of its own (RFC 9110 8.8.3): a cache that
// holds the gzip bytes must not answer a range or a later identity request
// with them.
func ETagFor(etag string, enc Encoding) string {
	suffix := etagSuffixes[enc]
	if suffix == "" || len(etag) < 2 || !strings.HasSuffix(etag, `"`) {
		return etag
	}
	return etag[:len(etag)-1] + suffix + `"`
}

// SameEntity reports whether tag, from an If-None-Match header, names any
// representation of the body etag tags: the identity one or a compressed
// one, weak or strong (If-None-Match compares weakly). A client that holds
// one representation holds what the others decode to.
func SameEntity(tag, etag string) bool {
	tag = strings.TrimPrefix(tag, "W/")
	if tag == etag {
		return true
	}
	for enc := range etagSuffixes {
		if tag == ETagFor(etag, enc) {
			return true
		}
	}
	return false
}
