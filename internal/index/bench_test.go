package index_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/index"
	mdbaseline "github.com/geul-dev/geul/internal/markdown/baseline"
	"github.com/geul-dev/geul/internal/store"
)

// The benchmarks index the corpus issue 2 sets the targets on: 10,000
// bilingual posts, 20,000 files. GEUL_BENCH_POSTS makes it smaller for a
// quick look; the figures that count are at 10,000.
const benchSeed = 1

// benchRepeats is how many full-index and baseline runs each benchmark
// iteration alternates; medians are reported. GEUL_BENCH_REPEATS changes it.
func benchRepeats() int {
	if n, err := strconv.Atoi(os.Getenv("GEUL_BENCH_REPEATS")); err == nil && n > 0 {
		return n
	}
	return 3
}

func benchPosts() int {
	if n, err := strconv.Atoi(os.Getenv("GEUL_BENCH_POSTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// racyWindow is a little more than the indexer's: see benchCorpus.
const racyWindow = 3 * time.Second

// benchCorpus generates the corpus in a folder removed when the benchmark
// ends.
func benchCorpus(b *testing.B) (dir string, st corpus.Stats) {
	b.Helper()
	dir = b.TempDir()
	st, err := corpus.Generate(dir, corpus.Options{Posts: benchPosts(), Seed: benchSeed})
	if err != nil {
		b.Fatal(err)
	}
	// The indexer does not trust the stat of a file modified within a moment
	// of its run (it hashes it again next time); the corpus is older than that.
	time.Sleep(racyWindow)
	return dir, st
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fullIndex indexes dir into a fresh database under tmp and returns the run's
// duration (until its commit: from then on it is served), that duration with
// the store's Close after it (which folds the WAL into the database: the rest
// of what `geul index` does), how much the Go runtime's memory rose during
// the run (see samplePeak), and the summary.
func fullIndex(b *testing.B, dir, tmp string) (time.Duration, time.Duration, uint64, index.Summary) {
	b.Helper()
	ctx := context.Background()
	db := filepath.Join(tmp, "index.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db + suffix)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	stop := samplePeak()
	start := time.Now()
	sum, err := index.New(dir, st).Run(ctx)
	d := time.Since(start)
	peak := stop()
	if cerr := st.Close(); cerr != nil && err == nil {
		err = cerr
	}
	closed := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if len(sum.Errors) > 0 {
		b.Fatalf("index: %d content errors, first %v", len(sum.Errors), sum.Errors[0])
	}
	return d, closed, peak, sum
}

// samplePeak samples the memory the Go runtime holds from the OS (mapped and
// not released) until the returned stop is called, which reports how far its
// peak rose above where it stood at the start: what the run added, not the
// corpus the benchmark itself keeps for the baseline. Memory SQLite allocates
// in C is not in it; cmd/geul's BenchmarkServe/IndexRSS measures the whole
// `geul index` process, which is the figure that counts.
func samplePeak() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	held := func() uint64 {
		metrics.Read(s)
		return s[0].Value.Uint64() - s[1].Value.Uint64()
	}
	start := held()
	var peak atomic.Uint64
	read := func() {
		if v := held(); v > peak.Load() {
			peak.Store(v)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		read()
		return max(peak.Load(), start) - start
	}
}

// bodies reads every post file of dir and strips its front matter.
func bodies(b *testing.B, dir string) [][]byte {
	b.Helper()
	out, err := mdbaseline.Bodies(dir)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// baseline renders every body with plain goldmark (same extensions, chroma
// highlighting included) on runtime.NumCPU() workers, the indexer's worker
// count.
func baseline(b *testing.B, srcs [][]byte) time.Duration {
	b.Helper()
	start := time.Now()
	if err := mdbaseline.Render(srcs, runtime.NumCPU()); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func median[T int64 | uint64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkIndex measures the indexer on the corpus:
//
//   - FullIndex indexes the whole corpus into a fresh database and, in the same
//     run, renders the same bodies with plain goldmark on as many workers:
//     index/baseline tells what geul adds to rendering (target ≥ 0.6). Each
//     iteration alternates benchRepeats index and baseline runs and reports
//     medians.
//   - UnchangedReindex runs the index again over content that did not change
//     (target ≤ 1 s): "fresh" as a new process does it (a new Indexer loads
//     what the store remembers, then stats every file), "again" as a running
//     server's next run does.
//
// Both share one corpus, and the second the database of the first.
func BenchmarkIndex(b *testing.B) {
	dir, cs := benchCorpus(b)
	tmp := b.TempDir()
	indexed := false
	b.Run("FullIndex", func(b *testing.B) {
		srcs := bodies(b, dir)
		// Warm up chroma's lexers and the page cache for both sides.
		baseline(b, srcs[:min(len(srcs), 200)])
		var idx, closed, base []time.Duration
		var ratios, closedRatios []float64
		var peaks []uint64
		for b.Loop() {
			for range benchRepeats() {
				d, c, peak, sum := fullIndex(b, dir, tmp)
				if sum.Total != cs.Posts || sum.Rendered < cs.Files {
					b.Fatalf("indexed %d posts, rendered %d files; want %d, %d", sum.Total, sum.Rendered, cs.Posts, cs.Files)
				}
				bl := baseline(b, srcs)
				idx = append(idx, d)
				closed = append(closed, c)
				peaks = append(peaks, peak)
				base = append(base, bl)
				ratios = append(ratios, bl.Seconds()/d.Seconds())
				closedRatios = append(closedRatios, bl.Seconds()/c.Seconds())
			}
		}
		indexed = true
		ix, bl := median(idx).Seconds(), median(base).Seconds()
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(ix, "index-s")
		b.ReportMetric(float64(cs.Posts)/ix, "posts/s")
		b.ReportMetric(float64(cs.Files)/ix, "files/s")
		b.ReportMetric(float64(cs.Posts)/bl, "baseline-posts/s")
		b.ReportMetric(median(ratios), "index/baseline")
		// With the checkpoint that folds the run into the database file.
		b.ReportMetric(median(closed).Seconds(), "closed-s")
		b.ReportMetric(median(closedRatios), "closed/baseline")
		b.ReportMetric(float64(median(peaks))/(1<<20), "go-added-MiB")
	})
	if !indexed {
		fullIndex(b, dir, tmp)
	}

	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(tmp, "index.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	check := func(b *testing.B, sum index.Summary) {
		if sum.Read != 0 || sum.Rendered != 0 || sum.Changed || sum.Total != cs.Posts {
			b.Fatalf("unchanged run read %d, rendered %d, changed %v, posts %d", sum.Read, sum.Rendered, sum.Changed, sum.Total)
		}
	}
	b.Run("UnchangedReindex/fresh", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			start := time.Now()
			sum, err := index.New(dir, st).Run(ctx)
			ds = append(ds, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			check(b, sum)
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(median(ds).Seconds(), "s")
	})
	b.Run("UnchangedReindex/again", func(b *testing.B) {
		ix := index.New(dir, st)
		if _, err := ix.Run(ctx); err != nil {
			b.Fatal(err)
		}
		var ds []time.Duration
		for b.Loop() {
			start := time.Now()
			sum, err := ix.Run(ctx)
			ds = append(ds, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			check(b, sum)
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(median(ds).Seconds(), "s")
	})
}
