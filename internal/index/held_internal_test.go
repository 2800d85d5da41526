package index

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestHeldBodies: bodies past the memory bound wait in a file nobody else
// sees, and come back byte for byte; where no file can be made, they stay in
// memory.
func TestHeldBodies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dir      func(t *testing.T) string
		wantFile bool
	}{
		{"file", func(t *testing.T) string { return t.TempDir() }, true},
		{"no folder", func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir(t)
			h := newHeldBodies(dir, 1000)
			defer h.close()
			var bodies [][]byte
			var held []heldBody
			for i := range 50 {
				b := bytes.Repeat([]byte(fmt.Sprintf("body %d;", i)), 20+i)
				bodies = append(bodies, b)
				held = append(held, h.put(b))
			}
			inFile := 0
			for _, hb := range held {
				if hb.mem == nil {
					inFile++
				}
			}
			if got := inFile > 0; got != tc.wantFile {
				t.Fatalf("%d of %d bodies in a file, want some: %v", inFile, len(held), tc.wantFile)
			}
			if h.mem > 1000 && tc.wantFile {
				t.Fatalf("%d bytes in memory, bound 1000", h.mem)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Fatalf("the file is left in %s: %v", dir, ents)
			}
			for i := len(held) - 1; i >= 0; i-- {
				got, err := h.take(held[i])
				if err != nil || !bytes.Equal(got, bodies[i]) {
					t.Fatalf("body %d: %q, %v", i, got, err)
				}
			}
			if h.mem != 0 {
				t.Fatalf("%d bytes still counted in memory after every take", h.mem)
			}
		})
	}
}
