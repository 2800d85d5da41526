package server_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/server"
)

// TestClientGoneIs499: a request whose client went away before the answer
// is logged and counted as 499, never as a 500 of ours.
func TestClientGoneIs499(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client closed the connection while the search ran
	req := httptest.NewRequest("GET", "/search?q=%EB%B3%B8%EB%AC%B8&lang=ko", nil).WithContext(ctx)
	e.srv.ServeHTTP(httptest.NewRecorder(), req)

	_, body := e.do(t, "GET", "/metrics")
	if want := `geul_http_requests_total{method="GET",route="/search",status="499"} 1`; !strings.Contains(string(body), want) {
		t.Errorf("metrics lack %s", want)
	}
	if strings.Contains(string(body), `route="/search",status="500"`) {
		t.Error("a disconnected client counted as 500")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"status":499`) || strings.Contains(logs, "request failed") {
		t.Errorf("want a 499 access line and no failure logged:\n%s", logs)
	}
}

// TestRequestTimeoutIs503: a request that outlives the request timeout is
// the server's overload, told as 503 with Retry-After, not an internal error.
func TestRequestTimeoutIs503(t *testing.T) {
	e := newOpsEnv(t, server.Config{RequestTimeout: time.Nanosecond}, opsContent)
	resp, body := e.do(t, "GET", "/search?q=%EB%B3%B8%EB%AC%B8&lang=ko")
	p := wantProblem(t, resp, body, 503)
	if !strings.HasSuffix(p.Type, "/unavailable") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("problem %+v, Retry-After %q", p, resp.Header.Get("Retry-After"))
	}
	if logs := e.logs.String(); !strings.Contains(logs, "deadline exceeded") {
		t.Errorf("the timeout is not logged:\n%s", logs)
	}
}

// TestProblemEchoIsCapped: a problem repeats at most a bounded part of a
// huge path or query value, cut as valid UTF-8 with an ellipsis.
func TestProblemEchoIsCapped(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent)
	huge := strings.Repeat("가", 100_000) // 300 KB: under net/http's header limit
	cases := []struct{ name, path string }{
		{"path", "/posts/cs/" + huge},
		{"unknown route", "/" + huge},
		{"query", "/posts?sort=" + huge},
		{"lang", "/feed.xml?lang=" + huge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.do(t, "GET", c.path)
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if len(body) > 2048 {
				t.Errorf("problem of %d bytes for a %d-byte request", len(body), len(c.path))
			}
			var p api.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if !utf8.ValidString(p.Instance) || !utf8.ValidString(p.Detail) {
				t.Error("problem is not valid UTF-8")
			}
			if len(p.Instance) > 260 {
				t.Errorf("instance %d bytes: %.40q…", len(p.Instance), p.Instance)
			}
		})
	}
}

// TestAdminLockoutByClientAddress: failures count per client address, and
// the address comes from forwarding headers only when the peer (here the
// test client on 127.0.0.1) is a configured trusted proxy. Preflights and
// successful requests are no failures.
func TestAdminLockoutByClientAddress(t *testing.T) {
	loopback, err := server.ParseTrustedProxies("127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	const attacker, admin = "203.0.113.7", "198.51.100.1"
	cases := []struct {
		name    string
		trusted bool
		from    func(ip string) []string // the header a proxy adds
		// adminBlocked: the admin, at another address, is locked out too.
		adminBlocked bool
	}{
		{"behind a trusted proxy, X-Forwarded-For", true, func(ip string) []string { return []string{"X-Forwarded-For", ip} }, false},
		{"behind a trusted proxy, Forwarded", true, func(ip string) []string { return []string{"Forwarded", `for="` + ip + `:4711";proto=https`} }, false},
		{"a forged header from an untrusted peer", false, func(ip string) []string { return []string{"X-Forwarded-For", ip} }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := server.Config{AdminToken: opsToken}
			if c.trusted {
				cfg.TrustedProxies = loopback
			}
			e := newOpsEnv(t, cfg, opsContent)
			for range 10 {
				if resp, body := e.do(t, "OPTIONS", "/admin/status", c.from(admin)...); resp.StatusCode != 401 {
					t.Fatalf("preflight: %d %s", resp.StatusCode, body)
				}
				if resp, body := e.do(t, "GET", "/admin/status", append(c.from(admin), "Authorization", bearer)...); resp.StatusCode != 200 {
					t.Fatalf("admin: %d %s", resp.StatusCode, body)
				}
			}
			for i := range 6 {
				resp, body := e.do(t, "GET", "/admin/status", append(c.from(attacker), "Authorization", "Bearer wrong")...)
				want := 401
				if i == 5 {
					want = 429
				}
				wantProblem(t, resp, body, want)
			}
			resp, body := e.do(t, "GET", "/admin/status", append(c.from(admin), "Authorization", bearer)...)
			if blocked := resp.StatusCode == 429; blocked != c.adminBlocked {
				t.Errorf("the admin after the attack: %d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := server.ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,")
	if err != nil || len(got) != 3 || got[1].String() != "192.0.2.1/32" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := server.ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad CIDR was accepted")
	}
}

// TestEventsPerClientLimit: one client address holds at most
// EventsPerClient streams; past that it gets 429 with Retry-After, while
// other addresses still connect, and a closed stream frees its place.
func TestEventsPerClientLimit(t *testing.T) {
	loopback, _ := server.ParseTrustedProxies("127.0.0.1, ::1")
	e := newOpsEnv(t, server.Config{EventsPerClient: 2, TrustedProxies: loopback}, opsContent)
	const one, other = "X-Forwarded-For", "203.0.113.7"
	var open []*sseStream
	for range 2 {
		s := e.openEvents(t, one, "198.51.100.1")
		if ev, ok := s.next(t); !ok || ev.event != "hello" {
			t.Fatalf("stream: %v %v", ev, ok)
		}
		open = append(open, s)
	}
	s := e.openEvents(t, one, "198.51.100.1")
	if s.resp.StatusCode != 429 || s.resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third stream: %d, Retry-After %q", s.resp.StatusCode, s.resp.Header.Get("Retry-After"))
	}
	if ct := s.resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("third stream: Content-Type %q", ct)
	}
	if s := e.openEvents(t, one, other); s.resp.StatusCode != 200 {
		t.Errorf("another address: %d", s.resp.StatusCode)
	}
	open[0].cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := e.openEvents(t, one, "198.51.100.1")
		if s.resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream did not free its place: %d", s.resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
