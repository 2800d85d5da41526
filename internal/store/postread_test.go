package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// Post reads through connections of its own: more requests at once than it
// has connections all get their answer, in the asked encoding when stored,
// and a post that is not there is ErrNotFound.
func TestPostReadsUnderLoad(t *testing.T) {
	ctx := context.Background()
	st, _ := openWriteStore(t)
	st.SetPostCacheBytes(0) // every answer from SQLite
	// Forms as the indexer stores them: the identity body only where there
	// is no gzip form, so an identity read of the ko payloads decompresses.
	forms := map[repr.Encoding][][]byte{}
	writeRun(t, st, func(tx *store.Tx) error {
		for i := range 20 {
			body := []byte(fmt.Sprintf("body %d ", i) + strings.Repeat("글", 400))
			gz, err := repr.Compress(repr.Gzip, body)
			if err != nil {
				return err
			}
			br, err := repr.Compress(repr.Brotli, body)
			if err != nil {
				return err
			}
			forms[repr.Identity] = append(forms[repr.Identity], body)
			forms[repr.Gzip] = append(forms[repr.Gzip], gz)
			forms[repr.Brotli] = append(forms[repr.Brotli], br)
			p := bodyPost(fmt.Sprintf("go/p%d", i), string(body))
			p.Payloads[0].Gzip, p.Payloads[0].Br = gz, br
			if err := tx.PutPost(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	cases := []struct {
		lang     string
		enc      repr.Encoding
		want     repr.Encoding // the form whose bytes come back
		wantLang string
	}{
		{"ko", repr.Brotli, repr.Brotli, "ko"},
		{"ko", repr.Gzip, repr.Gzip, "ko"},
		{"ko", repr.Identity, repr.Identity, "ko"},
		{"en", repr.Brotli, repr.Identity, "en"}, // no br stored: identity
		{"ko", repr.Encoding("zstd"), repr.Identity, "ko"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for w := range 8 * runtime.NumCPU() {
		wg.Go(func() {
			for i := range 40 {
				n := (w + i) % 20
				c := cases[(w*7+i)%len(cases)]
				sp, err := st.Post(ctx, fmt.Sprintf("go/p%d", n), c.lang, c.enc)
				switch {
				case err != nil:
					errs <- err
				case !bytes.Equal(sp.Body, forms[c.want][n]) || sp.Encoding != c.want || sp.Lang != c.wantLang:
					errs <- fmt.Errorf("go/p%d %s %q: got %d bytes %q %s, want the %d of the %q form, %s", n, c.lang, c.enc,
						len(sp.Body), sp.Encoding, sp.Lang, len(forms[c.want][n]), c.want, c.wantLang)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := st.Post(ctx, "go/nope", "ko", repr.Brotli); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing post: got %v, want ErrNotFound", err)
	}
}

// After Close, Post fails cleanly rather than reading through a closed
// connection.
func TestPostAfterClose(t *testing.T) {
	ctx := context.Background()
	st, _ := openWriteStore(t)
	st.SetPostCacheBytes(0)
	writeRun(t, st, func(tx *store.Tx) error { return tx.PutPost(ctx, bodyPost("go/a", "one")) })
	if got := served(t, st, "go/a"); got != "one" {
		t.Fatalf("got %q, want one", got)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Post(ctx, "go/a", "ko", repr.Identity); err == nil {
		t.Error("Post after Close: got no error")
	}
}
