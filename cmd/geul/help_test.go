package main

import (
	"strings"
	"testing"
)

// TestHelpAndUsage: usage asked for goes to stdout with exit 0; a command
// line that makes no sense gets it on stderr with exit 2.
func TestHelpAndUsage(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string // a part of stdout, "" for none at all
		stderr string // a part of stderr, "" for none at all
	}{
		{[]string{"--help"}, 0, "geul serve  [--content DIR]", ""},
		{[]string{"-h"}, 0, "geul check  [--content DIR]", ""},
		{[]string{"help"}, 0, "geul import PAYLOAD-FILE", ""},
		{[]string{"help", "index"}, 0, "geul index  [--content DIR]", ""},
		{[]string{"serve", "--help"}, 0, "-addr string", ""},
		{[]string{"serve", "-h"}, 0, "-base-url string", ""},
		{[]string{"serve", "--watch", "--help"}, 0, "-watch", ""},
		{[]string{"index", "--help"}, 0, "-db string", ""},
		{[]string{"check", "--help"}, 0, "-format string", ""},
		{[]string{"import", "--help"}, 0, "-force", ""},
		{[]string{}, 2, "", "Usage:"},
		{[]string{"serv"}, 2, "", `unknown command "serv"`},
		{[]string{"--version"}, 2, "", `unknown command "--version"`},
		{[]string{"serve", "--nope"}, 2, "", "-addr string"},
		{[]string{"check", "--format"}, 2, "", "flag needs an argument"},
	} {
		stdout, stderr, code := runCmd(t, tc.args...)
		if code != tc.code {
			t.Errorf("geul %q: exit %d, want %d\nstdout: %s\nstderr: %s", tc.args, code, tc.code, stdout, stderr)
			continue
		}
		for _, out := range []struct{ name, got, want string }{{"stdout", stdout, tc.stdout}, {"stderr", stderr, tc.stderr}} {
			if out.want == "" && out.got != "" {
				t.Errorf("geul %q: %s %q, want nothing", tc.args, out.name, out.got)
			}
			if !strings.Contains(out.got, out.want) {
				t.Errorf("geul %q: %s %q, want it to hold %q", tc.args, out.name, out.got, out.want)
			}
		}
	}
}

// TestServeListensLocallyByDefault: an author's make run is not open to the
// network; --addr or GEUL_ADDR opens it.
func TestServeListensLocallyByDefault(t *testing.T) {
	stdout, _, _ := runCmd(t, "serve", "--help")
	if !strings.Contains(stdout, `(default "127.0.0.1:8080")`) {
		t.Errorf("serve --help does not show the default address:\n%s", stdout)
	}
}
