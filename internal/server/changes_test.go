package server_test

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/server"
)

func slugsOf(ps []api.ChangedPost) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Slug+"/"+p.Lang)
	}
	return out
}

func TestChanges(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent) // generation 1
	e.write(t, "cs/gamma.ko.md", opsPost("감마"))
	e.reindex(t) // 2
	e.remove(t, "cs/beta.ko.md")
	e.write(t, "cs/alpha.ko.md", opsPost("알파 고침"))
	e.reindex(t) // 3

	// Every post has a payload per site language (ko, en here; a missing
	// body falls back), so each language is listed. Payloads that only changed
	// their prev/next links are updated too, so updated is checked for what
	// must be in it.
	tests := []struct {
		since                     string
		created, deleted, updated []string
	}{
		{"0", []string{"cs/alpha/en", "cs/alpha/ko", "cs/gamma/en", "cs/gamma/ko"}, nil, nil},
		{"1", []string{"cs/gamma/en", "cs/gamma/ko"}, []string{"cs/beta/en", "cs/beta/ko"}, []string{"cs/alpha/ko"}},
		{"2", nil, []string{"cs/beta/en", "cs/beta/ko"}, []string{"cs/alpha/en", "cs/alpha/ko"}},
		{"3", nil, nil, nil},
	}
	for _, tt := range tests {
		resp, body := e.do(t, "GET", "/changes?since="+tt.since)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("since %s: got status %d: %s", tt.since, resp.StatusCode, body)
		}
		ch := decode[api.Changes](t, body)
		if ch.Generation != 3 || strconv.FormatInt(ch.Since, 10) != tt.since {
			t.Errorf("since %s: got since %d generation %d, want %s 3", tt.since, ch.Since, ch.Generation, tt.since)
		}
		created, deleted, updated := slugsOf(ch.Created), slugsOf(ch.Deleted), slugsOf(ch.Updated)
		slices.Sort(created)
		slices.Sort(deleted)
		if tt.created == nil {
			tt.created = []string{}
		}
		if !reflect.DeepEqual(created, tt.created) {
			t.Errorf("since %s: got created %v, want %v", tt.since, created, tt.created)
		}
		if tt.deleted == nil {
			tt.deleted = []string{}
		}
		if !reflect.DeepEqual(deleted, tt.deleted) {
			t.Errorf("since %s: got deleted %v, want %v", tt.since, deleted, tt.deleted)
		}
		for _, w := range tt.updated {
			if !slices.Contains(updated, w) {
				t.Errorf("since %s: updated %v lacks %s", tt.since, updated, w)
			}
		}
		for _, u := range updated {
			if slices.Contains(created, u) || slices.Contains(deleted, u) {
				t.Errorf("since %s: %s is updated and also created or deleted", tt.since, u)
			}
		}
		if tt.since == "0" && len(updated) != 0 {
			t.Errorf("since 0: got updated %v, want none: everything is new", updated)
		}
		// Empty lists are [], never null, so clients need no special case.
		if strings.Contains(string(body), "null") {
			t.Errorf("since %s: body has null: %s", tt.since, body)
		}
	}

	// Revalidation: same generation, same answer.
	resp, _ := e.do(t, "GET", "/changes?since=1")
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if resp, _ := e.do(t, "GET", "/changes?since=1", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: got status %d, want 304", resp.StatusCode)
	}
	e.write(t, "cs/delta.ko.md", opsPost("델타"))
	e.reindex(t) // 4
	if resp, _ := e.do(t, "GET", "/changes?since=1", "If-None-Match", etag); resp.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match after a new generation: got status %d, want 200", resp.StatusCode)
	}

	for _, tt := range []struct {
		query string
		want  int
	}{
		{"", 400},
		{"?since=", 400},
		{"?since=-1", 400},
		{"?since=abc", 400},
		{"?since=1.5", 400},
		{"?since=99999999999999999999", 400},
		{"?since=5", 400}, // ahead of the index
	} {
		resp, body := e.do(t, "GET", "/changes"+tt.query)
		wantProblem(t, resp, body, tt.want)
	}
}

func TestChangesGoneAfterPruning(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent) // generation 1
	e.st.SetKeepGenerations(2)
	for _, name := range []string{"c1", "c2", "c3"} {
		e.write(t, "cs/"+name+".ko.md", opsPost(name))
		e.reindex(t)
	} // generations 2, 3, 4; kept: after 2
	for _, since := range []string{"0", "1"} {
		resp, body := e.do(t, "GET", "/changes?since="+since)
		p := wantProblem(t, resp, body, http.StatusGone)
		if !strings.Contains(p.Detail, "resync") || !strings.Contains(p.Detail, "/posts") || !strings.Contains(p.Detail, "since=4") {
			t.Errorf("since %s: detail %q should tell to resync from /posts and continue from 4", since, p.Detail)
		}
	}
	resp, body := e.do(t, "GET", "/changes?since=2")
	if resp.StatusCode != 200 {
		t.Fatalf("since 2: got status %d: %s", resp.StatusCode, body)
	}
	if got := slugsOf(decode[api.Changes](t, body).Created); !reflect.DeepEqual(got, []string{"cs/c2/en", "cs/c2/ko", "cs/c3/en", "cs/c3/ko"}) {
		t.Errorf("since 2: got created %v", got)
	}
}
