package openapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTypeScriptClient generates TypeScript types from openapi.yaml with
// openapi-typescript, as a frontend team would, and type-checks with
// tsc --strict a small client (testdata/ts/client.ts) that reads a post, a
// list page and a search through fetch, using the keys always present
// without `!` or `?.`; and checks that tsc rejects wrong.ts, which reads a
// trimmed item's key as if it were always there and a key no schema names.
// The tools' versions are pinned in testdata/ts/package-lock.json. It needs
// node and npm, and skips without them.
func TestTypeScriptClient(t *testing.T) {
	for _, tool := range []string{"node", "npm", "npx"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH (%v): the TypeScript types are not checked", tool, err)
		}
	}
	spec, err := filepath.Abs("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A copy, so node_modules and schema.d.ts stay out of the source tree.
	dir := t.TempDir()
	for _, name := range []string{"package.json", "package-lock.json", "tsconfig.json", "tsconfig.wrong.json", "client.ts", "wrong.ts"} {
		b, err := os.ReadFile(filepath.Join("testdata/ts", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		start := time.Now()
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1", "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		t.Logf("%s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		return string(out), err
	}
	steps := [][]string{
		{"npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"},
		{"npx", "--no-install", "openapi-typescript", spec, "-o", "schema.d.ts"},
		{"npx", "--no-install", "tsc", "--strict", "--noEmit", "-p", "tsconfig.json"},
	}
	for _, step := range steps {
		if out, err := run(step...); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(step, " "), err, out)
		}
	}
	out, err := run("npx", "--no-install", "tsc", "--strict", "--noEmit", "-p", "tsconfig.wrong.json")
	if err == nil {
		t.Fatalf("tsc accepts wrong.ts: the types let a trimmed key or an unknown key through")
	}
	for _, want := range []string{"wrong.ts(9,", "wrong.ts(10,"} {
		if !strings.Contains(out, want) {
			t.Errorf("tsc does not reject %s...): \n%s", want, out)
		}
	}
}
