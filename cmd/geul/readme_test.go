package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeHost is the address the README's examples call: make run's.
const readmeHost = "http://localhost:8080"

// TestReadmeCurlExamples runs every curl command of the README's sh blocks,
// with real curl, against geul serving the repository's own content/: a
// newcomer's first commands must all answer 2xx.
func TestReadmeCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: the README's examples cannot be run as a newcomer would")
	}
	cmds := readmeCurls(t, "../../README.md")
	if len(cmds) < 10 {
		t.Fatalf("found %d curl examples in README.md; the parser lost some", len(cmds))
	}
	const token = "readme-example-token"
	a := startApp(t, "../../content", map[string]string{"GEUL_ADMIN_TOKEN": token})
	for _, cmd := range cmds {
		t.Run(cmd, func(t *testing.T) {
			code, out := runCurl(t, strings.ReplaceAll(cmd, readmeHost, a.URL), token)
			if code < 200 || code > 299 {
				t.Errorf("%s\nanswered %d: %.300s", cmd, code, out)
			}
		})
	}
}

// runCurl runs one README command in bash, its output thrown away, and
// returns the status of its last answer. A stream (/events) is cut after a
// second; its status still counts.
func runCurl(t *testing.T, cmd, token string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	full := cmd + ` -o /dev/null --max-time 1 -w '\n%{http_code}'`
	c := exec.CommandContext(ctx, "bash", "-c", full)
	c.Env = append(os.Environ(), "GEUL_ADMIN_TOKEN="+token)
	c.Dir = t.TempDir() // where an example's own -o writes
	out, err := c.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 28) { // 28: --max-time
		t.Fatalf("%s: %v\n%s", full, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	code, err := strconv.Atoi(strings.TrimSpace(lines[len(lines)-1]))
	if err != nil {
		t.Fatalf("%s: no status in %q", full, out)
	}
	return code, string(out)
}

// readmeCurls returns the curl commands of the README's sh code blocks, each
// joined across its continuation lines and without its trailing comment.
func readmeCurls(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	var cur string
	inSh := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			inSh = strings.TrimPrefix(line, "```") == "sh"
			continue
		case !inSh:
			continue
		}
		if cur == "" && !strings.HasPrefix(strings.TrimSpace(line), "curl ") {
			continue
		}
		line = stripComment(line)
		if strings.HasSuffix(line, `\`) {
			cur += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		cmds = append(cmds, strings.TrimSpace(cur+line))
		cur = ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cmds
}

// stripComment drops a shell comment: a # outside quotes after a blank.
func stripComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && i > 0 && (line[i-1] == ' ' || line[i-1] == '\t'):
			return strings.TrimRight(line[:i], " \t")
		}
	}
	return strings.TrimRight(line, " \t")
}
