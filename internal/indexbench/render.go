package main

import (
	"fmt"
	"runtime"

	"github.com/geul-dev/geul/internal/markdown/baseline"
)

// renderCmd is the baseline process: read every post file of dir, cut its
// front matter, and render the bodies with plain goldmark and chroma (geul's
// extensions and highlighting options) on runtime.NumCPU() workers, the
// indexer's worker count.
func renderCmd(dir string) error {
	srcs, err := baseline.Bodies(dir)
	if err != nil {
		return fmt.Errorf("render %s: %w", dir, err)
	}
	if err := baseline.Render(srcs, runtime.NumCPU()); err != nil {
		return fmt.Errorf("render %s: %w", dir, err)
	}
	fmt.Printf("rendered %d files\n", len(srcs))
	return nil
}
