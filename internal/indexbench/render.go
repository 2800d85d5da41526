package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown/baseline"
)

// renderCmd is the baseline process: read every post file of dir, cut its
// front matter, and render the bodies with plain goldmark and chroma (geul's
// extensions and highlighting options) on runtime.NumCPU() workers, the
// indexer's worker count.
func renderCmd(dir string) error {
	var srcs [][]byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := content.ParseFile(filepath.ToSlash(rel), data)
		if err != nil {
			return err
		}
		srcs = append(srcs, f.Body)
		return nil
	})
	if err != nil {
		return fmt.Errorf("render %s: %w", dir, err)
	}
	if err := baseline.Render(srcs, runtime.NumCPU()); err != nil {
		return fmt.Errorf("render %s: %w", dir, err)
	}
	fmt.Printf("rendered %d files\n", len(srcs))
	return nil
}
