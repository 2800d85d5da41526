package markdown

import (
	"io"
	"sync"
	"sync/atomic"

	"github.com/yuin/goldmark/parser"
)

// RenderBaseline renders every source with NewBaseline to io.Discard on
// workers goroutines, each document with a fresh parser context: the
// reference the benchmarks hold geul's indexing and search tables to. It
// stops at the first error.
func RenderBaseline(srcs [][]byte, workers int) error {
	md := NewBaseline()
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(srcs) || failed.Load() != nil {
					return
				}
				if err := md.Convert(srcs[i], io.Discard, parser.WithContext(parser.NewContext())); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	err, _ := failed.Load().(error)
	return err
}
