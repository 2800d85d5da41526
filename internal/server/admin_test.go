package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/index"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// opsToken is the admin token of the test servers.
const opsToken = "test-admin-token-0123456789abcdef"

// opsEnv is a server over a real store, indexed from a real content folder,
// reached over real HTTP.
type opsEnv struct {
	dir  string
	st   *store.Store
	ix   *index.Indexer
	srv  *server.Server
	hs   *httptest.Server
	logs *testutil.SyncBuffer
}

func opsPost(title string) string {
	return "---\ntitle: " + title + "\ndate: 2025-01-02\n---\n\n## 개요\n본문입니다.\n"
}

// opsContent is a small site: one category, two posts, one in two languages.
var opsContent = map[string]string{
	"cs/_category.yaml": "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
	"cs/alpha.ko.md":    opsPost("알파"),
	"cs/alpha.en.md":    opsPost("Alpha"),
	"cs/beta.ko.md":     opsPost("베타"),
}

// newOpsEnv indexes files into a fresh store and serves it. cfg's admin token
// and reindexer are the caller's; the reindexer, if wanted, is e.reindexer().
func newOpsEnv(t *testing.T, cfg server.Config, files map[string]string) *opsEnv {
	t.Helper()
	e := &opsEnv{dir: t.TempDir(), logs: &testutil.SyncBuffer{}}
	for p, data := range files {
		e.write(t, p, data)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.ix = index.New(e.dir, st)
	if cfg.Reindexer == nil && cfg.AdminToken != "" {
		cfg.Reindexer = opsReindexer{e}
	}
	e.srv = server.New(st, log, cfg)
	e.reindex(t)
	e.srv.SetReady()
	e.hs = httptest.NewUnstartedServer(e.srv)
	e.hs.Config = e.srv.HTTPServer("")
	e.hs.Start()
	t.Cleanup(e.hs.Close)
	return e
}

func (e *opsEnv) write(t *testing.T, p, data string) {
	t.Helper()
	testutil.WriteFile(t, e.dir, p, data)
}

func (e *opsEnv) remove(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(filepath.Join(e.dir, filepath.FromSlash(p))); err != nil {
		t.Fatal(err)
	}
}

// reindex runs the indexer and reports the run as geul serve does.
func (e *opsEnv) reindex(t *testing.T) index.Summary {
	t.Helper()
	sum, err := opsReindexer{e}.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// opsReindexer is the real indexer behind POST /admin/reindex.
type opsReindexer struct{ e *opsEnv }

func (r opsReindexer) run(ctx context.Context) (index.Summary, error) {
	sum, err := r.e.ix.Run(ctx)
	run := server.IndexRun{Err: err, Duration: sum.Duration, Generation: sum.Generation, Changed: sum.Changed, Posts: sum.Posts, Errors: len(sum.Errors)}
	u := server.Update{Run: run}
	if err == nil {
		u.Site = sum.Site
	}
	r.e.srv.Publish(ctx, u)
	return sum, err
}

func (r opsReindexer) Reindex(ctx context.Context, path string) (api.ReindexResult, error) {
	sum, err := r.run(ctx)
	if err != nil {
		return api.ReindexResult{}, err
	}
	return api.ReindexResult{Path: path, Generation: sum.Generation, Changed: sum.Changed, Files: sum.Files, Posts: sum.Total}, nil
}

// do sends a request; header is name, value pairs.
func (e *opsEnv) do(t *testing.T, method, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.hs.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.hs.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, body
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %.200s: %v", body, err)
	}
	return v
}

func wantProblem(t *testing.T, resp *http.Response, body []byte, status int) api.Problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: got status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("got Content-Type %q, want application/problem+json", ct)
	}
	p := decode[api.Problem](t, body)
	if p.Status != status {
		t.Errorf("problem status: got %d, want %d", p.Status, status)
	}
	return p
}

const bearer = "Bearer " + opsToken

func TestAdminNotMountedWithoutToken(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent)
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/admin/status"},
		{http.MethodPost, "/admin/reindex"},
		{http.MethodGet, "/admin"},
	} {
		resp, body := e.do(t, tt.method, tt.path, "Authorization", bearer)
		wantProblem(t, resp, body, http.StatusNotFound)
	}
}

