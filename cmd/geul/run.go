package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
)

// errSilent ends the program with a failure after the output already said why.
var errSilent = errors.New("failed")

// errUsage is a command line that makes no sense.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

const usage = `geul serves a folder of markdown posts as a JSON API.

Usage:
  geul serve  [--content DIR] [--db FILE] [--addr HOST:PORT] [--watch] [--publish DIR]
              [--base-url URL] [--post-url TEMPLATE] [--category-url TEMPLATE]
                                                               index, then serve; --watch re-indexes on change
  geul serve  --read-only [--db FILE | --follow DIR] [--addr HOST:PORT] ...
                                                               serve a release, no content folder (a replica)
  geul index  [--content DIR] [--db FILE] [--publish DIR]      build or update the index, print its release hash
  geul check  [--content DIR] [--format text|json]             validate content, no database (for CI)
  geul import PAYLOAD-FILE [--content DIR] [--lang L] [--force] migrate a post from an old page payload

The flags of serve and index also read environment variables: GEUL_CONTENT, GEUL_DB,
GEUL_ADDR, GEUL_WATCH=1, GEUL_BASE_URL, GEUL_POST_URL, GEUL_CATEGORY_URL,
GEUL_READ_ONLY=1, GEUL_FOLLOW, GEUL_PUBLISH. A read-only server swaps in a new
release renamed over --db (or named by DIR/current) within 250 ms, or on SIGHUP.
GEUL_ADMIN_TOKEN (environment only) turns on /admin/status and /admin/reindex
behind Authorization: Bearer TOKEN; without it they are not served.
`

// run is the whole program; main only wires the process to it, so tests can
// start geul in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "index":
		return runIndex(ctx, rest, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, rest, getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "geul: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// options are the settings shared by the commands.
type options struct {
	content string
	db      string
	addr    string
}

// envDefault is the environment's value for a flag, else def.
func envDefault(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func newFlags(name string, stderr io.Writer, getenv func(string) string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.content, "content", envDefault(getenv, "GEUL_CONTENT", "content"), "content folder (GEUL_CONTENT)")
	fs.StringVar(&o.db, "db", envDefault(getenv, "GEUL_DB", ".geul/index.db"), "index database file (GEUL_DB)")
	return fs
}

// parseFlags parses args, allowing flags after positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newLogger logs text on a terminal and JSON otherwise, for log collectors.
func newLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	level := slog.LevelInfo
	if strings.EqualFold(getenv("GEUL_LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
