package markdown_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/seed.html and testdata/seed.toc.json from the current renderer")

func readSeed(t testing.TB) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "seed.md"))
	if err != nil {
		t.Fatalf("read seed: %v", err)
	}
	return src
}

// TestGoldenSeed pins the rendering of the post the API must serve byte for
// byte; any change in goldmark, chroma or geul's extras shows up here first.
func TestGoldenSeed(t *testing.T) {
	res := render(t, string(readSeed(t)))
	toc, err := json.MarshalIndent(res.TOC, "", "  ")
	if err != nil {
		t.Fatalf("marshal TOC: %v", err)
	}
	toc = append(toc, '\n')

	for _, g := range []struct {
		file string
		got  []byte
	}{
		{"seed.html", []byte(res.HTML)},
		{"seed.toc.json", toc},
	} {
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(path, g.got, 0o644); err != nil {
				t.Fatalf("update %s: %v", path, err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s (run go test -update to create it): %v", path, err)
		}
		if !bytes.Equal(g.got, want) {
			t.Errorf("%s: got %d bytes differing from the golden %d bytes (run go test -update and review the diff)\n got: %.300q\nwant: %.300q", g.file, len(g.got), len(want), g.got, want)
		}
	}
}
