package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/testutil"
)

// The deployment of docs/deploy, for real on loopback: nginx, configured by
// docs/deploy/nginx.conf with the ports and paths of the test, in front of
// read-only replicas, each a process of the built binary serving its own copy
// of the release.

// nginxConf is the shipped configuration; the test runs it as shipped but
// for the strings it replaces.
const nginxConf = "../../docs/deploy/nginx.conf"

// renderNginx writes docs/deploy/nginx.conf into prefix with the listen
// port, the upstreams and every path of the test. It fails when a string it
// replaces is gone from the file: the test must run the shipped file.
// extra are more (old, new) pairs to replace.
func renderNginx(t testing.TB, prefix string, listen int, upstreams []string, extra ...string) string {
	t.Helper()
	conf := string(readFile(t, nginxConf))
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers write the cache in the test's folder
	}
	repl := []string{
		"user www-data;", user,
		"pid /run/nginx-geul.pid;", "pid " + filepath.Join(prefix, "nginx.pid") + ";",
		"127.0.0.1:8090", fmt.Sprintf("127.0.0.1:%d", freePort(t)), // the stamping hop
		"/var/log/nginx/", filepath.Join(prefix, "log") + "/",
		"/var/cache/nginx/", filepath.Join(prefix, "cache") + "/",
		"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", listen),
	}
	defaults := []string{"127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083"}
	if len(upstreams) != len(defaults) {
		t.Fatalf("the shipped configuration names %d replicas", len(defaults))
	}
	for i, u := range upstreams {
		repl = append(repl, defaults[i], u)
	}
	// The extras first: they name the file's own strings.
	repl = append(slices.Clone(extra), repl...)
	for i := 0; i < len(repl); i += 2 {
		if !strings.Contains(conf, repl[i]) {
			t.Fatalf("%s no longer holds %q: update the test with it", nginxConf, repl[i])
		}
		conf = strings.ReplaceAll(conf, repl[i], repl[i+1])
	}
	for _, d := range []string{"log", "cache"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// freePort returns a loopback port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// nginxBin finds nginx, on PATH or where Debian puts it, and skips the test
// without it.
func nginxBin(t testing.TB) string {
	t.Helper()
	if bin, err := exec.LookPath("nginx"); err == nil {
		return bin
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	t.Skip("nginx is not installed (Debian: apt-get install nginx-light; .ci/run does so when it can): the deployment is not tested")
	return ""
}

// startNginx runs nginx in the foreground with the rendered configuration
// and waits until it answers /readyz through a replica.
func startNginx(t testing.TB, upstreams []string, extra ...string) string {
	t.Helper()
	bin := nginxBin(t)
	prefix := t.TempDir()
	port := freePort(t)
	conf := renderNginx(t, prefix, port, upstreams, extra...)
	if out, err := exec.Command(bin, "-t", "-p", prefix, "-c", conf, "-e", filepath.Join(prefix, "log", "test.log")).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-p", prefix, "-c", conf, "-e", filepath.Join(prefix, "log", "error.log"), "-g", "daemon off;")
	var out testutil.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nginx did not answer\n%s\n%s", out.String(), readFile(t, filepath.Join(prefix, "log", "error.log")))
	return ""
}

// startReplicas starts n read-only replicas of bin, each on its own copy of
// the release at db, and returns them with their copies' paths.
func startReplicas(t testing.TB, bin, db string, n int, env ...string) ([]*proc, []string) {
	t.Helper()
	var procs []*proc
	var dbs []string
	for i := range n {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("replica%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		copyDB := filepath.Join(dir, "geul.db")
		if err := os.WriteFile(copyDB, readFile(t, db), 0o644); err != nil {
			t.Fatal(err)
		}
		p := startGeul(t, bin, append([]string{"GEUL_LOG_LEVEL=warn"}, env...), "serve", "--read-only", "--db", copyDB, "--addr", "127.0.0.1:0")
		p.waitReady(t, 10*time.Second)
		procs = append(procs, p)
		dbs = append(dbs, copyDB)
	}
	return procs, dbs
}

// replaceRelease puts the release at src in place of dst by a rename, as a
// deployment does.
func replaceRelease(t testing.TB, src, dst string) {
	t.Helper()
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, readFile(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

// deployLoad asks nginx for paths from a few clients until stop closes;
// every other request has a query of its own, which no cache holds, so it
// reaches a replica. It counts requests and failures (anything but 200).
type deployLoad struct {
	requests, failures atomic.Int64
	mu                 sync.Mutex
	errs               []string
	wg                 sync.WaitGroup
}

func startDeployLoad(base string, paths []string, stop <-chan struct{}) *deployLoad {
	l := &deployLoad{}
	var seq atomic.Int64
	for range 4 {
		l.wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := seq.Add(1)
				p := paths[int(n)%len(paths)]
				if n%2 == 0 {
					sep := "?"
					if strings.Contains(p, "?") {
						sep = "&"
					}
					p += fmt.Sprintf("%sn=%d", sep, n)
				}
				resp, err := client.Get(base + p)
				l.requests.Add(1)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					l.failures.Add(1)
					l.mu.Lock()
					if len(l.errs) < 5 {
						l.errs = append(l.errs, fmt.Sprintf("GET %s: %v", p, err))
					}
					l.mu.Unlock()
				}
			}
		})
	}
	return l
}

func (l *deployLoad) check(t *testing.T, what string) {
	t.Helper()
	if n := l.failures.Load(); n > 0 {
		t.Errorf("%s: %d of %d requests failed: %s", what, n, l.requests.Load(), strings.Join(l.errs, "; "))
	} else {
		t.Logf("%s: %d requests, none failed", what, l.requests.Load())
	}
}

// withManyTags adds to files a post with as many Korean tags as a post may
// have, each nine bytes a character in a cache key.
func withManyTags(files map[string]string) map[string]string {
	var tags []string
	for i := range content.MaxTags {
		tags = append(tags, fmt.Sprintf("동시성공부%d", i))
	}
	files["cs/tagged.ko.md"] = "---\ntitle: 태그\ndate: 2025-02-01\ntags: [" + strings.Join(tags, ", ") + "]\n---\n\n본문\n"
	return files
}

// nginx in front of three read-only replicas: cached answers keep their
// Vary and are kept apart by encoding and language; killing a replica under
// load fails no request; swapping the release on every replica under load
// fails no request and the new content is served within 2 s.
func TestDeployNginxReplicas(t *testing.T) {
	nginxBin(t)
	bin := buildGeul(t)
	oldDB := filepath.Join(t.TempDir(), "old.db")
	indexRelease(t, withManyTags(releaseContent("알파 하나")), oldDB)
	newDB := filepath.Join(t.TempDir(), "new.db")
	newHash := indexRelease(t, withManyTags(releaseContent("알파 둘")), newDB)
	procs, dbs := startReplicas(t, bin, oldDB, 3)
	var ups []string
	for _, p := range procs {
		ups = append(ups, strings.TrimPrefix(p.URL, "http://"))
	}
	base := startNginx(t, ups)

	// Every header of an answer must fit nginx's proxy buffer (4 KB here):
	// a post's cache keys name its tags, as many as a post may have.
	t.Run("a post with many tags", func(t *testing.T) {
		resp, err := http.Get(base + "/posts/cs/tagged?lang=ko")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Surrogate-Key"), "tag:") {
			t.Errorf("through nginx: %d, Surrogate-Key %q", resp.StatusCode, resp.Header.Get("Surrogate-Key"))
		}
	})

	t.Run("cache and Vary", func(t *testing.T) {
		for _, c := range []struct{ ae, al, enc, lang string }{
			{"br, gzip", "", "br", "ko"},
			{"gzip, deflate", "en-US,en;q=0.9", "gzip", "en"},
			{"", "ko-KR", "", "ko"},
		} {
			// An answer is fresh until its second ends: one made just before
			// that is revalidated at once, so a HIT may take a few requests.
			var statuses []string
			var bodies []string
			deadline := time.Now().Add(2 * time.Second)
			for n := 0; n < 2 || (statuses[n-1] != "HIT" && time.Now().Before(deadline)); n++ {
				if n > 1 {
					time.Sleep(20 * time.Millisecond) // a background update under way
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/posts/cs/alpha", nil)
				req.Header.Set("Accept-Encoding", c.ae)
				req.Header.Set("Accept-Language", c.al)
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				statuses = append(statuses, resp.Header.Get("X-Cache-Status"))
				bodies = append(bodies, string(body))
				if resp.Header.Get("Content-Encoding") != c.enc || resp.Header.Get("Content-Language") != c.lang {
					t.Errorf("AE %q AL %q: Content-Encoding %q, Content-Language %q; want %q, %q (%s)",
						c.ae, c.al, resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Language"), c.enc, c.lang, resp.Header.Get("X-Cache-Status"))
				}
				if v := resp.Header.Get("Vary"); !strings.Contains(v, "Accept-Encoding") || !strings.Contains(v, "Accept-Language") {
					t.Errorf("Vary %q through nginx", v)
				}
				if resp.Header.Get("Surrogate-Key") == "" || resp.Header.Get("ETag") == "" {
					t.Errorf("nginx dropped cache keys or ETag: %v", resp.Header)
				}
				if x := resp.Header.Get("X-Accel-Expires"); x != "" {
					t.Errorf("X-Accel-Expires %q reached a client", x)
				}
				if n > 0 && string(body) != bodies[0] {
					t.Errorf("AE %q AL %q: answer %d differs from the first (%s)", c.ae, c.al, n, resp.Header.Get("X-Cache-Status"))
				}
			}
			if statuses[len(statuses)-1] != "HIT" {
				t.Errorf("AE %q AL %q: cache statuses %q, want a HIT", c.ae, c.al, statuses)
			}
		}
		// Answers no cache may keep are never kept.
		for range 2 {
			resp, err := http.Get(base + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if s := resp.Header.Get("X-Cache-Status"); s == "HIT" {
				t.Errorf("/readyz served from the cache")
			}
		}
	})

	paths := []string{"/posts/cs/alpha?lang=ko", "/posts/cs/beta?lang=en", "/posts", "/categories", "/tags/python", "/search?q=%EB%B3%B8%EB%AC%B8", "/feed.xml"}

	t.Run("kill a replica", func(t *testing.T) {
		stop := make(chan struct{})
		load := startDeployLoad(base, paths, stop)
		time.Sleep(500 * time.Millisecond)
		procs[0].cmd.Process.Kill()
		<-procs[0].done
		time.Sleep(time.Second)
		close(stop)
		load.wg.Wait()
		load.check(t, "killing a replica")
	})

	t.Run("swap the release", func(t *testing.T) {
		stop := make(chan struct{})
		load := startDeployLoad(base, paths, stop)
		time.Sleep(300 * time.Millisecond)
		start := time.Now()
		for _, db := range dbs {
			replaceRelease(t, newDB, db)
		}
		// What no cache holds reaches a replica after the replicas' 250 ms;
		// a cached URL waits out the rest of the micro-cache's second too.
		uncached := untilServed(start, base+"/posts/cs/alpha?lang=ko&fresh=", "알파 둘", 2*time.Second)
		cached := untilServed(start, base+"/posts/cs/alpha?lang=ko", "알파 둘", 2*time.Second)
		time.Sleep(300 * time.Millisecond)
		close(stop)
		load.wg.Wait()
		load.check(t, "swapping the release")
		if uncached < 0 || cached < 0 {
			t.Fatalf("the new release through nginx: after %v uncached, %v cached (-1: not within 2 s)", uncached, cached)
		}
		t.Logf("new release served through nginx %v after the swap, %v from the cache", uncached, cached)
		for _, p := range procs[1:] {
			resp, err := http.Get(p.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), newHash) {
				t.Errorf("replica %s: /readyz %s, want release %s", p.URL, body, newHash)
			}
		}
	})

	t.Run("SIGHUP", func(t *testing.T) {
		// A reload opens the release again and goes on serving it.
		p := procs[1]
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		select {
		case <-p.done:
			t.Fatalf("SIGHUP ended the replica: %v\n%s", p.err, p.stderr.String())
		default:
		}
		waitRelease(t, &app{URL: p.URL}, newHash, 2*time.Second)
	})
}

// untilServed polls url (given a fresh query value each time when it ends in
// "=") until its body holds want, and returns how long after start that
// was, or -1 past within.
func untilServed(start time.Time, url, want string, within time.Duration) time.Duration {
	for n := 0; time.Since(start) < within; n++ {
		u := url
		if strings.HasSuffix(u, "=") {
			u += fmt.Sprint(n)
		}
		if resp, err := http.Get(u); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), want) {
				return time.Since(start)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return -1
}
