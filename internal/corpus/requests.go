package corpus

import "fmt"

// ListPages are the /posts requests the benchmarks make of a served
// corpus (BenchmarkListPage in internal/server, the `/posts` row of make
// bench): pages 1 to 40 of the default list in both languages, then a few
// other sorts and sizes, the last a page past the end.
func ListPages() []string {
	var targets []string
	for p := 1; p <= 40; p++ {
		targets = append(targets, fmt.Sprintf("/posts?page=%d&lang=ko", p), fmt.Sprintf("/posts?page=%d&lang=en", p))
	}
	return append(targets, "/posts?sort=title", "/posts?sort=date&page=3", "/posts?limit=100", "/posts?page=600")
}
