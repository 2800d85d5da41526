package server_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/server"
)

func TestMetrics(t *testing.T) {
	e := newOpsEnv(t, server.Config{AdminToken: opsToken}, opsContent)
	for range 3 {
		e.do(t, "GET", "/posts/cs/alpha")
	}
	e.do(t, "GET", "/posts/cs/missing")
	e.do(t, "GET", "/wp-login.php")
	e.do(t, "GET", "/admin/status")
	e.srv.Publish(context.Background(), server.Update{Run: server.IndexRun{Err: errors.New("disk gone"), Duration: time.Millisecond}})

	resp, body := e.do(t, "GET", "/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("got status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type: got %q", ct)
	}
	text := string(body)
	for _, want := range []string{
		`geul_http_requests_total{method="GET",route="/posts/:category/:slug",status="200"} 3`,
		`geul_http_requests_total{method="GET",route="/posts/:category/:slug",status="404"} 1`,
		`geul_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`geul_http_requests_total{method="GET",route="/admin/status",status="401"} 1`,
		`geul_http_request_duration_seconds_count{method="GET",route="/posts/:category/:slug"} 4`,
		`geul_index_runs_total{result="ok"} 1`,
		`geul_index_runs_total{result="error"} 1`,
		`geul_index_duration_seconds_count 2`,
		`geul_index_generation 1`,
		`geul_posts{lang="en"} 1`,
		`geul_posts{lang="ko"} 2`,
		`geul_content_errors 0`,
	} {
		// Whole lines: "} 3" must not pass for "} 30".
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(text, "\ngo_goroutines ") {
		t.Error("metrics lack the Go runtime's go_goroutines")
	}
	// Raw URLs never become labels.
	if strings.Contains(text, "cs/alpha") || strings.Contains(text, "wp-login") {
		t.Errorf("a raw path leaked into the labels")
	}
	if !regexp.MustCompile(`geul_index_last_run_timestamp_seconds \d`).MatchString(text) {
		t.Errorf("no last run timestamp")
	}

	// A new run moves the index gauges.
	e.write(t, "cs/gamma.en.md", opsPost("Gamma"))
	e.write(t, "cs/bad.ko.md", "---\ntitle: x\n---\n")
	e.reindex(t)
	_, body = e.do(t, "GET", "/metrics")
	for _, want := range []string{`geul_index_generation 2`, `geul_posts{lang="en"} 2`, `geul_content_errors 1`} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("after a run, metrics lack %s", want)
		}
	}
}
