package main

import (
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/testutil"
)

// TestWatchEditServedWhileSlowFileRenders: under --watch, a post slow to
// render (within its budget) does not hold back an edit to another post:
// the edit is served while the slow one still renders, and still serves its
// last good version; the slow one is served once rendered.
func TestWatchEditServedWhileSlowFileRenders(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/_category.yaml": "name: {ko: 컴퓨터 공학}\n",
		"cs/edit.ko.md":     watchPost("고칠 글", "first edit"),
		"cs/slow.ko.md":     watchPost("느린 글", "first slow"),
	})
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": testAdminToken}, "--watch")
	eventually(t, "the first index", a.serves(t, "/posts/cs/slow?lang=ko", 200, "first slow"))

	slow := testutil.SlowBody(t, time.Second)
	start := time.Now()
	testutil.WriteFile(t, dir, "cs/slow.ko.md", watchPost("느린 글", "second slow\n\n"+slow))
	testutil.WriteFile(t, dir, "cs/edit.ko.md", watchPost("고칠 글", "second edit"))

	eventually(t, "the edit", a.serves(t, "/posts/cs/edit?lang=ko", 200, "second edit"))
	edited := time.Since(start)
	if msg := a.serves(t, "/posts/cs/slow?lang=ko", 200, "first slow")(); msg != "" {
		t.Fatalf("once the edit is served (after %v), the slow post is no longer its last good version: %s", edited, msg)
	}
	eventually(t, "the slow post", a.serves(t, "/posts/cs/slow?lang=ko", 200, "second slow"))
	rendered := time.Since(start)
	t.Logf("edit served in %d ms while a rendering served after %d ms was in flight", edited.Milliseconds(), rendered.Milliseconds())
	if !strings.Contains(a.stderr.String(), `"deferred":1`) {
		t.Errorf("no run logged a deferred rendering")
	}
	if errs := a.status(t).Errors; len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}
}
