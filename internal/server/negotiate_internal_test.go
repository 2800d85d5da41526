package server

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/repr"
)

// queryCases are raw queries whose parameters queryParam must read as
// url.ParseQuery does.
var queryCases = []string{
	"", "lang=ko", "lang=ko&lang=en", "lang=&lang=en", "x=1&lang=k%6F", "la%6Eg=en", "lang=a+b",
	"lang=%zz&lang=en", "lang;x=1&lang=en", "lang=ko;x", "&&lang=ko&", "lang", "fields=title,slug&lang=en",
	"%=1&lang=ko", "lang=%E2%9C%93", "lang=ko=en", "LANG=ko", "&=0",
}

// TestQueryParam: the first value of a parameter, as url.ParseQuery (echo's
// QueryParam) reads it.
func TestQueryParam(t *testing.T) {
	for _, raw := range queryCases {
		checkQueryParam(t, raw)
	}
}

func FuzzQueryParam(f *testing.F) {
	for _, raw := range queryCases {
		f.Add(raw)
	}
	f.Fuzz(checkQueryParam)
}

func checkQueryParam(t *testing.T, raw string) {
	c := echo.New().NewContext(httptest.NewRequest("GET", "/", nil), nil)
	c.Request().URL.RawQuery = raw
	want, _ := url.ParseQuery(raw)
	for _, name := range []string{"lang", "fields", "x", "LANG", ""} {
		if got := queryParam(c, name); got != want.Get(name) {
			t.Errorf("queryParam(%q, %q) = %q, url.ParseQuery: %q", raw, name, got, want.Get(name))
		}
	}
}

// TestNegotiateEncoding: the stored form for an Accept-Encoding, q values
// and * included.
func TestNegotiateEncoding(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   repr.Encoding
	}{
		{"", repr.Identity},
		{"br", repr.Brotli},
		{"gzip, deflate, br, zstd", repr.Brotli},
		{"GZIP", repr.Gzip},
		{" gzip ; q=0.8 , br;q=0.5", repr.Gzip},
		{"br;q=0.5, gzip;q=0.5", repr.Brotli},
		{"br;q=0, gzip;q=0", repr.Identity},
		{"*", repr.Brotli},
		{"*;q=0.1, br;q=0", repr.Gzip},
		{"gzip;q=0, *", repr.Brotli},
		{"identity", repr.Identity},
		{"br;q=oops", repr.Brotli},
		{"br;q=0.2, br;q=0", repr.Identity},
		{"gzip;level=1;q=0.3", repr.Gzip},
	} {
		if got := negotiateEncoding(tc.header); got != tc.want {
			t.Errorf("Accept-Encoding %q: %q, want %q", tc.header, got, tc.want)
		}
	}
}

// TestReqContext: a request's context reports its deadline whether or not
// anything waits on it, closes Done at the deadline, carries the request id
// to its children, and ends with the request.
func TestReqContext(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	defer cancelParent()
	rc := &reqContext{Context: parent, id: "req-1", deadline: time.Now().Add(30 * time.Millisecond)}
	child, cancel := context.WithCancel(rc)
	defer cancel()
	if RequestID(child) != "req-1" {
		t.Fatalf("RequestID of a child: %q", RequestID(child))
	}
	if d, ok := child.Deadline(); !ok || !d.Equal(rc.deadline) {
		t.Fatalf("Deadline: %v %v", d, ok)
	}
	if rc.Err() != nil {
		t.Fatalf("Err before the deadline: %v", rc.Err())
	}
	// Nothing has called rc.Done yet but the child's set-up: the error is
	// the clock's.
	time.Sleep(40 * time.Millisecond)
	if !errors.Is(rc.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err after the deadline: %v", rc.Err())
	}
	select {
	case <-child.Done():
	case <-time.After(time.Second):
		t.Fatal("a child was not canceled at the deadline")
	}

	// A request whose client goes is canceled, and the context of an
	// answered request is canceled too.
	gone, goneCancel := context.WithCancel(context.Background())
	rc = &reqContext{Context: gone, deadline: time.Now().Add(time.Hour)}
	goneCancel()
	if !errors.Is(rc.Err(), context.Canceled) {
		t.Fatalf("Err of a request whose client went: %v", rc.Err())
	}
	rc = &reqContext{Context: context.Background(), deadline: time.Now().Add(time.Hour)}
	done := rc.Done()
	rc.release()
	select {
	case <-done:
	default:
		t.Fatal("release left Done open")
	}
	rc = &reqContext{Context: context.Background(), deadline: time.Now().Add(time.Hour)}
	rc.release()
	if !errors.Is(rc.Err(), context.Canceled) || rc.Done() == nil {
		t.Fatalf("after release without Done: Err %v", rc.Err())
	}
}
