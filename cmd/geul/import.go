package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/geul-dev/geul/internal/importer"
)

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := loadConfig(getenv)
	fs := newFlags("import", stderr)
	c.contentFlag(fs, "content folder to write into")
	lang := fs.String("lang", "", "language of the post's body (default: the page's language, else ko)")
	force := fs.Bool("force", false, "overwrite existing files that differ")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: import takes one payload file", errUsage)
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	written, err := importer.Import(ctx, data, c.content, importer.Options{Lang: *lang, Force: *force})
	if err != nil {
		return fmt.Errorf("import %s: %w", pos[0], err)
	}
	for _, p := range written {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return nil
}
