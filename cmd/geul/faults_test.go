package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/testutil"
)

// The storage faults of a running geul serve: the disk full, the database
// file deleted or replaced, the database or its folder not writable. In each
// the index served before goes on being served, /readyz and /admin/status
// say what is wrong, and geul recovers once the fault is gone.

// faultPosts is a small site; faultPost(i) is its i-th post's path.
func faultPosts(t *testing.T, dir string, n int) {
	t.Helper()
	files := map[string]string{}
	for i := range n {
		files[faultPost(i)] = goodPost(fmt.Sprintf("Post %d", i))
	}
	testutil.WriteFiles(t, dir, files)
}

func faultPost(i int) string { return fmt.Sprintf("cs/post-%d.ko.md", i) }

// bulkyPost is a post of about n bytes of text that compresses badly: what
// a run cannot store on a disk that is full.
func bulkyPost(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("---\ntitle: Bulky\ndate: 2025-01-03\n---\n\n")
	for b.Len() < n {
		for range 12 {
			for range 3 + r.IntN(8) {
				b.WriteByte(byte('a' + r.IntN(26)))
			}
			b.WriteByte(' ')
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

// adminJSON calls an admin route and decodes its answer into out (nil: not
// decoded), returning the status.
func (a *app) adminJSON(t *testing.T, method, path string, out any) int {
	t.Helper()
	resp, body := a.do(t, method, path, "Authorization", "Bearer "+adminTestToken)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %v: %.200s", method, path, err, body)
		}
	}
	if resp.StatusCode != http.StatusOK {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: %d answered as %q, want a problem: %.200s", method, path, resp.StatusCode, ct, body)
		}
	}
	return resp.StatusCode
}

// readyDetail is /readyz's status and detail.
func (a *app) readyDetail(t *testing.T) (int, string) {
	t.Helper()
	resp, body := a.get(t, "/readyz")
	var h api.Health
	json.Unmarshal(body, &h)
	return resp.StatusCode, h.Detail
}

// runs is /admin/status's runs.
func (a *app) runs(t *testing.T) api.RunHealth {
	t.Helper()
	var st api.Status
	if code := a.adminJSON(t, http.MethodGet, "/admin/status", &st); code != http.StatusOK {
		t.Fatalf("admin status: %d", code)
	}
	return st.Runs
}

// wantPost checks that the post at path (cs/post-0.ko.md: /posts/cs/post-0)
// is served, with want in it.
func (a *app) wantPost(t *testing.T, path, want string) {
	t.Helper()
	slug := strings.TrimSuffix(strings.TrimSuffix(path, ".md"), ".ko")
	resp, body := a.get(t, "/posts/"+slug+"?lang=ko")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		t.Fatalf("GET %s: %d %.200s, want 200 with %q", slug, resp.StatusCode, body, want)
	}
}

// stop ends the app as a signal would, and checks that it ended cleanly.
func (a *app) stop(t *testing.T) {
	t.Helper()
	a.cancel()
	err := <-a.done
	a.done <- err // for the cleanup of startServe
	if err != nil {
		t.Fatalf("geul serve: %v\n%s", err, a.stderr.String())
	}
}

func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	faultPosts(t, dir, 3)
	db := filepath.Join(t.TempDir(), "index.db")
	// A bound on the database's size is a disk that fills at 1 MiB.
	env := map[string]string{"GEUL_ADMIN_TOKEN": adminTestToken, "GEUL_DB_MAX_MB": "1"}
	a := startServe(t, env, "--content", dir, "--db", db)

	testutil.WriteFiles(t, dir, map[string]string{"cs/bulky.ko.md": bulkyPost(128 << 10)})
	if code := a.adminJSON(t, http.MethodPost, "/admin/reindex", nil); code != http.StatusInsufficientStorage {
		t.Fatalf("reindex on a full disk: %d, want 507", code)
	}
	a.wantPost(t, faultPost(0), "Post 0")
	code, detail := a.readyDetail(t)
	if code != http.StatusOK || !strings.Contains(detail, "failing since") || !strings.Contains(detail, "no space") {
		t.Errorf("readyz on a full disk: %d %q", code, detail)
	}
	if r := a.runs(t); !r.Failing || r.Failures != 1 || r.FailingSince == nil || !strings.Contains(r.LastError, "no space") {
		t.Errorf("status runs on a full disk: %+v", r)
	}

	// Space freed (the bulky post goes), the next run succeeds.
	os.Remove(filepath.Join(dir, "cs/bulky.ko.md"))
	testutil.WriteFiles(t, dir, map[string]string{faultPost(1): goodPost("Post 1 edited")})
	if code := a.adminJSON(t, http.MethodPost, "/admin/reindex", nil); code != http.StatusOK {
		t.Fatalf("reindex after space was freed: %d", code)
	}
	a.wantPost(t, faultPost(1), "Post 1 edited")
	if _, detail := a.readyDetail(t); detail != "" {
		t.Errorf("readyz after recovery: detail %q", detail)
	}
	if r := a.runs(t); r.Failing || r.LastError != "" {
		t.Errorf("status runs after recovery: %+v", r)
	}

	// A restart on a full disk serves the index it finds.
	testutil.WriteFiles(t, dir, map[string]string{"cs/bulky.ko.md": bulkyPost(128 << 10)})
	a.stop(t)
	b := startServe(t, env, "--content", dir, "--db", db)
	b.wantPost(t, faultPost(1), "Post 1 edited")
	if _, detail := b.readyDetail(t); !strings.Contains(detail, "no space") {
		t.Errorf("readyz after a restart on a full disk: detail %q", detail)
	}
}

