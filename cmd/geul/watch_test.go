package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

// watchWithin bounds how long a change may take to be served in the tests;
// the figure that counts (p50 ≤ 150 ms on 10,000 posts) is BenchmarkWatchLatency's.
const watchWithin = 15 * time.Second

const testAdminToken = "watch-test-admin-token-0123456789"

func watchPost(title, body string) string {
	return "---\ntitle: " + title + "\ndate: 2025-03-04\ntags: [watch]\n---\n\n" + body + "\n"
}

// startWatching serves a fresh content folder with --watch.
func startWatching(t *testing.T) (*app, string) {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/_category.yaml": "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/edit.ko.md":     watchPost("처음", "first body"),
		"cs/edit.en.md":     watchPost("First", "first body"),
		"cs/gone.ko.md":     watchPost("지울 글", "to be deleted"),
	})
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": testAdminToken}, "--watch")
	return a, dir
}

// eventually polls check until it returns "" (done) or the deadline passes,
// and fails with its last answer.
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(watchWithin)
	last := ""
	for time.Now().Before(deadline) {
		if last = check(); last == "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not served within %v: %s", what, watchWithin, last)
}

// serves returns a check that path answers status with a body containing want.
func (a *app) serves(t *testing.T, path string, status int, want string) func() string {
	return func() string {
		resp, body := a.get(t, path)
		if resp.StatusCode != status || !strings.Contains(string(body), want) {
			return fmt.Sprintf("GET %s: %d %.300s; want %d with %q", path, resp.StatusCode, body, status, want)
		}
		return ""
	}
}

func (a *app) status(t *testing.T) api.Status {
	t.Helper()
	resp, body := a.get(t, "/admin/status", "Authorization", "Bearer "+testAdminToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/status: %d %s", resp.StatusCode, body)
	}
	var s api.Status
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("decode status: %v: %s", err, body)
	}
	return s
}

func (a *app) errorFor(t *testing.T, file string) *api.ContentError {
	t.Helper()
	for _, e := range a.status(t).Errors {
		if e.File == file {
			return &e
		}
	}
	return nil
}

// TestWatchFollowsEveryKindOfChange: with --watch, each kind of change an
// editor, git or a person makes is served without a restart.
func TestWatchFollowsEveryKindOfChange(t *testing.T) {
	a, dir := startWatching(t)
	put := func(rel, data string) {
		t.Helper()
		testutil.WriteFiles(t, dir, map[string]string{rel: data})
	}
	eventually(t, "the first index", a.serves(t, "/posts/cs/edit?lang=en", 200, "First"))

	t.Run("edit", func(t *testing.T) {
		put("cs/edit.en.md", watchPost("Second", "second body"))
		eventually(t, "an edit", a.serves(t, "/posts/cs/edit?lang=en", 200, "second body"))
		// The watcher named the file, and the run looked at it alone.
		eventually(t, "a targeted run", func() string {
			if !strings.Contains(a.stderr.String(), `"targeted":true`) {
				return "no run logged as targeted"
			}
			return ""
		})
	})
	t.Run("create", func(t *testing.T) {
		put("cs/new.en.md", watchPost("Brand new", "new body"))
		eventually(t, "a new post", a.serves(t, "/posts/cs/new?lang=en", 200, "Brand new"))
		eventually(t, "a new post in the list", a.serves(t, "/posts?lang=en&limit=100", 200, "cs/new"))
	})
	t.Run("delete", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, "cs", "gone.ko.md")); err != nil {
			t.Fatal(err)
		}
		eventually(t, "a deletion", a.serves(t, "/posts/cs/gone?lang=ko", 404, "not_found"))
	})
	t.Run("save by rename", func(t *testing.T) {
		// What atomic-save editors do: write a temporary file, rename it over.
		tmp := filepath.Join(dir, "cs", ".edit.en.md.swp")
		if err := os.WriteFile(tmp, []byte(watchPost("Renamed over", "third body")), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "cs", "edit.en.md")); err != nil {
			t.Fatal(err)
		}
		eventually(t, "a save by rename", a.serves(t, "/posts/cs/edit?lang=en", 200, "third body"))
	})
	t.Run("vim-style save", func(t *testing.T) {
		// vim's default: rename the file to a backup, write a new one, remove the backup.
		p := filepath.Join(dir, "cs", "edit.en.md")
		if err := os.Rename(p, p+"~"); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(watchPost("From vim", "fourth body")), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(p + "~")
		eventually(t, "a vim save", a.serves(t, "/posts/cs/edit?lang=en", 200, "fourth body"))
	})
	t.Run("new category folder", func(t *testing.T) {
		put("go/_category.yaml", "name: {ko: 고, en: Go}\n")
		put("go/channels.en.md", watchPost("Channels", "chan body"))
		eventually(t, "a new category", a.serves(t, "/categories/go?lang=en", 200, "go/channels"))
		eventually(t, "a post in a new category", a.serves(t, "/posts/go/channels?lang=en", 200, "chan body"))
	})
	t.Run("category file", func(t *testing.T) {
		put("go/_category.yaml", "name: {ko: 고 언어, en: Golang}\n")
		eventually(t, "a category name", a.serves(t, "/posts/go/channels?lang=en", 200, "Golang"))
	})
	t.Run("bundle folder", func(t *testing.T) {
		put("go/generics/index.en.md", watchPost("Generics", "bundle body"))
		eventually(t, "a bundle", a.serves(t, "/posts/go/generics?lang=en", 200, "bundle body"))
		put("go/generics/index.en.md", watchPost("Generics", "bundle body two"))
		eventually(t, "an edit in a bundle", a.serves(t, "/posts/go/generics?lang=en", 200, "bundle body two"))
	})
	t.Run("site.yaml", func(t *testing.T) {
		eventually(t, "ja unknown before", a.serves(t, "/posts/cs/edit?lang=ja", 400, "invalid"))
		put("site.yaml", "languages: [ko, en, ja]\n")
		// ja has no file: the default language's body answers.
		eventually(t, "a new site language", a.serves(t, "/posts/cs/edit?lang=ja", 200, `"lang":"ko"`))
		put("site.yaml", "languages: [ko, en]\n")
		eventually(t, "a language removed", a.serves(t, "/posts/cs/edit?lang=ja", 400, "invalid"))
	})
	t.Run("category folder removed", func(t *testing.T) {
		if err := os.RemoveAll(filepath.Join(dir, "go")); err != nil {
			t.Fatal(err)
		}
		eventually(t, "a removed category", a.serves(t, "/posts/go/channels?lang=en", 404, "not_found"))
		eventually(t, "a removed bundle", a.serves(t, "/posts/go/generics?lang=en", 404, "not_found"))
	})
}

