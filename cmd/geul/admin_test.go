package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

const adminTestToken = "e2e-admin-token-5f2b8c1d9a7e4f60"

func adminPost(title string) string {
	return "---\ntitle: " + title + "\ndate: 2025-01-02\n---\n\n본문입니다.\n"
}

func (a *app) do(t *testing.T, method, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	if _, err := bufio.NewReader(resp.Body).WriteTo(&body); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, []byte(body.String())
}

// eventLines opens GET /events and returns its lines as they come.
func (a *app) eventLines(t *testing.T) (<-chan string, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", a.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, cancel
}

// waitLine returns the first line with prefix.
func waitLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("event stream ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			t.Fatalf("no %q line within 15s", prefix)
		}
	}
}

// TestServeAdminChangesEvents drives geul serve as an operator and a client
// app would: admin status and reindex behind the token, the change feed, the
// event stream, metrics and request ids.
func TestServeAdminChangesEvents(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/_category.yaml": "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/one.ko.md":      adminPost("하나"),
		"cs/one.en.md":      adminPost("One"),
		"cs/two.ko.md":      adminPost("둘"),
		"cs/broken.ko.md":   "---\ntitle: x\ndate: 2025-13-45\n---\nbody\n",
	})
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": adminTestToken})
	auth := []string{"Authorization", "Bearer " + adminTestToken}

	// Admin: the token is required, and the broken file is reported by line.
	for _, h := range [][]string{nil, {"Authorization", "Bearer wrong"}} {
		if resp, body := a.do(t, "GET", "/admin/status", h...); resp.StatusCode != 401 {
			t.Fatalf("status without the token: got %d: %s", resp.StatusCode, body)
		}
	}
	if resp, _ := a.do(t, "GET", "/admin/status?token="+adminTestToken); resp.StatusCode != 401 {
		t.Errorf("token in the query: got %d, want 401", resp.StatusCode)
	}
	resp, body := a.do(t, "GET", "/admin/status", auth...)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status: got %d %q: %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	var st api.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if !st.Ready || st.Generation != 1 || st.Posts["ko"] != 2 || st.Posts["en"] != 1 {
		t.Errorf("status: got %+v", st)
	}
	if len(st.Errors) != 1 || !strings.HasPrefix(st.Errors[0].Message, "cs/broken.ko.md:3: ") {
		t.Errorf("status errors: got %+v, want cs/broken.ko.md:3", st.Errors)
	}

	// A client syncs everything, then listens.
	_, body = a.do(t, "GET", "/changes?since=0")
	var ch api.Changes
	if err := json.Unmarshal(body, &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Generation != 1 || len(ch.Created) != 4 { // two posts, a payload per site language
		t.Fatalf("changes since 0: got %s", body)
	}
	lines, hangUp := a.eventLines(t)
	if got := waitLine(t, lines, "id: "); got != "id: 1" {
		t.Errorf("hello: got %q, want id: 1", got)
	}

	// An editor adds a post and asks for a reindex.
	testutil.WriteFiles(t, dir, map[string]string{"cs/three.ko.md": adminPost("셋")})
	resp, body = a.do(t, "POST", "/admin/reindex?path=cs/three.ko.md", auth...)
	if resp.StatusCode != 200 {
		t.Fatalf("reindex: got %d: %s", resp.StatusCode, body)
	}
	var res api.ReindexResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Generation != 2 || res.Posts != 3 || len(res.Errors) != 1 {
		t.Errorf("reindex: got %+v", res)
	}
	// The path of a post file: that file is all the run reads.
	if res.Read != 1 {
		t.Errorf("reindex of one path read %d files, want 1", res.Read)
	}
	// Without a path, the run is over the whole folder, and counts as much.
	resp, body = a.do(t, "POST", "/admin/reindex", auth...)
	var all api.ReindexResult
	if err := json.Unmarshal(body, &all); err != nil || resp.StatusCode != 200 {
		t.Fatalf("reindex: %d %s", resp.StatusCode, body)
	}
	if all.Files != res.Files || all.Posts != res.Posts || len(all.Errors) != len(res.Errors) {
		t.Errorf("reindex of the whole folder: %+v; after the one-path run: %+v", all, res)
	}
	if resp, _ := a.do(t, "GET", "/posts/cs/three"); resp.StatusCode != 200 {
		t.Errorf("new post: got %d", resp.StatusCode)
	}
	if resp, _ := a.do(t, "POST", "/admin/reindex?path=../outside.ko.md", auth...); resp.StatusCode != 400 {
		t.Errorf("reindex outside the content folder: got %d, want 400", resp.StatusCode)
	}

	// The stream announces generation 2 with the new post.
	if got := waitLine(t, lines, "id: "); got != "id: 2" {
		t.Errorf("event id: got %q, want id: 2", got)
	}
	data := waitLine(t, lines, "data: ")
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Since != 1 || ch.Generation != 2 || len(ch.Created) != 2 || ch.Created[0].Slug != "cs/three" {
		t.Errorf("event: got %s", data)
	}

	// The feed agrees, and refuses what it cannot answer.
	_, body = a.do(t, "GET", "/changes?since=1")
	if err := json.Unmarshal(body, &ch); err != nil {
		t.Fatal(err)
	}
	if len(ch.Created) != 2 || ch.Created[0].Slug != "cs/three" || ch.Created[1].Slug != "cs/three" {
		t.Errorf("changes since 1: got %s", body)
	}
	if resp, _ := a.do(t, "GET", "/changes?since=3"); resp.StatusCode != 400 {
		t.Errorf("changes since 3: got %d, want 400", resp.StatusCode)
	}

	// Request ids go in and out.
	if resp, _ := a.do(t, "GET", "/posts/cs/one", "X-Request-Id", "e2e-req-1"); resp.Header.Get("X-Request-Id") != "e2e-req-1" {
		t.Errorf("X-Request-Id: got %q", resp.Header.Get("X-Request-Id"))
	}
	// The access log is written in batches, after the answer.
	testutil.Eventually(t, 10*time.Second, "no log line carries the request id", func() string {
		if strings.Contains(a.stderr.String(), `"request_id":"e2e-req-1"`) {
			return ""
		}
		return "not yet"
	})

	// The client hangs up; the metrics show it gone and count what happened.
	hangUp()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = a.do(t, "GET", "/metrics")
		if strings.Contains(string(body), "\ngeul_events_clients 0\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("event client still counted after hanging up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		`geul_http_requests_total{method="POST",route="/admin/reindex",status="200"} 2`,
		`geul_http_requests_total{method="GET",route="/admin/status",status="401"} 3`,
		`geul_http_requests_total{method="GET",route="/changes",status="200"} 2`,
		`geul_index_runs_total{result="ok"} 3`,
		`geul_index_generation 2`,
		`geul_posts{lang="ko"} 3`,
		`geul_content_errors 1`,
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestServeAdminOffWithoutToken: no token, no admin routes.
func TestServeAdminOffWithoutToken(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{"cs/one.ko.md": adminPost("하나")})
	a := startApp(t, dir, nil)
	for _, r := range []struct{ method, path string }{{"GET", "/admin/status"}, {"POST", "/admin/reindex"}} {
		if resp, _ := a.do(t, r.method, r.path, "Authorization", "Bearer anything"); resp.StatusCode != 404 {
			t.Errorf("%s %s: got %d, want 404", r.method, r.path, resp.StatusCode)
		}
	}
}

// TestServeAdminReindexMissingFile: a path that names no file, on disk or in
// the index, is a 404 problem; a file deleted since the last run is a run
// that drops its post, and only asking again finds nothing.
func TestServeAdminReindexMissingFile(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{"cs/one.ko.md": adminPost("하나"), "cs/two.ko.md": adminPost("둘")})
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": adminTestToken})
	auth := []string{"Authorization", "Bearer " + adminTestToken}
	for _, step := range []struct {
		remove  string // a file deleted before the request
		path    string
		status  int
		changed bool
	}{
		{"", "cs/one.ko.md", 200, false},
		{"", "cs/typo.ko.md", 404, false},
		{"", "nope/_category.yaml", 404, false},
		{"", "site.yaml", 404, false},
		{"cs/two.ko.md", "cs/two.ko.md", 200, true},
		{"", "cs/two.ko.md", 404, false},
	} {
		if step.remove != "" {
			if err := os.Remove(filepath.Join(dir, step.remove)); err != nil {
				t.Fatal(err)
			}
		}
		resp, body := a.do(t, "POST", "/admin/reindex?path="+step.path, auth...)
		if resp.StatusCode != step.status {
			t.Fatalf("reindex %s: got %d, want %d: %s", step.path, resp.StatusCode, step.status, body)
		}
		if step.status != 200 {
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(string(body), step.path) {
				t.Errorf("reindex %s: %s %s, want a problem naming the path", step.path, ct, body)
			}
			continue
		}
		var res api.ReindexResult
		if err := json.Unmarshal(body, &res); err != nil || res.Changed != step.changed {
			t.Errorf("reindex %s: %s (%v), want changed %v", step.path, body, err, step.changed)
		}
	}
	if resp, _ := a.do(t, "GET", "/posts/cs/two"); resp.StatusCode != 404 {
		t.Errorf("deleted post: got %d, want 404", resp.StatusCode)
	}
}
