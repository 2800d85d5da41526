package store_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/geul-dev/geul/internal/store"
)

// Post reads through connections of its own: more requests at once than it
// has connections all get their answer, in the asked encoding when stored,
// and a post that is not there is ErrNotFound.
func TestPostReadsUnderLoad(t *testing.T) {
	ctx := context.Background()
	st, _ := openWriteStore(t)
	st.SetPostCacheBytes(0) // every answer from SQLite
	writeRun(t, st, func(tx *store.Tx) error {
		for i := range 20 {
			p := bodyPost(fmt.Sprintf("go/p%d", i), fmt.Sprintf("body %d", i))
			p.Payloads[0].Gzip = []byte(fmt.Sprintf("gz %d", i))
			p.Payloads[0].Br = []byte(fmt.Sprintf("br %d", i))
			if err := tx.PutPost(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	cases := []struct {
		lang     string
		enc      store.Encoding
		want     string
		wantEnc  store.Encoding
		wantLang string
	}{
		{"ko", store.Brotli, "br %d", store.Brotli, "ko"},
		{"ko", store.Gzip, "gz %d", store.Gzip, "ko"},
		{"ko", store.Identity, "body %d", store.Identity, "ko"},
		{"en", store.Brotli, "body %d", store.Identity, "en"}, // no br stored: identity
		{"ko", store.Encoding("zstd"), "body %d", store.Identity, "ko"},
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
				case string(sp.Body) != fmt.Sprintf(c.want, n) || sp.Encoding != c.wantEnc || sp.Lang != c.wantLang:
					errs <- fmt.Errorf("go/p%d %s %q: got %q %q %s, want %q %q %s", n, c.lang, c.enc,
						sp.Body, sp.Encoding, sp.Lang, fmt.Sprintf(c.want, n), c.wantEnc, c.wantLang)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := st.Post(ctx, "go/nope", "ko", store.Brotli); !errors.Is(err, store.ErrNotFound) {
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
	if _, err := st.Post(ctx, "go/a", "ko", store.Identity); err == nil {
		t.Error("Post after Close: got no error")
	}
}
