package repr_test

import (
	"bytes"
	"io"
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
