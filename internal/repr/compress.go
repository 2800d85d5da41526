package repr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	gzip "github.com/klauspost/compress/gzip"
)

// CompressMin is the size under which a body is kept and sent as it is:
// below about a kilobyte compression saves less than it costs. Stored post
// payloads and answers compressed per request use the same threshold.
const CompressMin = 1024

// Compression levels. klauspost's gzip takes about half the time of
// compress/gzip at the same level. Brotli 5 makes post payloads 14 % smaller
// than gzip 6 does, quality 4 only 3 %, and below 4 brotli is larger than
// gzip 6 (400 corpus payloads of 44 KB: gzip 6 took 0.24 ms each, brotli 3
// 0.37 ms, 4 0.53 ms, 5 0.66 ms). Brotli 5 pays for itself on the wire but
// not at index time, where it cost as much as a third of rendering a light
// post: so an index run stores the gzip form alone, and a post's br form is
// made on its first br request, then kept by the payload cache and the
// spill file.
// (gzipLevel, klauspost's DefaultCompression, is level 5, not 6.)
const (
	gzipLevel   = gzip.DefaultCompression
	brotliLevel = 5
)

// Writers are reused: a new gzip writer allocates about 1 MB of state and a
// brotli one its hash tables, which cost as much as compressing a payload.
type compressor struct {
	buf bytes.Buffer
	gz  *gzip.Writer
	br  *brotli.Writer
}

var compressors = sync.Pool{New: func() any {
	c := &compressor{}
	c.gz, _ = gzip.NewWriterLevel(&c.buf, gzipLevel) // a valid level: no error
	c.br = brotli.NewWriterLevel(&c.buf, brotliLevel)
	return c
}}

// Encoding names a representation of a body: a content coding, or none.
type Encoding string

// The representations geul stores and sends.
const (
	Identity Encoding = ""
	Gzip     Encoding = "gzip"
	Brotli   Encoding = "br"
)

// gunzipReaders are reused: a new gzip reader allocates its decompressor's
// tables, several times the size of a payload, and a server reading every
// post once (a crawler, a cold spill file) made that most of its garbage.
var gunzipReaders sync.Pool

// gunzipMaxHint bounds the output buffer Gunzip sizes from a gzip form's
// trailer, which a stored form carries but which could say anything.
const gunzipMaxHint = 64 << 20

// Gunzip returns what a gzip form holds, in a buffer of its exact size when
// the form's trailer tells it (ISIZE: the size modulo 2^32 of its last
// member), so that the answer is allocated once, not grown.
func Gunzip(z []byte) ([]byte, error) {
	zr, _ := gunzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(z))
	} else {
		err = zr.Reset(bytes.NewReader(z))
	}
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	defer gunzipReaders.Put(zr)
	hint := 2 * len(z)
	if len(z) >= 4 {
		// Deflate expands at most 1032 times: a short form whose trailer
		// says more is corrupt, and must not cost a big buffer.
		n := uint64(binary.LittleEndian.Uint32(z[len(z)-4:]))
		if n <= gunzipMaxHint && n <= 1032*uint64(len(z)) {
			hint = int(n)
		}
	}
	// One byte over, so that the read that meets the end (and checks the
	// checksum) has room without growing the buffer.
	out := make([]byte, 0, hint+1)
	for {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)]
		}
		n, err := zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
	}
}

// Compress returns body in enc: gzip or br, or body itself for Identity.
func Compress(enc Encoding, body []byte) ([]byte, error) {
	type writer interface {
		Reset(w io.Writer)
		Write(p []byte) (int, error)
		Close() error
	}
	c := compressors.Get().(*compressor)
	defer compressors.Put(c)
	var w writer
	switch enc {
	case Identity:
		return body, nil
	case Gzip:
		w = c.gz
	case Brotli:
		w = c.br
	default:
		return nil, fmt.Errorf("compress: unknown encoding %q", enc)
	}
	c.buf.Reset()
	w.Reset(&c.buf)
	if _, err := w.Write(body); err != nil {
		return nil, fmt.Errorf("compress %s: %w", enc, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compress %s: %w", enc, err)
	}
	// A copy of the exact size: the buffer stays with the pool.
	return bytes.Clone(c.buf.Bytes()), nil
}
