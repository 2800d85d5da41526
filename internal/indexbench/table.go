package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/store"
)

// tableCmd measures every figure of geul's indexing on both corpora, each
// against its baseline in the same run, alternating, and prints one table
// (markdown) with the command that reproduces each row; the serving figures
// come from cmd/geul's BenchmarkServe, run after.
//
// GEUL_BENCH_POSTS (default 10000), GEUL_BENCH_REPEATS (default 3) and
// GEUL_BENCH_DIR (default a temporary folder, removed after) change the
// size, the rounds and where corpora and indexes go. GEUL_BENCH_SERVE=0
// leaves the serving figures out.
func tableCmd() error {
	posts := envInt("GEUL_BENCH_POSTS", 10000)
	repeats := envInt("GEUL_BENCH_REPEATS", 3)
	dir := os.Getenv("GEUL_BENCH_DIR")
	if dir == "" {
		d, err := os.MkdirTemp("", "geul-indexbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	dir, _ = filepath.Abs(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	geul := filepath.Join(dir, "geul")
	logf("building geul into %s", geul)
	if out, err := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", geul, "./cmd/geul").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	hugo, herr := exec.LookPath("hugo")
	if herr != nil {
		logf("hugo not measured: %v (the Debian package hugo provides it)", herr)
	}
	var rows []row
	for _, light := range []bool{false, true} {
		name := "present"
		if light {
			name = "light"
		}
		c := filepath.Join(dir, fmt.Sprintf("corpus-%s-%d", name, posts))
		if _, err := os.Stat(c); err != nil {
			logf("generating the %s corpus, %d posts, into %s", name, posts, c)
			if _, err := corpus.Generate(c, corpus.Options{Posts: posts, Seed: 1, Light: light}); err != nil {
				return err
			}
		}
		// The indexer does not trust the stat of a file modified within a
		// moment of its run start; the corpus is older than that.
		time.Sleep(3 * time.Second)
		r, err := measureCorpus(geul, self, hugo, dir, c, name, posts, repeats)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if os.Getenv("GEUL_BENCH_SERVE") != "0" {
		r, err := serveRows(posts)
		if err != nil {
			logf("serving figures not measured: %v", err)
		}
		rows = append(rows, r...)
	}
	printTable(os.Stdout, rows, posts, repeats)
	return nil
}

type row struct {
	figure, corpus, value, baseline, ratio, target, command string
}

// proc is one finished process.
type proc struct {
	wall time.Duration
	rss  int64 // peak resident set, bytes
	out  string
}

// run times one process. It first has the kernel write back every dirty
// page, untimed, so that no process pays for the writes of the one before
// it: Hugo leaves about half a gigabyte of pages it never syncs, which the
// killed-build rerun after it, and the sync at the end of a geul index,
// otherwise waited behind.
func run(name string, args ...string) (proc, error) {
	syscall.Sync()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	p := proc{wall: time.Since(start), out: out.String()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.rss = ru.Maxrss << 10 // Linux reports KiB
	}
	if err != nil {
		return p, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(p.out))
	}
	return p, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func dbBytes(db string) int64 {
	var n int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(db + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func measureCorpus(geul, self, hugo, dir, c, name string, posts, repeats int) ([]row, error) {
	db := filepath.Join(dir, "index-"+name+".db")
	site, pub := filepath.Join(dir, "hugo-"+name), filepath.Join(dir, "hugo-out-"+name)
	if hugo != "" {
		if err := hugoSite(site, c); err != nil {
			return nil, err
		}
	}
	index := func() (proc, error) {
		_ = store.Remove(db)
		return run(geul, "index", "--content", c, "--db", db)
	}
	render := func() (proc, error) { return run(self, "render", c) }
	build := func() (proc, error) {
		os.RemoveAll(pub)
		return run(hugo, "--quiet", "--source", site, "--destination", pub)
	}
	// Warm-up: the page cache and the binaries, both sides.
	logf("%s: warming up", name)
	if _, err := render(); err != nil {
		return nil, err
	}
	var (
		idx, base, hug, rss, disk, kill, unchanged []float64
		vsBase, vsHugo, killRatio                  []float64
	)
	for k := range repeats {
		p, err := index()
		if err != nil {
			return nil, err
		}
		disk = append(disk, float64(dbBytes(db)))
		b, err := render()
		if err != nil {
			return nil, err
		}
		idx, base, rss = append(idx, p.wall.Seconds()), append(base, b.wall.Seconds()), append(rss, float64(p.rss))
		vsBase = append(vsBase, b.wall.Seconds()/p.wall.Seconds())
		logf("%s round %d: geul index %.1f s (%.0f MiB), render %.1f s", name, k+1, p.wall.Seconds(), float64(p.rss)/(1<<20), b.wall.Seconds())
		// An unchanged re-index, as a new process, of the index just built.
		u, err := run(geul, "index", "--content", c, "--db", db)
		if err != nil {
			return nil, err
		}
		unchanged = append(unchanged, u.wall.Seconds())
		if hugo != "" {
			h, err := build()
			if err != nil {
				return nil, err
			}
			hug = append(hug, h.wall.Seconds())
			vsHugo = append(vsHugo, p.wall.Seconds()/h.wall.Seconds())
			logf("%s round %d: hugo %.1f s", name, k+1, h.wall.Seconds())
		}
		// A first index killed at 60 % of the time of the one above, then
		// run again.
		re, err := killedRerun(geul, c, db, p.wall*6/10)
		if err != nil {
			return nil, err
		}
		kill = append(kill, re.Seconds())
		killRatio = append(killRatio, re.Seconds()/p.wall.Seconds())
		logf("%s round %d: killed at 60 %%, then %.1f s", name, k+1, re.Seconds())
	}
	idxCmd := fmt.Sprintf("rm -f DB*; geul index --content %s --db DB", corpusArg(name, posts))
	rows := []row{
		{"`geul index`, fresh db, vs goldmark+chroma on as many workers (baseline/index)", name, secs(idx), secs(base), ratio(vsBase), "≥ 0.6",
			idxCmd + " vs go run ./internal/indexbench render CORPUS"},
	}
	if hugo != "" {
		rows = append(rows, row{"`geul index` vs `hugo` with highlighting (index/hugo)", name, secs(idx), secs(hug), ratio(vsHugo), "≤ 0.5",
			idxCmd + " vs hugo --source SITE (" + hugoVersion(hugo) + ")"})
	} else {
		rows = append(rows, row{"`geul index` vs `hugo`", name, secs(idx), "not installed", "skipped", "≤ 0.5", "apt-get install hugo"})
	}
	rows = append(rows,
		row{"peak RSS of `geul index`", name, fmt.Sprintf("%.0f MiB", median(rss)/(1<<20)), "", "", "≤ 384 MiB", idxCmd + " under /usr/bin/time -v"},
		row{"db + wal + shm right after `geul index`", name, fmt.Sprintf("%.0f MB", median(disk)/1e6), fmt.Sprintf("%.0f MB markdown", float64(corpusBytes(c))/1e6),
			fmt.Sprintf("%.2f", median(disk)/float64(corpusBytes(c))), fmt.Sprintf("≤ %d MB", 600*posts/10000), "du -cb DB DB-wal DB-shm"},
		row{"first index killed at 60 % of its time, then run again (rerun/full)", name, secs(kill), secs(idx), ratio(killRatio), "≤ 0.6",
			idxCmd + "; kill -9 at 0.6 × its time; " + strings.TrimPrefix(idxCmd, "rm -f DB*; ")},
		row{"unchanged re-index, new process", name, secs(unchanged), "", "", "≤ 1 s", strings.TrimPrefix(idxCmd, "rm -f DB*; ") + " (again)"},
	)
	if name == "present" {
		p50, err := servedP50(geul, c, db)
		if err != nil {
			logf("lists and search not measured: %v", err)
		} else {
			rows = append(rows,
				row{"`/posts` page p50 (pages 1-40 in both languages, other sorts and sizes)", name, fmt.Sprintf("%.2f ms", p50.lists), "", "", "≤ 2 ms",
					"geul serve --db DB; GET /posts?page=…"},
				row{"`/search` p50 over the query classes of BenchmarkSearch", name, fmt.Sprintf("%.2f ms", p50.search), "", "", "≤ 10 ms",
					"geul serve --db DB; GET /search?q=…"})
		}
	}
	return rows, nil
}

func corpusArg(name string, posts int) string {
	light := ""
	if name == "light" {
		light = " -light"
	}
	return fmt.Sprintf("$(go run ./internal/corpus/gen -posts %d%s CORPUS)", posts, light)
}

func corpusBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// killedRerun starts a first index into a fresh db, kills it after d, and
// returns how long the next run takes.
func killedRerun(geul, c, db string, d time.Duration) (time.Duration, error) {
	_ = store.Remove(db)
	syscall.Sync() // as run does: the 60 % are of a run that waits for no other's writes
	cmd := exec.Command(geul, "index", "--content", c, "--db", db)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		logf("the run to kill ended before %s", d)
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
	}
	p, err := run(geul, "index", "--content", c, "--db", db)
	if err != nil {
		return 0, err
	}
	if line, _, _ := strings.Cut(p.out, "\n"); line != "" {
		logf("rerun: %s", strings.TrimSpace(line[strings.LastIndex(line, "\r")+1:]))
	}
	return p.wall, nil
}

// hugoSite writes a Hugo site whose content is the corpus: both languages,
// chroma with classes as geul highlights, and one template per page that
// writes the rendered body, no taxonomies or feeds, so that Hugo does about
// what geul does.
func hugoSite(site, content string) error {
	layouts := filepath.Join(site, "layouts", "_default")
	if err := os.MkdirAll(layouts, 0o755); err != nil {
		return err
	}
	cfg := `baseURL = "http://localhost/"
contentDir = "` + content + `"
defaultContentLanguage = "ko"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[languages.ko]
  weight = 1
[languages.en]
  weight = 2
[markup.highlight]
  noClasses = false
`
	files := map[string]string{
		filepath.Join(site, "hugo.toml"):      cfg,
		filepath.Join(layouts, "single.html"): "{{ .Content }}\n",
		filepath.Join(layouts, "list.html"):   "{{ range .Pages }}{{ .Title }}\n{{ end }}",
	}
	for p, s := range files {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func hugoVersion(hugo string) string {
	out, _ := exec.Command(hugo, "version").Output()
	if f := strings.Fields(string(out)); len(f) > 1 {
		return "hugo " + f[1]
	}
	return "hugo"
}

var searchQueries = []struct{ lang, q string }{
	{"ko", "풀"}, {"ko", "큐"}, {"ko", "락"},
	{"ko", "병목"}, {"ko", "성능"}, {"ko", "캐시"}, {"ko", "채널"},
	{"ko", "프로세스"}, {"ko", "스레드"}, {"ko", "트랜잭션"}, {"ko", "고루틴"},
	{"en", "goroutine"}, {"en", "bottleneck"}, {"en", "latency"}, {"en", "connection pool"}, {"en", "mutex"},
}

// p50s are the medians, in ms, of servedP50.
type p50s struct{ lists, search float64 }

// servedP50 serves db with geul serve and times GET of the list pages and
// of the searches, 20 rounds of each after one warm-up round.
func servedP50(geul, c, db string) (p50s, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return p50s{}, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(geul, "serve", "--content", c, "--db", db, "--addr", addr)
	if err := cmd.Start(); err != nil {
		return p50s{}, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return p50s{}, fmt.Errorf("geul serve not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var searches []string
	for _, q := range searchQueries {
		searches = append(searches, "/search?"+url.Values{"q": {q.q}, "lang": {q.lang}}.Encode())
	}
	var out p50s
	if out.lists, err = getP50(base, corpus.ListPages()); err != nil {
		return p50s{}, err
	}
	if out.search, err = getP50(base, searches); err != nil {
		return p50s{}, err
	}
	return out, nil
}

// getP50 times GET of every target, 20 rounds after one warm-up round,
// and returns the median in ms.
func getP50(base string, targets []string) (float64, error) {
	var ms []float64
	for round := range 21 {
		for _, t := range targets {
			start := time.Now()
			resp, err := http.Get(base + t)
			if err != nil {
				return 0, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return 0, fmt.Errorf("GET %s: %d", t, resp.StatusCode)
			}
			if round > 0 {
				ms = append(ms, float64(time.Since(start).Microseconds())/1000)
			}
		}
	}
	return median(ms), nil
}

// serveRows runs cmd/geul's BenchmarkServe and turns its metrics into rows.
func serveRows(posts int) ([]row, error) {
	logf("running BenchmarkServe (cmd/geul)")
	cmd := exec.Command("go", "test", "-tags", "sqlite_fts5", "-run", "^$", "-bench", "^BenchmarkServe$", "-benchtime", "1x", "-timeout", "60m", "./cmd/geul")
	cmd.Env = append(os.Environ(), "GEUL_BENCH_POSTS="+strconv.Itoa(posts))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("BenchmarkServe: %v\n%s", err, tail(string(out)))
	}
	m := map[string]map[string]string{}
	re := regexp.MustCompile(`^BenchmarkServe/(\w+)-\d+\s+\d+(.*)$`)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		g := re.FindStringSubmatch(sc.Text())
		if g == nil {
			continue
		}
		f := strings.Fields(g[2])
		m[g[1]] = map[string]string{}
		for i := 0; i+1 < len(f); i += 2 {
			m[g[1]][f[i+1]] = f[i]
		}
	}
	cmdline := "GEUL_BENCH_POSTS=" + strconv.Itoa(posts) + " go test -run '^$' -bench '^BenchmarkServe$' -benchtime 1x ./cmd/geul"
	var rows []row
	for _, f := range []struct{ name, figure, target string }{
		{"HotIdentity", "GET one hot post, identity, vs bare echo (geul/echo)", "≥ 0.85"},
		{"HotBr", "GET one hot post, br, vs bare echo (geul/echo)", "≥ 0.85"},
		{"Uniform", "GET uniformly over all post URLs vs bare echo (geul/echo)", "≥ 0.75"},
	} {
		if v := m[f.name]; v != nil {
			rows = append(rows, row{f.figure, "present", v["req/s"] + " req/s", v["echo-req/s"] + " req/s", v["geul/echo"], f.target, cmdline})
		}
	}
	if v := m["ServeRSS"]; v != nil {
		rows = append(rows, row{"peak RSS of `geul serve` through the loads", "present", v["peak-RSS-MiB"] + " MiB", "", "", "≤ 150 MiB", cmdline})
	}
	return rows, nil
}

func printTable(w io.Writer, rows []row, posts, repeats int) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\n%d posts per corpus (%d files), medians of %d alternating rounds; %s, %d CPUs, %s/%s, %s, %s\n\n",
		posts, 2*posts, repeats, cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), host)
	fmt.Fprintln(w, "| figure | corpus | geul | baseline | ratio | target | command |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | `%s` |\n", r.figure, r.corpus, r.value, r.baseline, r.ratio, r.target, r.command)
	}
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func secs(xs []float64) string  { return fmt.Sprintf("%.2f s", median(xs)) }
func ratio(xs []float64) string { return fmt.Sprintf("%.2f", median(xs)) }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "indexbench: "+format+"\n", args...)
}
