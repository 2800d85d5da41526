package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

// releasePost is a post with tags (one Korean, one with a space) and an
// updated date.
func releasePost(title, updated string) string {
	u := ""
	if updated != "" {
		u = "updated: " + updated + "\n"
	}
	return "---\ntitle:\n  ko: " + title + "\n  en: " + title + " (en)\ndate: 2025-01-02\n" + u +
		"tags: [python, 동시성, two words]\n---\n\n## 개요\n" + title + " 본문입니다.\n\n" +
		strings.Repeat("payloads over a kilobyte are stored compressed. ", 30) + "\n"
}

// releaseContent is a small site: site.yaml, a category file, three posts.
func releaseContent(alphaTitle string) map[string]string {
	return map[string]string{
		"site.yaml":              "languages: [ko, en]\nbaseURL: https://blog.example\ntitle: {ko: 블로그, en: Blog}\n",
		"cs/_category.yaml":      "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/alpha.ko.md":         releasePost(alphaTitle, "2025-03-01"),
		"cs/alpha.en.md":         "---\ndate: 2025-01-02\n---\n\nIn English: " + strings.Repeat("an English body. ", 80) + "\n",
		"cs/beta.ko.md":          releasePost("베타", ""),
		"life/gamma/index.ko.md": releasePost("감마", ""),
	}
}

var releaseLine = regexp.MustCompile(`(?m)^release: ([0-9a-f]{64})$`)

// indexRelease runs geul index over files into db and returns the hash it
// prints.
func indexRelease(t *testing.T, files map[string]string, db string, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, files)
	out, errOut, code := runCmd(t, append([]string{"index", "--content", dir, "--db", db}, extra...)...)
	m := releaseLine.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("geul index: exit %d, no release line\n%s\n%s", code, out, errOut)
	}
	return m[1]
}

// releaseURLs are answers of every kind a release serves.
var releaseURLs = []string{
	"/posts/cs/alpha?lang=ko", "/posts/cs/alpha?lang=en", "/posts/life/gamma?fields=slug,title",
	"/posts", "/posts?tag=python", "/categories", "/categories/cs", "/tags",
	"/tags/%EB%8F%99%EC%8B%9C%EC%84%B1", "/search?q=%EB%B3%B8%EB%AC%B8", "/feed.xml", "/atom.xml",
	"/feed.json", "/sitemap.xml", "/changes?since=0",
}

// answer is what must be identical between replicas of one release.
type answer struct {
	status  int
	body    string
	headers string
}

var replicaHeaders = []string{"ETag", "Last-Modified", "Cache-Control", "Content-Encoding", "Content-Language", "Vary", "Surrogate-Key", "Cache-Tag"}

func (a *app) answer(t *testing.T, path string, header ...string) answer {
	t.Helper()
	resp, body := a.get(t, path, header...)
	var h []string
	for _, k := range replicaHeaders {
		h = append(h, k+": "+resp.Header.Get(k))
	}
	return answer{resp.StatusCode, string(body), strings.Join(h, "\n")}
}

