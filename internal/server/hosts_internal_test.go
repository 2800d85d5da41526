package server

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestForgedHostsShareOneCacheEntry: without a configured base URL, 400
// distinct Host headers (which took 1.13 GB) make no more cached documents
// than one, and no link of theirs; a Host naming the server is used.
func TestForgedHostsShareOneCacheEntry(t *testing.T) {
	e := newFeedEnv(t, smallSite(2), Config{})
	get := func(path, host string) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", e.hs.URL+path, nil)
		req.Host = host
		resp, err := identityClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s with Host %s: %d %s", path, host, resp.StatusCode, body)
		}
		return body
	}
	for i := range 400 {
		host := "h" + strings.Repeat("x", i%40) + ".example"
		if i%2 == 1 {
			host = "10.9.8." + string(rune('0'+i%10)) + ":8080"
		}
		for _, p := range []string{"/sitemap.xml", "/feed.xml", "/feed.json"} {
			if body := get(p, host); bytes.Contains(body, []byte(host)) {
				t.Fatalf("%s links to the forged host %s", p, host)
			}
		}
	}
	e.srv.feeds.mu.Lock()
	n := len(e.srv.feeds.cache)
	e.srv.feeds.mu.Unlock()
	if n > 3 {
		t.Errorf("%d cached documents after 400 hosts, want one per kind", n)
	}
	// The server's own address, and localhost at its port, are believed.
	own := strings.TrimPrefix(e.hs.URL, "http://")
	local := "localhost:" + own[strings.LastIndexByte(own, ':')+1:]
	for _, h := range []string{own, local} {
		if body := get("/feed.xml", h); !bytes.Contains(body, []byte("http://"+h+"/")) {
			t.Errorf("Host %s: links do not use it: %.300s", h, body)
		}
	}
}

// TestFeedCacheBoundedInBytes: past its byte budget the cache starts over
// with the newest document.
func TestFeedCacheBoundedInBytes(t *testing.T) {
	e := newFeedEnv(t, smallSite(6), Config{BaseURL: "https://b.example"})
	e.srv.feeds.mu.Lock()
	e.srv.feeds.maxBytes = 6000
	e.srv.feeds.mu.Unlock()
	for _, p := range []string{"/feed.xml?lang=ko", "/feed.xml?lang=en", "/atom.xml?lang=ko", "/atom.xml?lang=en", "/feed.json", "/sitemap.xml"} {
		e.get(t, p)
		f := &e.srv.feeds
		f.mu.Lock()
		total := 0
		for _, v := range f.cache {
			total += v.size
		}
		held, n := f.bytes, len(f.cache)
		f.mu.Unlock()
		if held != total || (held > 6000 && n > 1) {
			t.Errorf("after %s: %d entries, %d bytes counted, %d held", p, n, held, total)
		}
	}
}
