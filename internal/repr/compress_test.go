package repr_test

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
	gzip "github.com/klauspost/compress/gzip"

	"github.com/geul-dev/geul/internal/repr"
)

// Compress gives back what decompresses to the body, from writers shared
// between goroutines, and refuses an encoding it does not know.
func TestCompressRoundTrips(t *testing.T) {
	readers := map[repr.Encoding]func(io.Reader) (io.Reader, error){
		repr.Gzip:   func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		repr.Brotli: func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			body := []byte(strings.Repeat("글 geul ", 200+i*37))
			for enc, open := range readers {
				z, err := repr.Compress(enc, body)
				if err != nil {
					t.Errorf("%s: %v", enc, err)
					return
				}
				if len(z) >= len(body) {
					t.Errorf("%s: %d bytes from %d", enc, len(z), len(body))
				}
				r, err := open(bytes.NewReader(z))
				if err != nil {
					t.Errorf("%s: %v", enc, err)
					return
				}
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, body) {
					t.Errorf("%s: round trip gave %d bytes (%v), want the %d of the body", enc, len(got), err, len(body))
				}
			}
		})
	}
	wg.Wait()
	if got, err := repr.Compress(repr.Identity, []byte("x")); err != nil || string(got) != "x" {
		t.Errorf("identity: got %q, %v", got, err)
	}
	if _, err := repr.Compress("zstd", []byte("x")); err == nil {
		t.Error("zstd: got no error")
	}
}

// Gunzip gives back the body of any gzip form, whatever its trailer says of
// its size, and refuses a form whose checksum or stream is broken, from
// readers shared between goroutines.
func TestGunzip(t *testing.T) {
	gz := func(parts ...string) []byte {
		var b bytes.Buffer
		for _, p := range parts {
			w := gzip.NewWriter(&b)
			w.Write([]byte(p))
			w.Close()
		}
		return b.Bytes()
	}
	body := strings.Repeat("geul 글 payload ", 5000)
	withSize := func(z []byte, n uint32) []byte {
		z = bytes.Clone(z)
		z[len(z)-4], z[len(z)-3], z[len(z)-2], z[len(z)-1] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
		return z
	}
	badCRC := bytes.Clone(gz(body))
	badCRC[len(badCRC)-8] ^= 0xff
	cases := []struct {
		name string
		z    []byte
		want string
		err  bool
	}{
		{"empty body", gz(""), "", false},
		{"one byte", gz("x"), "x", false},
		{"a payload", gz(body), body, false},
		{"two members: the trailer tells the last one's size", gz(body, "tail"), body + "tail", false},
		{"a trailer saying less", withSize(gz(body), 3), "", true},
		{"a trailer saying 4 GiB", withSize(gz(body), 1<<32-1), "", true},
		{"a broken checksum", badCRC, "", true},
		{"cut short", gz(body)[:100], "", true},
		{"not gzip", []byte("{\"post\":{}}"), "", true},
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, c := range cases {
				got, err := repr.Gunzip(c.z)
				// A trailer that lies about the size is caught by the
				// reader's own check: an error, never a wrong body.
				if c.err {
					if err == nil {
						t.Errorf("%s: got %d bytes, want an error", c.name, len(got))
					}
					continue
				}
				if err != nil || string(got) != c.want {
					t.Errorf("%s: got %d bytes, %v; want %d bytes", c.name, len(got), err, len(c.want))
				}
			}
		})
	}
	wg.Wait()
}

// Gunzip allocates its answer once, at the size the trailer gives, and
// reuses its readers: about the body's size a call, not the doublings of a
// growing buffer (twice as much again) nor a new reader's tables.
func TestGunzipAllocatesOnce(t *testing.T) {
	body := strings.Repeat("geul 글 payload ", 20000) // 340 KB, which gzip makes 920 bytes
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(body))
	w.Close()
	z := b.Bytes()
	if got, err := repr.Gunzip(z); err != nil || string(got) != body {
		t.Fatalf("Gunzip: %d bytes, %v", len(got), err)
	}
	const runs = 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		repr.Gunzip(z)
	}
	runtime.ReadMemStats(&after)
	// The race detector's pools drop some readers: a new one now and then.
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > uint64(len(body))*3/2 {
		t.Errorf("Gunzip of %d bytes into %d: %d bytes allocated a call, want at most %d", len(z), len(body), per, len(body)*3/2)
	}
}
