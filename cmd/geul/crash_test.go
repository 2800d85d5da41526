package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// The crash test kills the real binary with SIGKILL at random moments of an
// index run, over and over, flipping every post between two versions between
// runs, and checks after each kill that the database is sound and holds one
// whole version: each post entirely A or entirely B, in both languages and in
// the lists, and all posts the same, since a run commits all or nothing.

const (
	crashKills    = 20 // kills that land inside an index run
	crashMaxTries = 60
)

// crashPosts keeps a run over every post around a second or two on a shared
// two-core machine (and its checks quick), for 20 kills in about a minute.
func crashPosts() int {
	if testing.Short() {
		return 150
	}
	return 400
}

var crashCats = []string{"cs", "go", "db", "web"}

// writeCrashVersion writes every post of version v ("A" or "B"): the marker
// is in the title, the description and the body of both languages.
func writeCrashVersion(t *testing.T, dir string, n int, v string) {
	t.Helper()
	var body strings.Builder
	for i := range 12 {
		fmt.Fprintf(&body, "## Part %d\n\nParagraph %d of version ver%s, with `code` and a [link](https://example.com/%d).\n\n", i, i, v, i)
	}
	body.WriteString("```go\nfmt.Println(\"ver" + v + "\")\n```\n")
	for i := range n {
		cat := crashCats[i%len(crashCats)]
		for _, lang := range []string{"ko", "en"} {
			data := fmt.Sprintf("---\ntitle: Post %d ver%s %s\ndescription: post %d, ver%s\ndate: 2024-%02d-%02d\ntags: [crash, t%d]\n---\n\n%s",
				i, v, lang, i, v, 1+i%12, 1+i%28, i%10, body.String())
			p := filepath.Join(dir, cat, fmt.Sprintf("post-%d.%s.md", i, lang))
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// versionIn says whether data is all version A or all B, or neither.
func versionIn(data []byte) (string, error) {
	a, b := bytes.Contains(data, []byte("verA")), bytes.Contains(data, []byte("verB"))
	switch {
	case a && !b:
		return "A", nil
	case b && !a:
		return "B", nil
	}
	return "", fmt.Errorf("mixed or unmarked: %.200s", data)
}

// ramDir is a temporary folder in memory when the system has one: the test
// writes every post and copies the database after each of its many runs, and
// a process killed leaves the same files in memory as on disk.
func ramDir(t testing.TB) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "geul-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// copyDB copies a database as the crash left it (the file and its WAL; the
// shared-memory index is rebuilt on open) into dir.
func copyDB(t *testing.T, db, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, "copy.db")
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(db + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// dbVersion checks a database as a crash left it and returns the one version
// it holds ("" for an empty index): it must pass integrity_check, and every
// post, in both languages and in both lists, must be of that one version.
func dbVersion(t *testing.T, db string, n int) (string, error) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		return "", fmt.Errorf("open after crash: %w", err)
	}
	defer st.Close()
	if res, err := st.IntegrityCheck(ctx); err != nil || res != "ok" {
		return "", fmt.Errorf("integrity check: %q, %v", res, err)
	}
	version := ""
	see := func(what string, data []byte) error {
		v, err := versionIn(data)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if version == "" {
			version = v
		} else if v != version {
			return fmt.Errorf("%s is version %s, other posts %s: a run was half committed", what, v, version)
		}
		return nil
	}
	total := -1
	for _, lang := range []string{"ko", "en"} {
		seen := 0
		for page := 0; ; page++ {
			pg, err := st.List(ctx, store.ListQuery{Lang: lang, Offset: page * 500, Limit: 500})
			if err != nil {
				return "", err
			}
			for _, it := range pg.Items {
				if err := see("list item "+lang, it); err != nil {
					return "", err
				}
			}
			seen += len(pg.Items)
			if total >= 0 && pg.Total != total {
				return "", fmt.Errorf("%s list has %d posts, the other language %d", lang, pg.Total, total)
			}
			total = pg.Total
			if seen >= pg.Total || len(pg.Items) == 0 {
				break
			}
		}
	}
	if total == 0 {
		return "", nil
	}
	if total != n {
		return "", fmt.Errorf("the index holds %d posts, want 0 or %d", total, n)
	}
	for i := range n {
		id := fmt.Sprintf("%s/post-%d", crashCats[i%len(crashCats)], i)
		for _, lang := range []string{"ko", "en"} {
			p, err := st.Post(ctx, id, lang, repr.Identity)
			if err != nil {
				return "", fmt.Errorf("post %s %s: %w", id, lang, err)
			}
			if err := see("post "+id+" "+lang, p.Body); err != nil {
				return "", err
			}
		}
	}
	return version, nil
}

// testCrashKeepsAWholeVersion kills geul with SIGKILL at random moments of
// its index runs and checks every time that the database is sound and holds
// the whole of the last committed version or the whole of the new one.
func testCrashKeepsAWholeVersion(t *testing.T, bin string) {
	n := crashPosts()
	content := ramDir(t)
	for _, c := range crashCats {
		testutil.WriteFiles(t, content, map[string]string{c + "/_category.yaml": "name: {ko: " + c + ", en: " + c + "}\n"})
	}
	db := filepath.Join(ramDir(t), "index.db")
	serve := func() *proc {
		return startGeul(t, bin, []string{"GEUL_LOG_LEVEL=info"}, "serve", "--content", content, "--db", db, "--addr", "127.0.0.1:0")
	}
	indexed := func(p *proc) bool { return strings.Contains(p.stderr.String(), `"msg":"indexed"`) }

	// A first run without a kill commits version A and measures how long a
	// run over every post takes, to aim the kills inside one.
	writeCrashVersion(t, content, n, "A")
	start := time.Now()
	p := serve()
	p.waitReady(t, 5*time.Minute)
	full := time.Since(start)
	p.cmd.Process.Kill()
	p.wait(t, 30*time.Second)
	committed := "A"
	t.Logf("a full run of %d posts (%d files) takes %v with startup", n, 2*n, full)

	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	next := map[string]string{"A": "B", "B": "A"}
	kills, finished := 0, 0
	seen := map[string]int{}
	for try := 0; kills < crashKills && try < crashMaxTries; try++ {
		v := next[committed]
		if try%5 == 4 {
			// Now and then the same version twice: a run over files that did
			// not change at all must be as safe.
			v = committed
		}
		writeCrashVersion(t, content, n, v)
		p := serve()
		// Anywhere in the run, its write transaction and commit included, and
		// now and then just after it.
		delay := time.Duration(rnd.Int64N(int64(full) * 5 / 4))
		time.Sleep(delay)
		done := indexed(p)
		p.cmd.Process.Kill()
		p.wait(t, 30*time.Second)
		if done || indexed(p) {
			finished++
			// Runs got quicker than the first (a warm cache): aim earlier.
			full = full * 9 / 10
		} else {
			kills++
			// Runs that rewrite every post can take longer than the first,
			// which only inserted: aim a little later each time, so that some
			// runs do commit and the check sees versions change.
			full = full * 21 / 20
		}
		got, err := dbVersion(t, copyDB(t, db, ramDir(t)), n)
		if err != nil {
			t.Fatalf("after a kill %v into a run writing version %s: %v\n%s", delay, v, err, p.stderr.String())
		}
		if got != committed && got != v {
			t.Fatalf("after a kill %v into a run writing version %s: the index holds %s, want %s or %s", delay, v, got, committed, v)
		}
		seen[fmt.Sprintf("%s->%s", committed, got)]++
		committed = got
	}
	if kills < crashKills {
		t.Errorf("only %d kills landed inside a run (%d runs finished first)", kills, finished)
	}
	if seen["A->B"]+seen["B->A"] == 0 {
		t.Errorf("no run ever committed a new version (outcomes %v): the check saw one version only", seen)
	}
	t.Logf("%d kills inside a run, %d runs finished before the kill; outcomes %v", kills, finished, seen)

	// After all that, geul starts on the crashed database, brings it to the
	// content's version and serves it whole.
	final := next[committed]
	writeCrashVersion(t, content, n, final)
	p = serve()
	p.waitReady(t, 5*time.Minute)
	for _, i := range []int{0, 1, n / 2, n - 1} {
		for _, lang := range []string{"ko", "en"} {
			path := fmt.Sprintf("/posts/%s/post-%d?lang=%s", crashCats[i%len(crashCats)], i, lang)
			resp, err := http.Get(p.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if v, err := versionIn(body); resp.StatusCode != 200 || err != nil || v != final {
				t.Errorf("GET %s after the crashes: %d, version %q (%v), want version %s", path, resp.StatusCode, v, err, final)
			}
		}
	}
	resp, err := http.Get(p.URL + "/posts?lang=en&limit=100")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if v, err := versionIn(body); err != nil || v != final || !strings.Contains(string(body), `"total":`+strconv.Itoa(n)) {
		t.Errorf("GET /posts after the crashes: version %q (%v), want %s and %d posts: %.300s", v, err, final, n, body)
	}
}
