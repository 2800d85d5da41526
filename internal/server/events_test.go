package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/server"
)

type sseEvent struct{ id, event, data string }

// sseStream is a client of GET /events reading over real HTTP.
type sseStream struct {
	resp   *http.Response
	lines  chan string // closed when the stream ends
	cancel context.CancelFunc
}

func (e *opsEnv) openEvents(t *testing.T, header ...string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", e.hs.URL+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.hs.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &sseStream{resp: resp, lines: make(chan string, 64), cancel: cancel}
	go func() {
		defer close(s.lines)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	t.Cleanup(cancel)
	return s
}

// next returns the next event, skipping comments; ok is false when the stream ended.
func (s *sseStream) next(t *testing.T) (ev sseEvent, ok bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	seen := false
	for {
		select {
		case line, open := <-s.lines:
			if !open {
				return ev, false
			}
			switch {
			case line == "":
				if seen {
					return ev, true
				}
			case strings.HasPrefix(line, ":"):
			default:
				k, v, _ := strings.Cut(line, ":")
				v = strings.TrimPrefix(v, " ")
				seen = true
				switch k {
				case "id":
					ev.id = v
				case "event":
					ev.event = v
				case "data":
					ev.data += v
				}
			}
		case <-timeout:
			t.Fatal("no event within 10s")
		}
	}
}

func (s *sseStream) mustNext(t *testing.T, wantEvent, wantID string) sseEvent {
	t.Helper()
	ev, ok := s.next(t)
	if !ok {
		t.Fatalf("stream ended, want a %s event", wantEvent)
	}
	if ev.event != wantEvent || ev.id != wantID {
		t.Fatalf("got event %q id %q (%s), want %q id %q", ev.event, ev.id, ev.data, wantEvent, wantID)
	}
	return ev
}

// waitClients waits until the hub has n clients.
func waitClients(t *testing.T, srv *server.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Events().Clients() != n {
		if time.Now().After(deadline) {
			t.Fatalf("event clients: got %d, want %d", srv.Events().Clients(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEventsAnnounceGenerations(t *testing.T) {
	e := newOpsEnv(t, server.Config{AdminToken: opsToken}, opsContent)
	s := e.openEvents(t)
	if ct := s.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type: got %q", ct)
	}
	if cc := s.resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", cc)
	}
	hello := s.mustNext(t, "hello", "1")
	if hello.data != `{"generation":1}` {
		t.Errorf("hello data: got %s", hello.data)
	}
	waitClients(t, e.srv, 1)

	// A second client, to check one leaving does not disturb the other.
	s2 := e.openEvents(t)
	s2.mustNext(t, "hello", "1")
	waitClients(t, e.srv, 2)

	e.write(t, "cs/gamma.ko.md", opsPost("감마"))
	if resp, body := e.do(t, "POST", "/admin/reindex", "Authorization", bearer); resp.StatusCode != 200 {
		t.Fatalf("reindex: got status %d: %s", resp.StatusCode, body)
	}
	for _, st := range []*sseStream{s, s2} {
		ev := st.mustNext(t, "generation", "2")
		var ch api.Changes
		if err := json.Unmarshal([]byte(ev.data), &ch); err != nil {
			t.Fatal(err)
		}
		if ch.Since != 1 || ch.Generation != 2 || !slices.Equal(slugsOf(ch.Created), []string{"cs/gamma/en", "cs/gamma/ko"}) {
			t.Errorf("generation event: got %+v", ch)
		}
	}

	// A run that changes nothing announces nothing; the next change comes next.
	e.reindex(t)
	e.remove(t, "cs/gamma.ko.md")
	e.reindex(t)
	ev := s.mustNext(t, "generation", "3")
	if !strings.Contains(ev.data, `"deleted":[{"slug":"cs/gamma","lang":"en","generation":3,"keys":["post:cs/gamma","list:posts"]},{"slug":"cs/gamma","lang":"ko","generation":3,"keys":["post:cs/gamma","list:posts"]}]`) {
		t.Errorf("generation 3: got %s", ev.data)
	}

	// A client that hangs up is forgotten.
	s.cancel()
	waitClients(t, e.srv, 1)
	s2.mustNext(t, "generation", "3")
	s2.cancel()
	waitClients(t, e.srv, 0)

	// The gauge follows.
	_, body := e.do(t, "GET", "/metrics")
	if !strings.Contains(string(body), "\ngeul_events_clients 0\n") {
		t.Errorf("metrics lack geul_events_clients 0")
	}
}

func TestEventsResume(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent) // 1
	e.write(t, "cs/gamma.ko.md", opsPost("감마"))
	e.reindex(t) // 2
	e.write(t, "cs/delta.ko.md", opsPost("델타"))
	e.reindex(t) // 3

	// A returning client gets what it missed first.
	s := e.openEvents(t, "Last-Event-ID", "1")
	ev := s.mustNext(t, "generation", "3")
	var ch api.Changes
	if err := json.Unmarshal([]byte(ev.data), &ch); err != nil {
		t.Fatal(err)
	}
	created := slugsOf(ch.Created)
	slices.Sort(created)
	if ch.Since != 1 || ch.Generation != 3 || !slices.Equal(created, []string{"cs/delta/en", "cs/delta/ko", "cs/gamma/en", "cs/gamma/ko"}) {
		t.Errorf("catch-up: got %+v", ch)
	}
	s.cancel()

	for _, last := range []string{"3", "junk", "-4"} {
		s := e.openEvents(t, "Last-Event-ID", last)
		s.mustNext(t, "hello", "3")
		s.cancel()
	}

	// Too old, or from an index that was rebuilt: start over.
	e.st.SetKeepGenerations(1)
	e.write(t, "cs/eps.ko.md", opsPost("엡실론"))
	e.reindex(t) // 4; kept: after 3
	for _, last := range []string{"1", "99"} {
		s := e.openEvents(t, "Last-Event-ID", last)
		ev := s.mustNext(t, "resync", "4")
		if !strings.Contains(ev.data, `"generation":4`) || !strings.Contains(ev.data, "/posts") {
			t.Errorf("resync data: got %s", ev.data)
		}
		s.cancel()
	}
	waitClients(t, e.srv, 0)
}

func TestEventsHeartbeat(t *testing.T) {
	e := newOpsEnv(t, server.Config{EventHeartbeat: 20 * time.Millisecond}, opsContent)
	s := e.openEvents(t)
	s.mustNext(t, "hello", "1")
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line := <-s.lines:
			if line == ": ping" {
				return
			}
		case <-timeout:
			t.Fatal("no heartbeat comment")
		}
	}
}

func TestEventsEndOnShutdown(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent)
	s := e.openEvents(t)
	s.mustNext(t, "hello", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.hs.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an open event stream: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if _, ok := s.next(t); ok {
		t.Error("stream still open after shutdown")
	}
	waitClients(t, e.srv, 0)
}

func TestEventsHead(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent)
	resp, _ := e.do(t, "HEAD", "/events")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("HEAD /events: got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if n := e.srv.Events().Clients(); n != 0 {
		t.Errorf("HEAD left %d clients", n)
	}
}
