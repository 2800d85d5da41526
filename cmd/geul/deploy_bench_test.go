package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/store"
)

// BenchmarkDeploy measures the deployment of docs/deploy on loopback, on the
// generated corpus (GEUL_BENCH_POSTS posts, 10,000 by default): one
// read-only replica asked directly, three behind nginx without its cache and
// with it (and with proxy_cache_valid's whole seconds alone), the cache's hit ratio, and the time from publishing a release to
// every replica serving it. The load is benchClients keep-alive clients
// asking for posts in Zipf order (a few posts take most requests, as on a
// blog) and a few lists, with Accept-Encoding: br.
//
//	GEUL_BENCH_POSTS=2000 go test -run '^$' -bench BenchmarkDeploy -benchtime 1x ./cmd/geul
func BenchmarkDeploy(b *testing.B) {
	nginxBin(b)
	dir := b.TempDir()
	content := filepath.Join(dir, "content")
	if _, err := corpus.Generate(content, corpus.Options{Posts: benchPosts(), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	bin := buildGeul(b)
	writer, pub := filepath.Join(dir, "writer.db"), filepath.Join(dir, "pub")
	publishIndex(b, bin, content, writer, pub)
	cur, err := store.Current(pub)
	if err != nil {
		b.Fatal(err)
	}
	paths := postPaths(b, cur)
	paths = append(paths[:min(len(paths), 5000)], "/posts", "/posts?page=2", "/categories", "/tags", "/feed.xml")

	var procs []*proc
	var ups []string
	for range 3 {
		p := startGeul(b, bin, []string{"GEUL_LOG_LEVEL=warn"}, "serve", "--follow", pub, "--addr", "127.0.0.1:0")
		p.waitReady(b, time.Minute)
		procs = append(procs, p)
		ups = append(ups, strings.TrimPrefix(p.URL, "http://"))
	}
	cached := startNginx(b, ups, "access_log /var/log/nginx/geul-access.log;", "access_log off;")
	uncached := startNginx(b, ups, "access_log /var/log/nginx/geul-access.log;", "access_log off;", "proxy_cache geul;", "proxy_cache off;")
	// The baseline of the micro-cache: straight to the replicas, fresh for
	// proxy_cache_valid's whole seconds, without the hop that ends each
	// answer's freshness with its second.
	wholeSeconds := startNginx(b, ups, "access_log /var/log/nginx/geul-access.log;", "access_log off;", "proxy_pass http://geul_stamped;", "proxy_pass http://geul;")

	for b.Loop() {
		for _, m := range []struct{ name, base string }{
			{"direct-1", procs[0].URL}, {"nginx-3", uncached}, {"nginx-3-cached", cached}, {"nginx-3-cached-valid-1s", wholeSeconds},
		} {
			r := deployBenchLoad(b, m.base, paths, benchInterval)
			b.ReportMetric(r.rate, m.name+"-req/s")
			b.ReportMetric(float64(r.p50.Microseconds()), m.name+"-p50-µs")
			b.ReportMetric(float64(r.p99.Microseconds()), m.name+"-p99-µs")
			switch m.base {
			case cached:
				b.ReportMetric(r.fromCache, "cache-hit-ratio")
			case wholeSeconds:
				b.ReportMetric(r.fromCache, "valid-1s-cache-hit-ratio")
			}
		}
		// A new release: one post edited, indexed and published; the
		// replicas follow the folder.
		f := filepath.Join(content, strings.TrimPrefix(strings.Split(paths[0], "?")[0], "/posts/")+".ko.md")
		if err := appendFile(f, "\n편집된 문단.\n"); err != nil {
			// Bundled or English-only posts: any post file will do.
			b.Logf("edit %s: %v", f, err)
		}
		start := time.Now()
		hash := publishIndex(b, bin, content, writer, pub)
		published := time.Now()
		for _, p := range procs {
			waitRelease(b, &app{URL: p.URL}, hash, 10*time.Second)
		}
		b.ReportMetric(published.Sub(start).Seconds(), "index+publish-s")
		b.ReportMetric(float64(time.Since(published).Milliseconds()), "publish-to-all-replicas-ms")
	}
	b.ReportMetric(0, "ns/op")
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	return err
}

// publishIndex runs geul index --publish and returns the release hash.
func publishIndex(b *testing.B, bin, content, db, pub string) string {
	b.Helper()
	out, err := exec.Command(bin, "index", "--content", content, "--db", db, "--publish", pub).Output()
	if err != nil {
		b.Fatalf("geul index: %v\n%s", err, out)
	}
	m := releaseLine.FindStringSubmatch(string(out))
	if m == nil {
		b.Fatalf("geul index printed no release\n%s", out)
	}
	return m[1]
}

type deployBenchResult struct {
	rate      float64
	p50, p99  time.Duration
	fromCache float64 // answers nginx took from its cache (HIT, STALE, UPDATING, REVALIDATED)
}

// deployBenchLoad runs benchClients clients for d against base.
func deployBenchLoad(b *testing.B, base string, paths []string, d time.Duration) deployBenchResult {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: benchClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var lat []time.Duration
	var cache, total int
	var failed error
	stop := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range benchClients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			z := rand.NewZipf(r, 1.1, 1, uint64(len(paths)-1))
			var mine []time.Duration
			var hits int
			for time.Now().Before(stop) {
				req, _ := http.NewRequest(http.MethodGet, base+paths[z.Uint64()], nil)
				req.Header.Set("Accept-Encoding", "br")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("GET %s: %d", req.URL, resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
				switch resp.Header.Get("X-Cache-Status") {
				case "HIT", "STALE", "UPDATING", "REVALIDATED":
					hits++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			cache += hits
			total += len(mine)
			mu.Unlock()
		})
	}
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	slices.Sort(lat)
	return deployBenchResult{
		rate: float64(len(lat)) / time.Since(start).Seconds(),
		p50:  lat[len(lat)/2], p99: lat[len(lat)*99/100],
		fromCache: float64(cache) / float64(max(total, 1)),
	}
}
