package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/mattn/go-isatty"
)

// errSilent ends the program with a failure after the output already said why.
var errSilent = errors.New("failed")

// errUsage is a command line that makes no sense.
var errUsage = errors.New("usage")

// errHelp is a command's --help: its usage went to stdout, and geul exits 0.
var errHelp = errors.New("help")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// synopsis is a command's name and its lines of the usage.
type synopsis struct{ name, text string }

// synopses are the commands' lines of the usage, in its order.
var synopses = []synopsis{
	{"serve", `geul serve  [--content DIR] [--db FILE] [--addr HOST:PORT] [--watch] [--publish DIR]
              [--base-url URL] [--post-url TEMPLATE] [--category-url TEMPLATE]
              [--trusted-proxies CIDRS] [--events-per-client N]
                                                               index, then serve; --watch re-indexes on change
  geul serve  --read-only [--db FILE | --follow DIR] [--addr HOST:PORT] ...
                                                               serve a release, no content folder (a replica)`},
	{"index", "geul index  [--content DIR] [--db FILE] [--publish DIR]      build or update the index, print its release hash"},
	{"check", "geul check  [--content DIR] [--format text|json]             validate content, no database (for CI)"},
	{"import", "geul import PAYLOAD-FILE [--content DIR] [--lang L] [--force] migrate a post from an old page payload"},
}

var usage = func() string {
	var b strings.Builder
	b.WriteString("geul serves a folder of markdown posts as a JSON API.\n\nUsage:\n")
	for _, s := range synopses {
		b.WriteString("  " + s.text + "\n")
	}
	b.WriteString(`  geul help                                                    this text; geul COMMAND --help for one command

The flags of serve and index also read environment variables: GEUL_CONTENT, GEUL_DB,
GEUL_ADDR, GEUL_WATCH=1, GEUL_BASE_URL, GEUL_POST_URL, GEUL_CATEGORY_URL,
GEUL_TRUSTED_PROXIES, GEUL_EVENTS_PER_CLIENT, GEUL_READ_ONLY=1, GEUL_FOLLOW,
GEUL_PUBLISH, GEUL_DB_MAX_MB. A read-only server swaps in a new release renamed
over --db (or named by DIR/current) as soon as it is renamed (within 250 ms on
a file system that sends no events), or on SIGHUP.
GEUL_ADMIN_TOKEN (environment only) turns on /admin/status and /admin/reindex
behind Authorization: Bearer TOKEN; without it they are not served.
`)
	return b.String()
}()

// run is the whole program; main only wires the process to it, so tests can
// start geul in-process. Usage asked for goes to stdout and exits 0; a command
// line that makes no sense gets it on stderr and exits 2.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, rest, getenv, stdout, stderr)
	case "index":
		err = runIndex(ctx, rest, getenv, stdout, stderr)
	case "import":
		err = runImport(ctx, rest, getenv, stdout, stderr)
	case "check":
		err = runCheck(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if cmd == "help" && len(rest) == 1 && slices.ContainsFunc(synopses, func(s synopsis) bool { return s.name == rest[0] }) {
			return run(ctx, []string{rest[0], "--help"}, getenv, stdout, stderr) // geul help serve
		}
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "geul: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// parseFlags parses args, allowing flags after positional arguments. -h and
// --help print the command's usage to stdout and return errHelp; a bad flag
// gets it on stderr.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	fs.Usage = func() {} // printed below, where it belongs
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				commandUsage(stdout, fs)
				return nil, errHelp
			}
			commandUsage(fs.Output(), fs)
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

// commandUsage writes the usage of the command fs parses: its synopsis and
// its flags.
func commandUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "Usage:")
	for _, s := range synopses {
		if s.name == fs.Name() {
			fmt.Fprintln(w, "  "+s.text)
		}
	}
	fmt.Fprintln(w, "\nFlags:")
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

// newLoggerTo logs through out at level: text when w is a terminal, JSON
// otherwise, for log collectors.
func newLoggerTo(out, w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}