func TestAdminAuth(t *testing.T) {
	e := newOpsEnv(t, server.Config{AdminToken: opsToken}, opsContent)
	tests := []struct {
		name       string
		method     string
		path       string
		header     []string
		wantStatus int
	}{
		{"no header", "GET", "/admin/status", nil, 401},
		{"wrong token", "GET", "/admin/status", []string{"Authorization", "Bearer nope"}, 401},
		{"token prefix", "GET", "/admin/status", []string{"Authorization", bearer[:len(bearer)-1]}, 401},
		{"basic scheme", "GET", "/admin/status", []string{"Authorization", "Basic " + opsToken}, 401},
		{"bare token", "GET", "/admin/status", []string{"Authorization", opsToken}, 401},
		{"token in query", "GET", "/admin/status?token=" + opsToken, nil, 401},
		{"token in query with header", "GET", "/admin/status?access_token=" + opsToken, []string{"Authorization", bearer}, 401},
		{"unknown admin path", "GET", "/admin/nothing", nil, 401},
		{"right token", "GET", "/admin/status", []string{"Authorization", bearer}, 200},
		{"lower-case scheme", "GET", "/admin/status", []string{"Authorization", "bearer " + opsToken}, 200},
		{"reindex", "POST", "/admin/reindex", []string{"Authorization", bearer}, 200},
		{"unknown admin path, authorized", "GET", "/admin/nothing", []string{"Authorization", bearer}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, tt.method, tt.path, append(tt.header, "Origin", "https://elsewhere.example")...)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("Access-Control-Allow-Origin: got %q, want none on admin routes", got)
			}
			if tt.wantStatus == 401 {
				wantProblem(t, resp, body, 401)
				if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("WWW-Authenticate: got %q, want a Bearer challenge", resp.Header.Get("WWW-Authenticate"))
				}
			}
			if bytes.Contains(body, []byte(opsToken)) {
				t.Errorf("the answer repeats the token: %s", body)
			}
		})
		if tt.wantStatus == 401 {
			// Stay under the failure limit: a success resets the count.
			e.do(t, "GET", "/admin/status", "Authorization", bearer)
		}
	}
	if strings.Contains(e.logs.String(), opsToken) {
		t.Errorf("the log holds the token")
	}
}

func TestAdminRateLimit(t *testing.T) {
	e := newOpsEnv(t, server.Config{AdminToken: opsToken}, opsContent)
	for i := range 5 {
		// A forged X-Forwarded-For does not make each attempt a new client.
		resp, body := e.do(t, "GET", "/admin/status", "Authorization", "Bearer guess"+strconv.Itoa(i), "X-Forwarded-For", "198.51.100."+strconv.Itoa(i))
		wantProblem(t, resp, body, 401)
	}
	for _, auth := range []string{"Bearer guess", bearer} {
		resp, body := e.do(t, "GET", "/admin/status", "Authorization", auth)
		wantProblem(t, resp, body, http.StatusTooManyRequests)
		ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After: got %q, want 1..60 seconds", resp.Header.Get("Retry-After"))
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
	}
	// Another client is not locked out by this one's failures.
	req := httptest.NewRequest("GET", "/admin/status", nil)
	req.RemoteAddr = "192.0.2.7:4321"
	req.Header.Set("Authorization", bearer)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("other client: got status %d, want 200: %s", rec.Code, rec.Body)
	}
	// Public routes stay open to the locked-out client.
	if resp, body := e.do(t, "GET", "/posts/cs/alpha"); resp.StatusCode != 200 {
		t.Errorf("public route: got status %d: %s", resp.StatusCode, body)
	}
}

