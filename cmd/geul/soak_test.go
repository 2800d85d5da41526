package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/store"
)

// TestSoak is make soak: for GEUL_SOAK (a duration, e.g. 1h), the real
// binary serves a generated site under --watch while
//
//   - clients read posts, lists, search, feeds and /readyz without pause;
//   - an author saves a post every few hundred milliseconds, and now and then
//     drops a hostile file (corpus.Hostile) into the folder, then removes it;
//   - a separate geul index is killed with SIGKILL at a random moment of its
//     run, and its database checked with PRAGMA integrity_check;
//   - the database's disk fills up (a small tmpfs, when one can be mounted)
//     until runs fail and /readyz says so, then space is freed and runs must
//     recover without a restart;
//   - the database file is deleted under the server, which must keep
//     serving and build a new one.
//
// It prints the counts at the end, and fails on any 5xx, connection error,
// failed integrity check or fault not recovered from.
func TestSoak(t *testing.T) {
	spec := os.Getenv("GEUL_SOAK")
	if spec == "" {
		t.Skip("a soak of the whole program: make soak, or GEUL_SOAK=10m go test -run TestSoak ./cmd/geul")
	}
	dur, err := time.ParseDuration(spec)
	if err != nil {
		t.Fatalf("GEUL_SOAK=%q: %v", spec, err)
	}
	bin := buildGeul(t)
	content := t.TempDir()
	if _, err := corpus.Generate(content, corpus.Options{Posts: 200, Seed: 17, BundleEvery: 10}); err != nil {
		t.Fatal(err)
	}
	disk, mounted := soakDisk(t)
	db := filepath.Join(disk, "index.db")
	const token = "soak-admin-token-0123456789abcdef"
	p := startGeul(t, bin, []string{"GEUL_ADMIN_TOKEN=" + token, "GEUL_LOG_LEVEL=warn"},
		"serve", "--watch", "--content", content, "--db", db, "--addr", "127.0.0.1:0")
	p.waitReady(t, 2*time.Minute)

	var c soakCounts
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	posts := soakPosts(t, content)
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	for range 4 {
		run(func() { soakLoad(ctx, t, p, posts, &c) })
	}
	run(func() { soakEdits(ctx, content, posts, &c) })
	run(func() { soakKills(ctx, t, bin, content, &c) })
	run(func() { soakFaults(ctx, t, p.URL, token, disk, db, mounted, &c) })
	wg.Wait()

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Errorf("geul serve did not stop on SIGTERM")
	}
	if err := integrityOf(db); err != nil {
		c.integrityFailed.Add(1)
		t.Errorf("the served database after the soak: %v", err)
	} else {
		c.integrityOK.Add(1)
	}
	report := c.String()
	if !mounted {
		report += "\nfull disk: skipped, no tmpfs could be mounted (needs root or CAP_SYS_ADMIN)"
	}
	fmt.Println(report)
	t.Log(report)
	if c.status5xx.Load()+c.connErrors.Load()+c.integrityFailed.Load()+c.unrecovered.Load() > 0 {
		t.Errorf("failures in the soak:\n%s\ngeul's errors and warnings:\n%s",
			strings.Join(c.failures, "\n"), logProblems(p.stderr.String(), 16000))
	}
}

// soakCounts are what the soak counts, printed at its end.
type soakCounts struct {
	requests, status5xx, connErrors                  atomic.Int64
	edits, hostile                                   atomic.Int64
	kills, integrityOK, integrityFailed              atomic.Int64
	fullDisks, rebuilds, faultsReported, unrecovered atomic.Int64

	mu       sync.Mutex
	failures []string // the first few failed answers, for the report
}

// failed keeps what a failed request got, up to a bound.
func (c *soakCounts) failed(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.failures) < 20 {
		c.failures = append(c.failures, time.Now().UTC().Format(time.RFC3339Nano)+" "+what)
	}
}

func (c *soakCounts) String() string {
	return fmt.Sprintf("soak: requests %d, failures %d (5xx %d, connection errors %d)\n"+
		"soak: edits %d, hostile files %d\n"+
		"soak: SIGKILLs %d, integrity checks passed %d, failed %d\n"+
		"soak: full disks %d, databases deleted and rebuilt %d, faults seen on /readyz before they were over %d, not recovered %d",
		c.requests.Load(), c.status5xx.Load()+c.connErrors.Load(), c.status5xx.Load(), c.connErrors.Load(),
		c.edits.Load(), c.hostile.Load(), c.kills.Load(), c.integrityOK.Load(), c.integrityFailed.Load(),
		c.fullDisks.Load(), c.rebuilds.Load(), c.faultsReported.Load(), c.unrecovered.Load())
}

