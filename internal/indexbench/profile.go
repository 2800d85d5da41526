package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

// profileCmd indexes dir into a fresh database at db as `geul index` does
// (run, checkpoint, seal, its collector set alike), writing a CPU profile to
// cpu, an allocation profile to mem, and the live heap halfway through
// building posts to mem.mid (what every collection of the build marks): the
// evidence for where an index run spends its time.
func profileCmd(dir, db, cpu, mem string) error {
	_ = store.Remove(db)
	cf, err := os.Create(cpu)
	if err != nil {
		return err
	}
	defer cf.Close()
	runtime.MemProfileRate = 64 << 10
	index.TuneGC(os.Getenv) // as geul index
	if err := pprof.StartCPUProfile(cf); err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	ix := index.New(dir, st)
	var (
		once   sync.Once
		midErr error
	)
	ix.SetProgress(func(p index.Progress) {
		if p.Stage == index.StageBuild && p.Done*2 >= p.Total && p.Total > 0 {
			once.Do(func() { midErr = writeHeap(mem + ".mid") })
		}
	})
	sum, err := ix.Run(ctx)
	if err != nil {
		return err
	}
	if err := st.Checkpoint(ctx); err != nil {
		return err
	}
	if _, err := st.Seal(ctx, sum.Languages, time.Now()); err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	pprof.StopCPUProfile()
	if midErr != nil {
		return midErr
	}
	fmt.Printf("indexed %d files, rendered %d, in %s\n", sum.Files, sum.Rendered, time.Since(start))
	mf, err := os.Create(mem)
	if err != nil {
		return err
	}
	defer mf.Close()
	return pprof.Lookup("allocs").WriteTo(mf, 0)
}

// writeHeap writes the live heap, collected first, to path.
func writeHeap(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
