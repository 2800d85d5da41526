package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/corpus"
	"github.com/geul-dev/geul/internal/store"
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
	stderr *syncBuffer
	done   chan struct{}
	err    error // the exit, once done is closed
}

// startGeul starts bin with args and waits until it listens (not until it is
// ready: the first index runs after that).
func startGeul(t testing.TB, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
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

// heldRequest is a request whose connection is accepted and whose headers are
// half sent: it is in flight by any definition when the signal comes.
type heldRequest struct {
	conn net.Conn
}

func holdRequest(t *testing.T, baseURL, path string) *heldRequest {
	t.Helper()
	addr := strings.TrimPrefix(baseURL, "http://")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept-Encoding: identity\r\n", path, addr); err != nil {
		t.Fatal(err)
	}
	return &heldRequest{conn: conn}
}

// finish sends the end of the headers and reads the whole response.
func (h *heldRequest) finish() (int, []byte, error) {
	defer h.conn.Close()
	h.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(h.conn, "\r\n"); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(h.conn), nil)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// TestSIGTERMFinishesInFlightRequests: on SIGTERM, geul stops accepting,
// answers every request already in flight in full, stops the watcher, closes
// the database cleanly (its WAL folded in) and exits 0.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	bin := buildGeul(t)
	content := t.TempDir()
	if _, err := corpus.Generate(content, corpus.Options{Posts: 60, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "index.db")
	p := startGeul(t, bin, nil, "serve", "--content", content, "--db", db, "--addr", "127.0.0.1:0", "--watch")
	p.waitReady(t, 120*time.Second)

	// Load from clients that keep asking through the signal.
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		served   atomic.Int64
		mu       sync.Mutex
		problems []string
	)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				resp, err := client.Get(p.URL + "/posts?lang=ko&limit=100")
				if err != nil {
					// Refused once the listener is closed: not accepted, not in flight.
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil || !json.Valid(body) {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("a response that started: %d, %d bytes, %v", resp.StatusCode, len(body), err))
					mu.Unlock()
					continue
				}
				served.Add(1)
			}
		})
	}

	const held = 8
	var hs []*heldRequest
	for i := range held {
		path := "/posts?lang=en&limit=100"
		if i%2 == 1 {
			path = "/categories"
		}
		hs = append(hs, holdRequest(t, p.URL, path))
	}
	// Let the server accept every held connection and read its first bytes.
	time.Sleep(300 * time.Millisecond)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The server is shutting down now: the listener closes, and Shutdown waits
	// for these connections.
	time.Sleep(300 * time.Millisecond)
	refused := false
	if resp, err := http.Get(p.URL + "/healthz"); err == nil {
		resp.Body.Close()
	} else {
		refused = true
	}
	for i, h := range hs {
		status, body, err := h.finish()
		if err != nil || status != http.StatusOK || !json.Valid(body) {
			t.Errorf("in-flight request %d: status %d, %d bytes, err %v; want a whole 200", i, status, len(body), err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, p.stderr.String())
	}
	if !refused {
		t.Errorf("a new connection was still accepted 300ms after SIGTERM")
	}
	for _, pr := range problems {
		t.Error(pr)
	}
	if served.Load() == 0 {
		t.Error("the load clients got no answer at all")
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
	t.Logf("%d load requests served, %d held requests finished", served.Load(), held)
}

// TestSIGTERMDuringFirstIndex: a signal while the first index runs stops
// geul cleanly too, with exit 0 and a sound database.
func TestSIGTERMDuringFirstIndex(t *testing.T) {
	bin := buildGeul(t)
	content := t.TempDir()
	if _, err := corpus.Generate(content, corpus.Options{Posts: 300, Seed: 4}); err != nil {
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
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if res, err := st.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Errorf("integrity check: %q, %v", res, err)
	}
}

// TestWALStaysBoundedUnderReads: with readers never stopping and the watcher
// re-indexing edit after edit, the WAL does not grow with the number of runs:
// serve checkpoints after each.
func TestWALStaysBoundedUnderReads(t *testing.T) {
	content := t.TempDir()
	if _, err := corpus.Generate(content, corpus.Options{Posts: 40, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "wal.db")
	a := startApp(t, content, nil, "--watch", "--db", db)
	path, data := corpus.File(corpus.Options{Seed: 5}, 0, "ko")
	id := strings.TrimSuffix(path, ".ko.md")

	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
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

	walSize := func() int64 {
		fi, err := os.Stat(db + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	const edits = 40
	var sizes []int64
	for i := range edits {
		marker := "wal-edit-" + strconv.Itoa(i)
		edited := strings.Replace(string(data), "\n---\n", "\n---\n\n"+marker+"\n", 1)
		writeTree(t, content, map[string]string{path: edited})
		eventually(t, "edit "+strconv.Itoa(i), a.serves(t, "/posts/"+id+"?lang=ko", 200, marker))
		sizes = append(sizes, walSize())
	}
	// The WAL file keeps its largest size (SQLite reuses it from the start
	// after a checkpoint); it must stop growing after the first runs.
	early := max(sizes[0], sizes[1], sizes[2], sizes[3], sizes[4])
	final := sizes[len(sizes)-1]
	t.Logf("WAL bytes after each edit: %v", sizes)
	if limit := 3*early + 1<<20; final > limit {
		t.Errorf("WAL grew to %d bytes over %d edits (%d after the first 5): not checkpointed", final, edits, early)
	}
}