func TestDatabaseMoved(t *testing.T) {
	for _, tc := range []struct {
		name string
		move func(t *testing.T, db string)
	}{
		{"deleted", func(t *testing.T, db string) {
			if err := os.Remove(db); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced", func(t *testing.T, db string) {
			junk := db + ".junk"
			testutil.WriteFiles(t, filepath.Dir(junk), map[string]string{filepath.Base(junk): "not a database"})
			if err := os.Rename(junk, db); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			faultPosts(t, dir, 3)
			db := filepath.Join(t.TempDir(), "index.db")
			a := startServe(t, map[string]string{"GEUL_ADMIN_TOKEN": adminTestToken}, "--content", dir, "--db", db)
			before, err := os.Stat(db)
			if err != nil {
				t.Fatal(err)
			}
			tc.move(t, db)

			// Every post, many times over and at once, from the open file.
			errs := make(chan error, 8)
			for range 8 {
				go func() {
					for i := range 30 {
						resp, err := http.Get(a.URL + "/posts/cs/post-" + fmt.Sprint(i%3) + "?lang=ko")
						if err == nil {
							resp.Body.Close()
							if resp.StatusCode != http.StatusOK {
								err = fmt.Errorf("status %d", resp.StatusCode)
							}
						}
						if err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			for range 8 {
				if err := <-errs; err != nil {
					t.Fatalf("a post with the database %s: %v", tc.name, err)
				}
			}
			if code, detail := a.readyDetail(t); code != http.StatusOK || !strings.Contains(detail, tc.name) {
				t.Errorf("readyz with the database %s: %d %q", tc.name, code, detail)
			}

			// The next run builds a new file at the path, and serves it.
			testutil.WriteFiles(t, dir, map[string]string{faultPost(2): goodPost("Post 2 edited")})
			if code := a.adminJSON(t, http.MethodPost, "/admin/reindex", nil); code != http.StatusOK {
				t.Fatalf("reindex: %d\n%s", code, a.stderr.String())
			}
			a.wantPost(t, faultPost(2), "Post 2 edited")
			deadline := time.Now().Add(20 * time.Second)
			for a.runs(t).Storage != "" {
				if time.Now().After(deadline) {
					t.Fatalf("the rebuilt database was not reopened: %+v\n%s", a.runs(t), a.stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			after, err := os.Stat(db)
			if err != nil || os.SameFile(before, after) {
				t.Fatalf("no new database at %s: %v", db, err)
			}
			integrity(t, db)
			// It is written by the runs after.
			testutil.WriteFiles(t, dir, map[string]string{faultPost(0): goodPost("Post 0 edited")})
			if code := a.adminJSON(t, http.MethodPost, "/admin/reindex", nil); code != http.StatusOK {
				t.Fatalf("reindex after the rebuild: %d", code)
			}
			a.wantPost(t, faultPost(0), "Post 0 edited")
			a.wantPost(t, faultPost(2), "Post 2 edited")
			if _, detail := a.readyDetail(t); detail != "" {
				t.Errorf("readyz after the rebuild: %q", detail)
			}
		})
	}
}

// integrity runs PRAGMA integrity_check on the database at path.
func integrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity of %s: %q %v", path, res, err)
	}
}

// readOnlyDir is a folder geul cannot write into, holding an index built by
// geul index from content: a read-only tmpfs mount when this process may
// mount one, else a folder without write permission, which root ignores.
func readOnlyDir(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	mounted := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16m") == nil
	if mounted {
		t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	} else if os.Geteuid() == 0 {
		t.Skip("running as root, which writes whatever the permission bits say, and cannot mount a read-only tmpfs here")
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"index", "--content", content, "--db", filepath.Join(dir, "index.db")},
		func(string) string { return "" }, &out, &out); err != nil {
		t.Fatalf("geul index: %v\n%s", err, out.String())
	}
	if mounted {
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Skipf("cannot remount the tmpfs read-only: %v", err)
		}
		return dir
	}
	os.Chmod(filepath.Join(dir, "index.db"), 0o444)
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	return dir
}

func TestNotWritable(t *testing.T) {
	content := t.TempDir()
	faultPosts(t, content, 2)
	dir := readOnlyDir(t, content)
	db := filepath.Join(dir, "index.db")

	// geul index names the path and the permission.
	var out strings.Builder
	err := run(context.Background(), []string{"index", "--content", content, "--db", db}, func(string) string { return "" }, &out, &out)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("geul index into a read-only folder: %v, want an error naming %s and the permission", err, dir)
	}
	t.Logf("geul index: %v", err)

	// geul serve serves the index there, read-only, and says so.
	a := startServe(t, map[string]string{"GEUL_ADMIN_TOKEN": adminTestToken}, "--content", content, "--db", db)
	a.wantPost(t, faultPost(1), "Post 1")
	if code, detail := a.readyDetail(t); code != http.StatusOK || !strings.Contains(detail, "not writable") {
		t.Errorf("readyz of a read-only index: %d %q", code, detail)
	}
	if r := a.runs(t); !r.ReadOnly || !strings.Contains(r.Storage, dir) {
		t.Errorf("status runs of a read-only index: %+v", r)
	}

	// Nothing to serve: serve ends with the error.
	empty := readOnlyDirEmpty(t)
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--content", content, "--db", filepath.Join(empty, "index.db")},
		func(string) string { return "" }, &out, &out)
	if err == nil || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("geul serve with no index in a read-only folder: %v", err)
	}
}