// TestWatchBrokenThenFixed: a post whose file turns broken keeps serving its
// last good version and is listed as an error; once fixed it updates and the
// error goes.
func TestWatchBrokenThenFixed(t *testing.T) {
	a, dir := startWatching(t)
	p := filepath.Join(dir, "cs", "edit.en.md")
	if err := os.WriteFile(p, []byte("---\ntitle: [unclosed\ndate: 2025-03-04\n---\nbroken body\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the error", func() string {
		if a.errorFor(t, "cs/edit.en.md") == nil {
			return fmt.Sprintf("no error for cs/edit.en.md in %+v", a.status(t).Errors)
		}
		return ""
	})
	if e := a.errorFor(t, "cs/edit.en.md"); e.Line == 0 || !strings.HasPrefix(e.Message, "cs/edit.en.md:") {
		t.Errorf("error %+v, want file:line", e)
	}
	// The last good version still serves, in full.
	if msg := a.serves(t, "/posts/cs/edit?lang=en", 200, "first body")(); msg != "" {
		t.Fatal(msg)
	}
	if msg := a.serves(t, "/posts?lang=en", 200, "cs/edit")(); msg != "" {
		t.Fatal(msg)
	}

	if err := os.WriteFile(p, []byte(watchPost("Fixed", "fixed body")), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the fix", a.serves(t, "/posts/cs/edit?lang=en", 200, "fixed body"))
	if e := a.errorFor(t, "cs/edit.en.md"); e != nil {
		t.Errorf("error %+v still listed after the fix", e)
	}
}

// TestWatchWaitsForSlowWrites: a file written in small pieces for longer
// than the watcher's longest wait is not served until its writer pauses: no
// reader gets the post cut short while the writer is busy.
func TestWatchWaitsForSlowWrites(t *testing.T) {
	a, dir := startWatching(t)
	full := watchPost("Slow", strings.Repeat("a slow line of the body\n", 1200)+"THE END")
	_, fullContent, _ := strings.Cut(full, "\n---\n")
	head := len(full) - len(fullContent)
	f, err := os.Create(filepath.Join(dir, "cs", "slow.en.md"))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	cut := make(chan int, 1000) // file lengths of the partial versions served
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, body := a.get(t, "/posts/cs/slow?lang=en")
			var got struct {
				Post struct{ Content string } `json:"post"`
			}
			if resp.StatusCode == 200 && json.Unmarshal(body, &got) == nil && !strings.Contains(got.Post.Content, "THE END") {
				select {
				case cut <- head + len(got.Post.Content):
				default:
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	// 1.2 s of writes, past the watcher's 500 ms longest wait twice over.
	const pieces = 240
	chunk := (len(full) + pieces - 1) / pieces
	var wrote []time.Time // when each piece was written
	for i := 0; i < len(full); i += chunk {
		if _, err := f.WriteString(full[i:min(i+chunk, len(full))]); err != nil {
			t.Fatal(err)
		}
		wrote = append(wrote, time.Now())
		time.Sleep(5 * time.Millisecond)
	}
	f.Close()
	eventually(t, "the whole file", a.serves(t, "/posts/cs/slow?lang=en", 200, "THE END"))
	close(stop)
	<-readerDone
	close(cut)
	seen := map[int]bool{}
	for n := range cut {
		if seen[n] {
			continue
		}
		seen[n] = true
		// The version served ends after piece k. Serving it is right only if
		// the writer then paused longer than the settle age (half the quiet
		// period), which a loaded machine can make the test's writer do.
		k := n/chunk - 1
		if n%chunk != 0 || k < 0 || k+1 >= len(wrote) {
			t.Fatalf("served %d bytes of the file, not a whole number of %d-byte pieces", n, chunk)
		}
		if pause := wrote[k+1].Sub(wrote[k]); pause < 20*time.Millisecond {
			t.Fatalf("served the post cut after piece %d of %d while it was being written (next piece %v later)", k+1, len(wrote), pause)
		} else {
			t.Logf("served the post cut after piece %d: the writer paused %v there", k+1, pause)
		}
	}
}