// soakDisk is where the served database lives: a 256 MiB tmpfs that the soak
// can fill, or a plain folder when none can be mounted.
func soakDisk(t *testing.T) (string, bool) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256m"); err != nil {
		t.Logf("full disk skipped: cannot mount a tmpfs: %v", err)
		return dir, false
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir, true
}

// soakPost is a post file and its URL.
type soakPost struct{ file, url string }

// soakPosts lists the site's post files.
func soakPosts(t *testing.T, content string) []soakPost {
	var out []soakPost
	filepath.WalkDir(content, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		rel, _ := filepath.Rel(content, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		name := strings.Split(parts[len(parts)-1], ".")
		slug, lang := name[0], name[1]
		if slug == "index" {
			slug = parts[len(parts)-2]
		}
		out = append(out, soakPost{p, "/posts/" + parts[0] + "/" + slug + "?lang=" + lang})
		return nil
	})
	if len(out) == 0 {
		t.Fatal("no posts")
	}
	return out
}

// soakLoad reads the site until ctx ends. A 5xx is logged as it happens,
// with geul's log lines for its request id, so an hour's soak names the
// cause of a failure without waiting for its end.
func soakLoad(ctx context.Context, t *testing.T, p *proc, posts []soakPost, c *soakCounts) {
	base := p.URL
	hc := &http.Client{Timeout: 20 * time.Second}
	others := []string{"/posts?lang=ko", "/posts?lang=en&tag=go", "/search?q=go", "/search?q=%EC%8A%A4%EB%A0%88%EB%93%9C",
		"/feed.xml", "/atom.xml", "/sitemap.xml", "/categories", "/tags", "/readyz", "/changes?since=1"}
	for ctx.Err() == nil {
		path := posts[rand.IntN(len(posts))].url
		if rand.IntN(3) == 0 {
			path = others[rand.IntN(len(others))]
		}
		resp, err := hc.Get(base + path)
		c.requests.Add(1)
		if err != nil {
			if ctx.Err() == nil {
				c.connErrors.Add(1)
				c.failed(fmt.Sprintf("GET %s: %v", path, err))
			}
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			c.status5xx.Add(1)
			what := fmt.Sprintf("GET %s: %d %s", path, resp.StatusCode, tail(string(body), 500))
			c.failed(what)
			time.Sleep(100 * time.Millisecond) // the access log is written after the answer
			t.Logf("%s %s\n%s", time.Now().UTC().Format(time.RFC3339Nano), what,
				linesWith(p.stderr.String(), resp.Header.Get("X-Request-Id")))
		}
	}
}

// soakEdits saves a post every few hundred milliseconds, and now and then
// drops a hostile file into the folder for a while.
func soakEdits(ctx context.Context, content string, posts []soakPost, c *soakCounts) {
	hostile := corpus.Hostile()
	var names []string
	for name := range hostile {
		names = append(names, name)
	}
	var dropped string
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(200+rand.IntN(300)) * time.Millisecond):
		}
		p := posts[rand.IntN(len(posts))]
		if data, err := os.ReadFile(p.file); err == nil {
			data = append(data, fmt.Sprintf("\nEdit %d.\n", i)...)
			if os.WriteFile(p.file, data, 0o644) == nil {
				c.edits.Add(1)
			}
		}
		if i%50 == 0 {
			if dropped != "" {
				os.Remove(dropped)
				dropped = ""
			} else {
				name := names[rand.IntN(len(names))]
				dropped = filepath.Join(content, "cs", "hostile-"+name)
				if os.WriteFile(dropped, hostile[name], 0o644) == nil {
					c.hostile.Add(1)
				}
			}
		}
	}
}

