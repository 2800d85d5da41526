package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// buildGeul builds the real binary into a temporary folder.
func buildGeul(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "geul")
	cmd := exec.Command("go", "build", "-tags=sqlite_fts5", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is the real binary running `geul serve`.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	stderr *testutil.SyncBuffer
	done   chan struct{}
	err    error // the exit, once done is closed
}

// startGeul starts bin with args and waits until it listens (not until it is
// ready: the first index runs after that).
func startGeul(t testing.TB, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{cmd: cmd, stderr: &testutil.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		io.Copy(io.Discard, out)
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.URL = <-urlc:
	case <-p.done:
		t.Fatalf("geul ended before listening: %v\n%s", p.err, p.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("geul did not listen\n%s", p.stderr.String())
	}
	return p
}

// waitReady polls /readyz.
func (p *proc) waitReady(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("geul ended: %v\n%s", p.err, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("geul not ready within %v\n%s", within, p.stderr.String())
}

// wait waits for the process to end and returns its exit code.
func (p *proc) wait(t testing.TB, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("geul did not exit within %v\n%s", within, p.stderr.String())
	}
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("geul: %v", p.err)
	return -1
}

// TestRealBinary runs the tests that need the built program, a process to
// signal and kill, sharing one build.
func TestRealBinary(t *testing.T) {
	bin := buildGeul(t)
	t.Run("SIGTERMFinishesInFlightRequests", func(t *testing.T) { testSIGTERMFinishesInFlightRequests(t, bin) })
	t.Run("SIGTERMDuringFirstIndex", func(t *testing.T) { testSIGTERMDuringFirstIndex(t, bin) })
	t.Run("CrashKeepsAWholeVersion", func(t *testing.T) { testCrashKeepsAWholeVersion(t, bin) })
}

// testSIGTERMFinishesInFlightRequests: on SIGTERM, geul stops accepting,
// answers every request already in flight in full, stops the watcher (in the
// middle of a run here), closes the database cleanly (its WAL folded in) and
// exits 0.
func testSIGTERMFinishesInFlightRequests(t *testing.T, bin string) {
	content := t.TempDir()
	if _, err := corpus.Generate(content, corpus.Options{Posts: 60, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "index.db")
	p := startGeul(t, bin, nil, "serve", "--content", content, "--db", db, "--addr", "127.0.0.1:0", "--watch")
	p.waitReady(t, 120*time.Second)

	// The JSON feed carries whole posts: one of the slowest answers, so that
	// a burst of them is still being worked on when the signal comes.
	const inFlight = 12
	type result struct {
		status int
		body   []byte
		err    error
		at     time.Time
	}
	results := make(chan result, inFlight)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}, Timeout: 60 * time.Second}
	for range inFlight {
		go func() {
			resp, err := client.Get(p.URL + "/feed.json")
			if err != nil {
				results <- result{err: err, at: time.Now()}
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{status: resp.StatusCode, body: body, err: err, at: time.Now()}
		}()
	}
	// A change, so that the watcher is busy too.
	path, data := corpus.File(corpus.Options{Seed: 3}, 1, "en")
	testutil.WriteFiles(t, content, map[string]string{path: strings.Replace(string(data), "\n---\n", "\n---\n\nchanged\n", 1)})

	// Once one answer is out, the server has read every request of the burst
	// (they were sent together) and is working on the rest.
	first := <-results
	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	all := []result{first}
	for range inFlight - 1 {
		all = append(all, <-results)
	}
	after := 0
	for i, r := range all {
		if r.err != nil || r.status != http.StatusOK || !json.Valid(r.body) {
			t.Errorf("in-flight request %d: status %d, %d bytes, %v; want a whole 200", i, r.status, len(r.body), r.err)
		}
		if r.at.After(signalled) {
			after++
		}
	}
	if after == 0 {
		t.Fatalf("every request was answered before the signal: nothing was in flight (a faster machine needs a larger burst)")
	}
	// Stopped accepting: a new connection is refused while the last answers go out.
	if resp, err := http.Get(p.URL + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a new request after SIGTERM was answered %d", resp.StatusCode)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, p.stderr.String())
	}

	// Closed cleanly: the WAL was folded into the database and removed, and
	// the database is sound.
	if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("WAL left with %d bytes: the database was not closed cleanly", fi.Size())
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if res, err := st.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Errorf("integrity check: %q, %v", res, err)
	}
	if !strings.Contains(p.stderr.String(), "shutting down") {
		t.Errorf("no shutdown in the log:\n%s", p.stderr.String())
	}
	t.Logf("%d of %d requests were answered after the signal", after, inFlight)
}