// The same content, indexed twice from copies with other file times, gives
// the same release hash; two read-only servers of the two files answer byte
// for byte alike, validators included, and leave no -wal or -shm file.
func TestReleaseReplicasAgree(t *testing.T) {
	files := releaseContent("알파")
	files["life/gamma/diagram.png"] = pngOf(t, 16, 8)
	dir1, dir2 := t.TempDir(), t.TempDir()
	db1, db2 := filepath.Join(dir1, "a.db"), filepath.Join(dir2, "b.db")
	h1 := indexRelease(t, files, db1)
	time.Sleep(1100 * time.Millisecond) // other file times, another build time
	h2 := indexRelease(t, files, db2)
	if h1 != h2 {
		t.Fatalf("two builds of the same content: release %s and %s", h1, h2)
	}
	if h3 := indexRelease(t, releaseContent("알파!"), filepath.Join(t.TempDir(), "c.db")); h3 == h1 {
		t.Fatalf("other content, same release %s", h3)
	}
	r1 := startServe(t, nil, "--db", db1, "--read-only", "--content", filepath.Join(t.TempDir(), "absent"))
	r2 := startServe(t, nil, "--db", db2, "--read-only")
	for _, enc := range []string{"", "br", "gzip"} {
		for _, u := range append(releaseURLs, "/posts/life/gamma/diagram.png") {
			a1, a2 := r1.answer(t, u, "Accept-Encoding", enc), r2.answer(t, u, "Accept-Encoding", enc)
			if a1 != a2 {
				t.Errorf("GET %s (%s): replicas differ:\n%s\n--\n%s", u, enc, a1.headers, a2.headers)
			}
			if a1.status != http.StatusOK {
				t.Errorf("GET %s: status %d", u, a1.status)
			}
		}
	}
	// Last-Modified comes from the content: the post's updated date, and a
	// bundle file's post's date.
	for path, want := range map[string]string{
		"/posts/cs/alpha?lang=ko":       "Sat, 01 Mar 2025 00:00:00 GMT",
		"/posts/life/gamma/diagram.png": "Thu, 02 Jan 2025 00:00:00 GMT",
	} {
		if resp, _ := r1.get(t, path); resp.Header.Get("Last-Modified") != want {
			t.Errorf("GET %s: Last-Modified %q, want %q", path, resp.Header.Get("Last-Modified"), want)
		}
	}
	resp, _ := r1.get(t, "/posts/cs/alpha?lang=ko")
	if got, want := resp.Header.Get("Surrogate-Key"), "post:cs/alpha cat:cs tag:python tag:two%20words tag:%EB%8F%99%EC%8B%9C%EC%84%B1"; got != want {
		t.Errorf("Surrogate-Key %q, want %q", got, want)
	}
	if got := resp.Header.Get("Cache-Tag"); got != strings.ReplaceAll(resp.Header.Get("Surrogate-Key"), " ", ",") {
		t.Errorf("Cache-Tag %q", got)
	}
	for path, want := range map[string]string{
		"/posts?tag=python": "list:posts tag:python", "/categories/cs": "list:posts cat:cs",
		"/tags/two%20words": "list:posts tag:two%20words", "/feed.xml": "list:posts", "/healthz": "",
	} {
		if resp, _ := r1.get(t, path); resp.Header.Get("Surrogate-Key") != want {
			t.Errorf("GET %s: Surrogate-Key %q, want %q", path, resp.Header.Get("Surrogate-Key"), want)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "s-maxage=") || !strings.Contains(cc, "stale-if-error=") {
		t.Errorf("Cache-Control %q: want s-maxage and stale-if-error for shared caches", cc)
	}
	var ready api.Health
	if _, body := r1.get(t, "/readyz"); json.Unmarshal(body, &ready) != nil || ready.Release != h1 {
		t.Errorf("/readyz %s, want release %s", body, h1)
	}
	for _, d := range []string{dir1, dir2} {
		es, _ := os.ReadDir(d)
		if len(es) != 1 {
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			t.Errorf("beside a read-only release: %q, want the release alone", names)
		}
	}
}

// swapUnderLoad reads /posts/cs/alpha and /posts from r until stop closes,
// and counts failures and answers that mix two releases: each list must
// carry the Last-Modified of the release its items come from.
func swapUnderLoad(t *testing.T, base string, stop <-chan struct{}, listLM map[string]string) (requests, failures *atomic.Int64, wg *sync.WaitGroup) {
	requests, failures, wg = &atomic.Int64{}, &atomic.Int64{}, &sync.WaitGroup{}
	var mu sync.Mutex
	reported := 0
	fail := func(format string, args ...any) {
		failures.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if reported++; reported <= 5 {
			t.Errorf(format, args...)
		}
	}
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				path := "/posts?fields=slug,title"
				if (n+i)%2 == 0 {
					path = "/posts/cs/alpha?lang=ko"
				}
				resp, err := client.Get(base + path)
				requests.Add(1)
				if err != nil {
					fail("GET %s: %v", path, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					fail("GET %s: %d %v", path, resp.StatusCode, err)
					continue
				}
				if strings.HasPrefix(path, "/posts?") {
					for title, lm := range listLM {
						if strings.Contains(string(body), title) && resp.Header.Get("Last-Modified") != lm {
							fail("list with %q carries Last-Modified %q, want %q: two releases mixed", title, resp.Header.Get("Last-Modified"), lm)
						}
					}
				}
			}
		}()
	}
	return requests, failures, wg
}

