package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/store"
)

// profileCmd indexes dir into a fresh database at db as `geul index` does
// (run, checkpoint, seal), writing a CPU profile to cpu and an allocation
// profile to mem: the evidence for where an index run spends its time.
func profileCmd(dir, db, cpu, mem string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db + suffix)
	}
	cf, err := os.Create(cpu)
	if err != nil {
		return err
	}
	defer cf.Close()
	runtime.MemProfileRate = 64 << 10
	if err := pprof.StartCPUProfile(cf); err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	sum, err := index.New(dir, st).Run(ctx)
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
	fmt.Printf("indexed %d files, rendered %d, in %s\n", sum.Files, sum.Rendered, time.Since(start))
	mf, err := os.Create(mem)
	if err != nil {
		return err
	}
	defer mf.Close()
	return pprof.Lookup("allocs").WriteTo(mf, 0)
}