// testSIGTERMDuringFirstIndex: a signal while the first index runs stops
// geul cleanly too, with exit 0 and a sound database.
func testSIGTERMDuringFirstIndex(t *testing.T, bin string) {
	content := t.TempDir()
	if _, err := corpus.Generate(content, corpus.Options{Posts: 500, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "index.db")
	p := startGeul(t, bin, nil, "serve", "--content", content, "--db", db, "--addr", "127.0.0.1:0", "--watch")
	time.Sleep(50 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 60*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM during the first index, want 0\n%s", code, p.stderr.String())
	}
	if strings.Contains(p.stderr.String(), `"msg":"indexed"`) {
		t.Errorf("the first index of 500 posts finished within 50ms: the signal came after it\n%s", p.stderr.String())
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if res, err := st.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Errorf("integrity check: %q, %v", res, err)
	}
}

// walFramesInUse counts the frames of a WAL file that belong to its current
// content: those after the header whose salts match the header's. After a
// checkpoint lets SQLite restart the log, new frames overwrite it from the
// start with new salts, so the count falls back while the file keeps its size.
func walFramesInUse(path string) (frames, pageSize int, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil || len(data) < 32 {
		return 0, 0, err
	}
	be := func(b []byte) uint32 { return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) }
	pageSize = int(be(data[8:]))
	salt1, salt2 := be(data[16:]), be(data[20:])
	for off := 32; off+24+pageSize <= len(data); off += 24 + pageSize {
		if be(data[off+8:]) != salt1 || be(data[off+12:]) != salt2 {
			break
		}
		frames++
	}
	return frames, pageSize, nil
}

// TestWALStaysBoundedUnderReads: with readers never stopping and the watcher
// re-indexing edit after edit, the WAL does not grow with the number of runs:
// serve checkpoints after each, and SQLite starts the log over.
func TestWALStaysBoundedUnderReads(t *testing.T) {
	// Small posts: the test is about the log, not about rendering.
	content := t.TempDir()
	files := map[string]string{"cs/_category.yaml": "name: {ko: 컴퓨터 공학, en: Computer Science}\n"}
	for i := range 20 {
		for _, lang := range []string{"ko", "en"} {
			files[fmt.Sprintf("cs/post-%d.%s.md", i, lang)] = watchPost(fmt.Sprintf("Post %d %s", i, lang), strings.Repeat("A line of the body.\n", 50))
		}
	}
	testutil.WriteFiles(t, content, files)
	db := filepath.Join(t.TempDir(), "wal.db")
	a := startApp(t, content, nil, "--watch", "--db", db)
	path, data, id := "cs/post-0.ko.md", files["cs/post-0.ko.md"], "cs/post-0"

	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				resp, err := http.Get(a.URL + "/posts?lang=ko&limit=50")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	defer func() { stop.Store(true); wg.Wait() }()

	const edits = 16
	var frames []int
	start := time.Now()
	for i := range edits {
		marker := "wal-edit-" + strconv.Itoa(i)
		edited := strings.Replace(data, "\n---\n", "\n---\n\n"+marker+"\n", 1)
		testutil.WriteFiles(t, content, map[string]string{path: edited})
		eventually(t, "edit "+strconv.Itoa(i), a.serves(t, "/posts/"+id+"?lang=ko", 200, marker))
		// The checkpoint follows the run's commit.
		time.Sleep(50 * time.Millisecond)
		n, _, err := walFramesInUse(db + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, n)
	}
	t.Logf("WAL frames in use after each edit: %v (%v per edit)", frames, time.Since(start)/edits)
	// Right after a restart the log holds one run; readers with older
	// snapshots may keep a few runs in it. Without the checkpoints it would
	// hold every run until SQLite's own checkpoint at 1000 pages.
	least, most := slices.Min(frames), slices.Max(frames)
	if least == 0 || most > 6*least {
		t.Errorf("WAL frames in use grew to %d, %.1f times a single run's %d: the log is not started over after runs", most, float64(most)/float64(max(least, 1)), least)
	}
}