// readOnlyDirEmpty is an empty folder geul cannot write into; see readOnlyDir.
func readOnlyDirEmpty(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_RDONLY, "size=1m") == nil {
		t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
		return dir
	}
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	return dir
}

// fillDisk writes a file into dir until its file system is full, and
// returns the function that frees the space again.
func fillDisk(t *testing.T, dir string) func() {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Errorf("fill the disk: %v", err) // not Fatal: the soak calls it off the test's goroutine
		return func() {}
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			break // full
		}
	}
	for { // the last partial blocks too
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
	return func() { os.Remove(p) }
}

func TestDiskFullTmpfs(t *testing.T) {
	// The post must not fit in what the write-ahead log already holds: a
	// run whose pages fit in the log's reused space needs no new blocks.
	disk := testutil.Tmpfs(t, 32<<20)
	dir := t.TempDir()
	faultPosts(t, dir, 3)
	db := filepath.Join(disk, "index.db")
	env := map[string]string{"GEUL_ADMIN_TOKEN": adminTestToken}
	a := startServe(t, env, "--content", dir, "--db", db)

	free := fillDisk(t, disk)
	testutil.WriteFiles(t, dir, map[string]string{"cs/bulky.ko.md": bulkyPost(256 << 10)})
	for range 2 { // the second run finds the disk as full as the first left it
		if code := a.adminJSON(t, http.MethodPost, "/admin/reindex", nil); code != http.StatusInsufficientStorage {
			t.Fatalf("reindex on a full disk: %d\n%s", code, a.stderr.String())
		}
	}
	a.wantPost(t, faultPost(0), "Post 0")
	if _, detail := a.readyDetail(t); !strings.Contains(detail, "no space") {
		t.Errorf("readyz on a full disk: %q", detail)
	}

	free()
	if code := a.adminJSON(t, http.MethodPost, "/admin/reindex", nil); code != http.StatusOK {
		t.Fatalf("reindex after space was freed: %d\n%s", code, a.stderr.String())
	}
	a.wantPost(t, "cs/bulky.ko.md", "Bulky")
	if _, detail := a.readyDetail(t); detail != "" {
		t.Errorf("readyz after recovery: %q", detail)
	}

	// A restart on a full disk serves the index it finds.
	testutil.WriteFiles(t, dir, map[string]string{faultPost(1): bulkyPost(256 << 10)})
	a.stop(t)
	free = fillDisk(t, disk)
	b := startServe(t, env, "--content", dir, "--db", db)
	b.wantPost(t, "cs/bulky.ko.md", "Bulky")
	if _, detail := b.readyDetail(t); !strings.Contains(detail, "no space") {
		t.Errorf("readyz after a restart on a full disk: %q", detail)
	}
	b.stop(t)
	free()
	integrity(t, db)
}

// TestHostileFilesReported: each hostile file is reported with its file and
// line, and the posts beside it are indexed.
func TestHostileFilesReported(t *testing.T) {
	dir := t.TempDir()
	faultPosts(t, dir, 2)
	files := map[string]string{}
	for name, data := range corpus.Hostile() {
		files["hostile/"+name] = string(data)
	}
	testutil.WriteFiles(t, dir, files)
	var out strings.Builder
	err := run(context.Background(), []string{"index", "--content", dir, "--db", filepath.Join(t.TempDir(), "index.db")},
		func(string) string { return "" }, &out, &out)
	if err == nil {
		t.Fatalf("geul index over hostile files succeeded:\n%s", out.String())
	}
	for name := range files {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + `:\d+: `).MatchString(out.String()) {
			t.Errorf("%s not reported with its line:\n%s", name, out.String())
		}
	}
	if !strings.Contains(out.String(), "posts: 2 ") {
		t.Errorf("the good posts were not indexed:\n%s", out.String())
	}
}