func TestAdminStatusReportsContentErrors(t *testing.T) {
	files := map[string]string{}
	for k, v := range opsContent {
		files[k] = v
	}
	files["cs/broken.ko.md"] = "---\ntitle: x\ndate: 2025-13-45\n---\nbody\n"
	e := newOpsEnv(t, server.Config{AdminToken: opsToken}, files)
	resp, body := e.do(t, "GET", "/admin/status", "Authorization", bearer)
	if resp.StatusCode != 200 {
		t.Fatalf("got status %d: %s", resp.StatusCode, body)
	}
	st := decode[api.Status](t, body)
	if !st.Ready || st.Generation != 1 || st.IndexedAt == nil || time.Since(*st.IndexedAt) > time.Minute {
		t.Errorf("got ready %v generation %d indexedAt %v, want true 1 just now", st.Ready, st.Generation, st.IndexedAt)
	}
	if st.Posts["ko"] != 2 || st.Posts["en"] != 1 {
		t.Errorf("posts: got %v, want ko 2 en 1", st.Posts)
	}
	if len(st.Errors) != 1 {
		t.Fatalf("errors: got %+v, want one", st.Errors)
	}
	ce := st.Errors[0]
	if ce.File != "cs/broken.ko.md" || ce.Line != 3 || ce.Reason == "" || !strings.HasPrefix(ce.Message, "cs/broken.ko.md:3: ") {
		t.Errorf("error: got %+v, want cs/broken.ko.md line 3 with a reason", ce)
	}

	// Fixing the file and reindexing clears the error.
	e.write(t, "cs/broken.ko.md", opsPost("고침"))
	resp, body = e.do(t, "POST", "/admin/reindex", "Authorization", bearer)
	if resp.StatusCode != 200 {
		t.Fatalf("reindex: got status %d: %s", resp.StatusCode, body)
	}
	_, body = e.do(t, "GET", "/admin/status", "Authorization", bearer)
	if st := decode[api.Status](t, body); len(st.Errors) != 0 || st.Posts["ko"] != 3 || st.Generation != 2 {
		t.Errorf("after the fix: got %+v, want no errors, 3 ko posts, generation 2", st)
	}
}

func TestAdminReindex(t *testing.T) {
	e := newOpsEnv(t, server.Config{AdminToken: opsToken}, opsContent)
	if resp, _ := e.do(t, "GET", "/posts/cs/gamma"); resp.StatusCode != 404 {
		t.Fatalf("gamma before: got status %d, want 404", resp.StatusCode)
	}
	e.write(t, "cs/gamma.ko.md", opsPost("감마"))
	resp, body := e.do(t, "POST", "/admin/reindex?path=cs/gamma.ko.md", "Authorization", bearer)
	if resp.StatusCode != 200 {
		t.Fatalf("reindex: got status %d: %s", resp.StatusCode, body)
	}
	res := decode[api.ReindexResult](t, body)
	if !res.Changed || res.Generation != 2 || res.Path != "cs/gamma.ko.md" || res.Posts != 3 {
		t.Errorf("reindex: got %+v, want changed, generation 2, path echoed, 3 posts", res)
	}
	if resp, body := e.do(t, "GET", "/posts/cs/gamma"); resp.StatusCode != 200 {
		t.Errorf("gamma after: got status %d: %s", resp.StatusCode, body)
	}
	// Nothing changed: the generation stays.
	_, body = e.do(t, "POST", "/admin/reindex", "Authorization", bearer)
	if res := decode[api.ReindexResult](t, body); res.Changed || res.Generation != 2 {
		t.Errorf("idle reindex: got %+v, want unchanged at generation 2", res)
	}

	for _, p := range []string{"", "/etc/passwd", "../secret.ko.md", "cs/../../x", "cs//a.ko.md", "./cs/a.ko.md", `cs\a.ko.md`, "cs/a.ko.md/"} {
		resp, body := e.do(t, "POST", "/admin/reindex?path="+url.QueryEscape(p), "Authorization", bearer)
		wantProblem(t, resp, body, 400)
	}
}

// TestAdminWrongMethod: with the token, a wrong method on an admin route is a
// 405 problem naming the allowed methods; without it, a 401 that tells nothing.
func TestAdminWrongMethod(t *testing.T) {
	e := newOpsEnv(t, server.Config{AdminToken: opsToken}, opsContent)
	for _, tt := range []struct{ method, path, allow string }{
		{http.MethodPost, "/admin/status", "GET, HEAD"},
		{http.MethodDelete, "/admin/status", "GET, HEAD"},
		{http.MethodGet, "/admin/reindex", "POST"},
		{http.MethodPut, "/admin/reindex", "POST"},
	} {
		resp, body := e.do(t, tt.method, tt.path, "Authorization", bearer)
		wantProblem(t, resp, body, http.StatusMethodNotAllowed)
		if got := resp.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
	resp, body := e.do(t, http.MethodPost, "/admin/status")
	wantProblem(t, resp, body, http.StatusUnauthorized)
}