// soakKills runs geul index into a database of its own and kills it with
// SIGKILL at a random moment of the run, then checks the database; every
// fourth run starts from nothing, so that some kills land in a long run.
func soakKills(ctx context.Context, t *testing.T, bin, content string, c *soakCounts) {
	db := filepath.Join(t.TempDir(), "killed.db")
	runTime := time.Second
	for i := 0; ctx.Err() == nil; i++ {
		if i%4 == 0 {
			_ = store.Remove(db)
		}
		cmd := execIndex(bin, content, db)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Errorf("geul index: %v", err)
			return
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(runTime)))):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			c.kills.Add(1)
		case <-done:
			runTime = max(runTime, time.Since(start))
		}
		if err := integrityOf(db); err != nil {
			c.integrityFailed.Add(1)
			t.Errorf("after SIGKILL %d: %v", i, err)
		} else {
			c.integrityOK.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// execIndex is geul index of content into db, its output dropped.
func execIndex(bin, content, db string) *exec.Cmd {
	return exec.Command(bin, "index", "--content", content, "--db", db)
}

// integrityOf opens the database as geul would after a crash (recovering
// its WAL) and runs PRAGMA integrity_check.
func integrityOf(db string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.IntegrityCheck(ctx)
	if err == nil && res != "ok" {
		err = fmt.Errorf("integrity_check: %s", res)
	}
	return err
}

// soakFaults fills the database's disk and deletes the database file, one
// fault at a time, and checks that geul reports each and recovers from it.
func soakFaults(ctx context.Context, t *testing.T, base, token, disk, db string, mounted bool, c *soakCounts) {
	pause := func(d time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	for i := 0; ; i++ {
		if !pause(20 * time.Second) {
			return
		}
		if i%2 == 0 && mounted {
			free := fillDisk(t, disk)
			c.fullDisks.Add(1)
			// Saves go on; their runs fail, and /readyz says why.
			if soakUntil(ctx, 30*time.Second, func() bool { return strings.Contains(soakReady(base), "no space") }) {
				c.faultsReported.Add(1)
			}
			pause(5 * time.Second)
			free()
			if !soakUntil(context.Background(), 90*time.Second, func() bool { r := soakRuns(base, token); return r != nil && !r.Failing }) {
				c.unrecovered.Add(1)
				t.Errorf("index runs did not recover after space was freed: %+v", soakRuns(base, token))
			}
			continue
		}
		if err := os.Remove(db); err != nil {
			t.Errorf("delete the database: %v", err)
			continue
		}
		c.rebuilds.Add(1)
		if soakUntil(ctx, 30*time.Second, func() bool { return strings.Contains(soakReady(base), "deleted") }) {
			c.faultsReported.Add(1)
		}
		// The next save's run builds a new file.
		if !soakUntil(context.Background(), 90*time.Second, func() bool {
			r := soakRuns(base, token)
			_, err := os.Stat(db)
			return r != nil && r.Storage == "" && !r.Failing && err == nil
		}) {
			c.unrecovered.Add(1)
			t.Errorf("no new database after it was deleted: %+v", soakRuns(base, token))
		}
	}
}

// soakUntil polls cond until it holds, ctx ends or within passes.
func soakUntil(ctx context.Context, within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if cond() {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// soakReady is /readyz's detail.
func soakReady(base string) string {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var h api.Health
	json.NewDecoder(resp.Body).Decode(&h)
	return h.Detail
}

// soakRuns is /admin/status's runs, nil when it cannot be read.
func soakRuns(base, token string) *api.RunHealth {
	req, _ := http.NewRequest(http.MethodGet, base+"/admin/status", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st api.Status
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return nil
	}
	return &st.Runs
}

// logProblems is geul's answers with a 5xx and its "request failed" lines,
// all of them, then the tail of its other lines above INFO: the hostile
// files' content errors would otherwise push out what explains a failure.
func logProblems(log string, n int) string {
	var failed, others strings.Builder
	for _, line := range strings.Split(log, "\n") {
		switch {
		case strings.Contains(line, `"status":5`) || strings.Contains(line, `"msg":"request failed"`):
			failed.WriteString(line + "\n")
		case strings.Contains(line, `"level":"ERROR"`) ||
			(strings.Contains(line, `"level":"WARN"`) && !strings.Contains(line, `"status":4`)):
			others.WriteString(line + "\n")
		}
	}
	return failed.String() + tail(others.String(), n)
}

// linesWith is the lines of log that hold id.
func linesWith(log, id string) string {
	if id == "" {
		return "(no request id)"
	}
	var b strings.Builder
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, id) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
