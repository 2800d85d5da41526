// Command gen writes a corpus (see package corpus) into a folder, for
// benchmarks run by hand or from make bench:
//
//	go run ./internal/corpus/gen -posts 1000 [-light] [-seed 1] DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/geul-dev/geul/internal/corpus"
)

func main() {
	posts := flag.Int("posts", 1000, "number of posts")
	seed := flag.Int64("seed", 1, "seed: the same seed writes the same bytes")
	light := flag.Bool("light", false, "a typical blog's bodies: two short code blocks each (see corpus.Options.Light)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-posts N] [-seed S] [-light] DIR")
		os.Exit(2)
	}
	st, err := corpus.Generate(flag.Arg(0), corpus.Options{Posts: *posts, Seed: *seed, Light: *light})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d posts, %d files, %d bytes\n", st.Posts, st.Files, st.Bytes)
}
