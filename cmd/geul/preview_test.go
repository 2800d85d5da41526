package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/geul-dev/geul/internal/testutil"
)

// previewPost is a bundle post with an image and highlighted code.
func previewPost(extra, para string) string {
	return "---\ntitle: Preview me\ndate: 2025-03-01\n" + extra + "---\n\n" + para +
		"\n\n![a diagram](diagram.png)\n\n```go\nfunc main() {\n\treturn\n}\n```\n"
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPreviewDraftsOnlyThere: a draft is 404 on the public routes and shown
// by the preview; with an admin token the preview asks for it.
func TestPreviewDraftsOnlyThere(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/_category.yaml":     "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/secret/index.en.md": previewPost("draft: true\n", "Not yet."),
		"cs/secret/diagram.png": string(pngBytes(t, 40, 20)),
		"cs/secret/.hidden.png": "x",
		"outside.png":           "secret bytes",
	})
	if err := os.Symlink(filepath.Join(dir, "outside.png"), filepath.Join(dir, "cs/secret/out.png")); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, dir, map[string]string{"GEUL_ADMIN_TOKEN": "tok"})
	if resp, _ := a.get(t, "/posts/cs/secret"); resp.StatusCode != 404 {
		t.Errorf("a draft's public GET answered %d, want 404", resp.StatusCode)
	}
	tests := []struct {
		name   string
		header []string
		status int
	}{
		{"no credentials", nil, 401},
		{"wrong token", []string{"Authorization", "Bearer nope"}, 401},
		{"bearer", []string{"Authorization", "Bearer tok"}, 200},
		{"basic, as a browser sends it", []string{"Authorization", "Basic dXNlcjp0b2s="}, 200}, // user:tok
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := a.get(t, "/preview/cs/secret?lang=en", tt.header...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate %q: a browser prompts only for Basic", resp.Header.Get("WWW-Authenticate"))
			}
			if tt.status == 200 && (!strings.Contains(string(body), "Not yet.") || !strings.Contains(string(body), "draft")) {
				t.Errorf("the preview does not show the draft: %.400s", body)
			}
		})
	}
	if resp, _ := a.get(t, "/preview/cs/nope?lang=en", "Authorization", "Bearer tok"); resp.StatusCode != 404 {
		t.Errorf("preview of no post: %d, want 404", resp.StatusCode)
	}
	// The draft's files come from the content folder, and nothing else does.
	files := []struct {
		path   string
		status int
	}{
		{"/preview/cs/secret/diagram.png", 200},
		{"/preview/cs/secret/index.en.md", 404},
		{"/preview/cs/secret/.hidden.png", 404},
		{"/preview/cs/secret/out.png", 404}, // a symlink out of the folder
		{"/preview/cs/secret/%2e%2e/%2e%2e/outside.png", 404},
		{"/preview/cs/secret/..%2Foutside.png", 400},
		{"/posts/cs/secret/diagram.png", 404}, // a draft's file is not public
	}
	for _, f := range files {
		if resp, body := a.get(t, f.path, "Authorization", "Bearer tok"); resp.StatusCode != f.status {
			t.Errorf("GET %s: %d, want %d: %.200s", f.path, resp.StatusCode, f.status, body)
		}
	}
}

// TestPreviewInBrowser opens the preview in headless Chromium: the bundle's
// image loads, the code is coloured by /highlight.css, and an edit to the
// file shows without a manual reload.
func TestPreviewInBrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (Debian package chromium): the preview cannot be opened in a browser")
	}
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cs/_category.yaml":       "name: {ko: 컴퓨터 공학, en: Computer Science}\n",
		"cs/pictures/index.en.md": previewPost("", "First version."),
		"cs/pictures/diagram.png": string(pngBytes(t, 64, 32)),
	})
	a := startApp(t, dir, nil, "--watch")

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first call starts the browser and must have no deadline of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	err = chromedp.Do(ctx, chromedp.Navigate(a.URL+"/preview/cs/pictures?lang=en"), chromedp.WaitVisible(chromedp.CSS("article img")))
	if err != nil {
		t.Fatalf("preview in chromium: %v\n%s", err, a.stderr.String())
	}
	imgWidth, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.querySelector("article img"); return i.complete && i.naturalWidth > 0 ? i.naturalWidth : 0 })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || imgWidth != 64 {
		t.Errorf("image naturalWidth %d (%v), want 64", imgWidth, err)
	}
	coloured, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("pre span")].some(s => getComputedStyle(s).color !== getComputedStyle(s.closest("pre")).color)`))
	if err != nil || !coloured {
		t.Errorf("code in the preview is not coloured (%v): /highlight.css missing or not matching the html's classes", err)
	}

	// The edit lands on disk; the page, left alone, must show it.
	if err := os.WriteFile(filepath.Join(dir, "cs/pictures/index.en.md"), []byte(previewPost("", "Second version, edited.")), 0o644); err != nil {
		t.Fatal(err)
	}
	// The page reloads itself, which ends any one evaluation: ask again.
	deadline := time.Now().Add(20 * time.Second)
	for {
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.innerText.includes("Second version, edited.")`))
		if err == nil && shown {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edit did not appear without a reload (last: %v)\n%s", err, a.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
