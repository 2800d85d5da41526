package server_test

import (
	"bufio"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/geul-dev/geul/internal/server"
)

func TestRequestID(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent)
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"absent", "", false},
		{"uuid", "3f1c9b1e-8d2a-4c55-9e1b-2a7f0c6d4e11", true},
		{"trace style", "Root=1-67891233-abcdef012345678912345678", true},
		{"quote", `abc"def`, false},
		{"space", "abc def", false},
		{"log forgery", `x","level":"ERROR`, false},
		{"too long", strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.in != "" {
				hdr = []string{"X-Request-Id", tt.in}
			}
			for _, path := range []string{"/posts/cs/alpha", "/posts/cs/missing", "/nowhere"} {
				resp, _ := e.do(t, "GET", path, hdr...)
				got := resp.Header.Get("X-Request-Id")
				if tt.keep && got != tt.in {
					t.Errorf("%s: got X-Request-Id %q, want %q echoed", path, got, tt.in)
				}
				if !tt.keep && !generated.MatchString(got) {
					t.Errorf("%s: got X-Request-Id %q, want a generated id", path, got)
				}
			}
		})
	}

	// Header values a client library would refuse to send reach the server
	// from raw clients: they are replaced too.
	req := httptest.NewRequest("GET", "/posts/cs/alpha", nil)
	req.Header["X-Request-Id"] = []string{"abc\nfake log line"}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); !generated.MatchString(got) {
		t.Errorf("control characters: got X-Request-Id %q, want a generated id", got)
	}

	// Every line logged for a request carries its id: the access line and the
	// error handler's line of a 404.
	id := "req-42-test"
	e.do(t, "GET", "/posts/cs/missing", "X-Request-Id", id)
	var access, rejected bool
	sc := bufio.NewScanner(strings.NewReader(e.logs.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["path"] != "/posts/cs/missing" || rec["request_id"] != id {
			continue
		}
		switch rec["msg"] {
		case "request":
			access = true
			if rec["status"] != float64(404) || rec["route"] != "/posts/:category/:slug" {
				t.Errorf("access line: %v", rec)
			}
		case "request rejected":
			rejected = true
		}
	}
	if !access || !rejected {
		t.Errorf("log lines with request_id %q: access %v, rejected %v\n%s", id, access, rejected, e.logs.String())
	}
}
