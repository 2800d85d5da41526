package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// What the index keeps only to build payloads again (a file's rendering) or
// to cut search snippets (a post's text) is stored zstd-compressed at its
// fastest level: HTML with highlighted code shrinks to about a fifth at a
// tenth of a millisecond per file, where SQLite would otherwise write every
// byte of it. It is never served, so no client needs to read the format.
var (
	zenc = sync.OnceValue(func() *zstd.Encoder {
		// Errors come only from bad options.
		e, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithLowerEncoderMem(true))
		return e
	})
	zdec = sync.OnceValue(func() *zstd.Decoder {
		d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderLowmem(true))
		return d
	})
)

// errPacked is the error of a packed value that does not decode.
var errPacked = errors.New("corrupt packed value")

// pack compresses the fields, each prefixed by its length.
func pack(fields ...string) []byte {
	n := 0
	for _, f := range fields {
		n += len(f) + binary.MaxVarintLen64
	}
	raw := make([]byte, 0, n)
	for _, f := range fields {
		raw = binary.AppendUvarint(raw, uint64(len(f)))
		raw = append(raw, f...)
	}
	return zenc().EncodeAll(raw, make([]byte, 0, len(raw)/4))
}

// unpack is pack's inverse: it fills fields in order.
func unpack(b []byte, fields ...*string) error {
	raw, err := zdec().DecodeAll(b, nil)
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	for _, f := range fields {
		n, k := binary.Uvarint(raw)
		if k <= 0 || uint64(len(raw)-k) < n {
			return errPacked
		}
		*f = string(raw[k : k+int(n)])
		raw = raw[k+int(n):]
	}
	return nil
}

// Pack compresses the rendering of a post file into the form PutFile
// stores, so that an index run does it on its workers rather than on its
// single writer. PutFile packs a record not packed yet.
func (f *FileRecord) Pack() {
	if f.Kind != "post" || f.packed != nil {
		return
	}
	toc := f.TOC
	if toc == nil {
		toc = []byte("[]")
	}
	f.packed = pack(f.Body, f.HTML, string(toc), f.Text, fmt.Sprint(f.Minutes))
}

// unpackRender fills f's rendering from its stored form.
func (f *FileRecord) unpackRender(b []byte) error {
	var toc, minutes string
	if err := unpack(b, &f.Body, &f.HTML, &toc, &f.Text, &minutes); err != nil {
		return err
	}
	f.TOC = []byte(toc)
	if _, err := fmt.Sscan(minutes, &f.Minutes); err != nil {
		return fmt.Errorf("unpack: minutes: %w", err)
	}
	return nil
}

// PackSearchText is the stored form of a search document's text, as the
// text column of search_docs holds it.
func PackSearchText(title, description, body string) []byte {
	return pack(title, description, body)
}

// UnpackSearchText reads the text column of search_docs.
func UnpackSearchText(b []byte) (title, description, body string, err error) {
	err = unpack(b, &title, &description, &body)
	return title, description, body, err
}

// Squeeze compresses bytes that are kept but never served, as the packed
// columns are: the index holds the bodies it has read but not rendered yet
// this way.
func Squeeze(b []byte) []byte {
	return zenc().EncodeAll(b, make([]byte, 0, len(b)/3))
}

// Unsqueeze is Squeeze's inverse.
func Unsqueeze(b []byte) ([]byte, error) {
	out, err := zdec().DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("unsqueeze: %w", err)
	}
	return out, nil
}
