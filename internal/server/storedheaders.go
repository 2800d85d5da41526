package server

import (
	"hash/maphash"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// postHeaders are the header values of one stored representation, as the
// slices writeStored assigns into the header map. They are never modified
// after they are built (each has len == cap, so an Add by a later middleware
// copies rather than writes into them).
type postHeaders struct {
	// What they were built from: a slot serves only the same representation.
	etag     string
	enc      repr.Encoding
	lang     string
	size     int
	modified time.Time

	tag, lastModified, language, length, encoding []string
}

// storedHeaderSlots bounds the memo: a few hundred bytes a slot.
const storedHeaderSlots = 1024

// storedHeaders remembers the headers of recently served representations in a
// fixed table indexed by a hash of their ETag, so that serving a hot post
// formats no date and builds no tag. A slot holds the last representation
// that hashed to it; a miss builds the headers and takes the slot. Lock-free:
// readers and writers swap whole, immutable entries.
type storedHeaders struct {
	seed  maphash.Seed
	slots [storedHeaderSlots]atomic.Pointer[postHeaders]
}

func newStoredHeaders() *storedHeaders { return &storedHeaders{seed: maphash.MakeSeed()} }

// headers returns the headers of p's representation.
func (sh *storedHeaders) headers(p store.StoredPost) *postHeaders {
	slot := &sh.slots[(maphash.String(sh.seed, p.ETag)+uint64(len(p.Encoding)))%storedHeaderSlots]
	if e := slot.Load(); e != nil && e.etag == p.ETag && e.enc == p.Encoding && e.lang == p.Lang &&
		e.size == len(p.Body) && e.modified.Equal(p.Modified) {
		return e
	}
	e := &postHeaders{
		etag: p.ETag, enc: p.Encoding, lang: p.Lang, size: len(p.Body), modified: p.Modified,
		tag:          []string{repr.ETagFor(p.ETag, p.Encoding)},
		lastModified: []string{p.Modified.UTC().Format(http.TimeFormat)},
		language:     []string{p.Lang},
		length:       []string{strconv.Itoa(len(p.Body))},
		encoding:     []string{string(p.Encoding)},
	}
	slot.Store(e)
	return e
}