// waitRelease waits until /readyz names hash.
func waitRelease(t testing.TB, a *app, hash string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		var h api.Health
		if resp, err := http.Get(a.URL + "/readyz"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if json.Unmarshal(body, &h) == nil && h.Release == hash {
				return time.Since(start)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("release %s not served within %v", hash, within)
	return 0
}

// A read-only server swaps in the release renamed over its file, between
// requests: under load no request fails and none mixes the two releases; the
// new one is served within 2 s. SIGHUP swaps too.
func TestReadOnlySwap(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	oldHash := indexRelease(t, releaseContent("알파 하나"), live)
	next := filepath.Join(t.TempDir(), "next.db")
	newFiles := releaseContent("알파 둘")
	newFiles["cs/delta.ko.md"] = strings.Replace(releasePost("델타", ""), "2025-01-02", "2025-06-01", 1)
	newHash := indexRelease(t, newFiles, next)
	r := startServe(t, nil, "--db", live, "--read-only")
	if oldHash == newHash {
		t.Fatal("two contents, one release")
	}
	// The release clock of a build from nothing is its newest post's date.
	lm := map[string]string{"알파 하나": "Sat, 01 Mar 2025 00:00:00 GMT", "알파 둘": "Sun, 01 Jun 2025 00:00:00 GMT"}

	stop := make(chan struct{})
	requests, failures, wg := swapUnderLoad(t, r.URL, stop, lm)
	time.Sleep(200 * time.Millisecond)
	tmp := filepath.Join(dir, ".live.db.tmp")
	if err := os.WriteFile(tmp, readFile(t, next), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, live); err != nil {
		t.Fatal(err)
	}
	took := waitRelease(t, r, newHash, 2*time.Second)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d of %d requests failed across the swap\n%s", failures.Load(), requests.Load(), grepLines(r.stderr.String(), `"level":"ERROR"`))
	}
	t.Logf("swapped in %v, %d requests, none failed", took, requests.Load())
	if _, body := r.get(t, "/posts/cs/alpha?lang=ko"); !strings.Contains(string(body), "알파 둘") {
		t.Fatalf("after the swap: %.200s", body)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("beside the release: %d files, want it alone", len(es))
	}
}

// A writer with --publish writes a release after its runs; a follower serves
// the newest, and an edit without an updated date still moves the post's
// Last-Modified forward.
func TestPublishFollow(t *testing.T) {
	content, pub := t.TempDir(), t.TempDir()
	testutil.WriteFiles(t, content, releaseContent("알파"))
	w := startApp(t, content, nil, "--watch", "--publish", pub)
	var first api.Health
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := w.get(t, "/readyz")
		json.Unmarshal(body, &first)
		if _, err := os.Stat(filepath.Join(pub, "current")); err == nil && first.Release != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing published in %s\n%s", pub, w.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	f := startServe(t, nil, "--follow", pub)
	waitRelease(t, f, first.Release, 5*time.Second)
	before, _ := f.get(t, "/posts/cs/beta?lang=ko")

	testutil.WriteFiles(t, content, map[string]string{"cs/beta.ko.md": strings.Replace(releasePost("베타", ""), "본문입니다", "고친 본문입니다", 1)})
	var second api.Health
	deadline = time.Now().Add(10 * time.Second)
	for second.Release == "" || second.Release == first.Release {
		if time.Now().After(deadline) {
			t.Fatalf("the edit made no new release\n%s", w.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
		_, body := w.get(t, "/readyz")
		json.Unmarshal(body, &second)
	}
	waitRelease(t, f, second.Release, 5*time.Second)
	after, body := f.get(t, "/posts/cs/beta?lang=ko")
	if !strings.Contains(string(body), "고친 본문") {
		t.Fatalf("follower serves %.200s", body)
	}
	t0, _ := http.ParseTime(before.Header.Get("Last-Modified"))
	t1, _ := http.ParseTime(after.Header.Get("Last-Modified"))
	if !t1.After(t0) {
		t.Errorf("Last-Modified %v after an edit, was %v: it must move forward", t1, t0)
	}
	// The writer's /changes names the keys to purge.
	_, body = w.get(t, "/changes?since=1")
	var ch api.Changes
	if err := json.Unmarshal(body, &ch); err != nil || len(ch.Updated) == 0 {
		t.Fatalf("/changes: %s", body)
	}
	for _, u := range ch.Updated {
		if want := []string{"post:" + u.Slug, "list:posts"}; !slices.Equal(u.Keys, want) {
			t.Errorf("change of %s: keys %q, want %q", u.Slug, u.Keys, want)
		}
	}
	names, _ := filepath.Glob(filepath.Join(pub, "geul-*.db"))
	if len(names) != 2 {
		t.Errorf("publish folder: %q, want the two releases", names)
	}
}

// grepLines keeps the lines of s that hold sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
