package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/testutil"
)

// app is geul started in-process through run, as `geul serve` would be.
type app struct {
	URL    string
	stderr *testutil.SyncBuffer
	cancel context.CancelFunc
	done   chan error
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startApp runs `geul serve` on a free port over contentDir with a fresh
// database, and waits until /readyz says ready.
func startApp(t *testing.T, contentDir string, env map[string]string, extra ...string) *app {
	t.Helper()
	db := filepath.Join(t.TempDir(), "index.db")
	return startServe(t, env, append([]string{"--content", contentDir, "--db", db}, extra...)...)
}

// startServe runs `geul serve` with args on a free port, and waits until
// /readyz says ready.
func startServe(t *testing.T, env map[string]string, args ...string) *app {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	a := &app{stderr: &testutil.SyncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	args = append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	go func() {
		err := run(ctx, args, getenv, pw, a.stderr)
		pw.Close()
		a.done <- err
	}()
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case a.URL = <-urlc:
	case err := <-a.done:
		t.Fatalf("geul serve ended before listening: %v\n%s", err, a.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("geul serve did not listen\n%s", a.stderr.String())
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-a.done:
			if err != nil {
				t.Errorf("geul serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("geul serve did not stop")
		}
	})
	testutil.Eventually(t, time.Minute, "geul never became ready", func() string {
		if testutil.Ready(a.URL) {
			return ""
		}
		return "/readyz is not 200; log:\n" + a.stderr.String()
	})
	return a
}

func (a *app) get(t *testing.T, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp, body
}

// field returns one key's raw value of a JSON object.
func field(t *testing.T, raw []byte, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode %.80s: %v", raw, err)
	}
	return m[key]
}

// assertSamePost checks that got starts with every key of want, in want's order,
// with equal values (nested objects compared key order included).
func assertSamePost(t *testing.T, got, want []byte) {
	t.Helper()
	wantKeys := testutil.JSONKeys(t, want)
	gotKeys := testutil.JSONKeys(t, got)
	if len(gotKeys) < len(wantKeys) {
		t.Fatalf("got keys %v, want at least %v", gotKeys, wantKeys)
	}
	for i, k := range wantKeys {
		if gotKeys[i] != k {
			t.Fatalf("key %d: got %q, want %q (got order %v)", i, gotKeys[i], k, gotKeys)
		}
		g, w := field(t, got, k), field(t, want, k)
		var gv, wv any
		json.Unmarshal(g, &gv)
		json.Unmarshal(w, &wv)
		if fmt.Sprint(gv) != fmt.Sprint(wv) {
			t.Errorf("%s: got %.200s, want %.200s", k, g, w)
		}
		if w[0] == '{' {
			if gk, wk := testutil.JSONKeys(t, g), testutil.JSONKeys(t, w); strings.Join(gk, ",") != strings.Join(wk, ",") {
				t.Errorf("%s: got key order %v, want %v", k, gk, wk)
			}
		}
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
