package store

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// What the index keeps only to build payloads again and to cut search
// snippets (a file's rendering, its text among it) is stored zstd-compressed:
// the markdown and the text shrink to about a fifth, where SQLite would
// otherwise write every byte of it. It takes zstd's fastest level: the
// default level stored 5 % less (about 5 MB at 10,000 posts) at twice the
// time, a twentieth of an index run's own work beyond rendering. It is
// never served, so no client needs to read the format.
var (
	zenc = sync.OnceValue(func() *zstd.Encoder { return newEncoder(zstd.SpeedFastest) })
	zdec = sync.OnceValue(func() *zstd.Decoder {
		d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderLowmem(true))
		return d
	})
)

// maxEncoders bounds the states of the encoder.
const maxEncoders = 4

func newEncoder(level zstd.EncoderLevel) *zstd.Encoder {
	// EncodeAll takes one of the encoder's states for each call: one per
	// CPU, or an index run's workers wait for one another; at most
	// maxEncoders, as each state (over a megabyte) lives as long as the
	// process. Errors come only from bad options.
	e, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(min(runtime.GOMAXPROCS(0), maxEncoders)),
		zstd.WithLowerEncoderMem(true))
	return e
}

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
	// The text is field renderTextField: search snippets are cut from it,
	// so it is kept NFC, as the search tables have it.
	body, html, ref, sum := f.Body, f.HTML, "", ""
	if in := f.InPayload; in.PostID != "" {
		body, html, ref, sum = "", "", in.PostID+"\n"+in.Lang, payloadSum(f.Body, f.HTML)
	}
	f.packed = pack(body, html, string(toc), searchText(f.Text), fmt.Sprint(f.Minutes), ref, sum)
}

// payloadSum is what a rendering keeps of the markdown and html that a
// payload carries: enough to tell that the payload still carries them.
func payloadSum(body, html string) string {
	h := sha256.New()
	var buf [4096]byte
	// The length of body first, so that no other split of the same bytes
	// sums alike; then both through a small buffer, as sha256 takes bytes
	// and []byte(s) (or io.WriteString) would copy each whole.
	h.Write(binary.AppendUvarint(buf[:0], uint64(len(body))))
	for _, s := range []string{body, html} {
		for len(s) > 0 {
			n := copy(buf[:], s)
			h.Write(buf[:n])
			s = s[n:]
		}
	}
	return string(h.Sum(nil)[:16])
}

// unpackRender fills f's rendering from its stored form.
func (f *FileRecord) unpackRender(b []byte) error {
	var toc, minutes, ref string
	if err := unpack(b, &f.Body, &f.HTML, &toc, &f.Text, &minutes, &ref, &f.sum); err != nil {
		return err
	}
	if ref != "" {
		id, lang, _ := strings.Cut(ref, "\n")
		f.InPayload = PayloadRef{PostID: id, Lang: lang}
	}
	f.TOC = []byte(toc)
	if _, err := fmt.Sscan(minutes, &f.Minutes); err != nil {
		return fmt.Errorf("unpack: minutes: %w", err)
	}
	return nil
}

// UnpackRenderText reads the text of a post file's rendering from the data
// column of renders, as a search cuts its snippets from it: NFC (see Pack).
func UnpackRenderText(b []byte) (string, error) {
	_, text, err := renderText(b, nil)
	return string(text), err
}

// renderText decodes a rendering into buf, grown as needed, and returns it
// and the text inside it.
func renderText(b, buf []byte) (raw, text []byte, err error) {
	raw, err = zdec().DecodeAll(b, buf[:0])
	if err != nil {
		return buf, nil, fmt.Errorf("unpack: %w", err)
	}
	// The fields before the text (body, html, toc) are skipped, not copied.
	for i, rest := 0, raw; ; i++ {
		n, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < n {
			return raw, nil, errPacked
		}
		if i == renderTextField {
			return raw, rest[k : k+int(n)], nil
		}
		rest = rest[k+int(n):]
	}
}

// renderTextField is the place of the text among the fields Pack packs.
const renderTextField = 3
