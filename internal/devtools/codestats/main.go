// Command codestats measures geul's code: the lines of non-test Go per
// package and the longest non-test functions, counted from `func` to the
// closing brace. With -vs it measures a git revision too and prints both
// side by side, so a redesign's before and after come from the repository:
//
//	go run ./internal/devtools/codestats -n 15 -vs fe2ceff
//
// make stats runs it (STATS_VS=rev for -vs).
package main

import (
	"cmp"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

func main() {
	n := flag.Int("n", 15, "how many of the longest functions to list")
	vs := flag.String("vs", "", "a git revision to measure as well, as the before")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	if err := run(os.Stdout, root, *vs, *n); err != nil {
		fmt.Fprintln(os.Stderr, "codestats:", err)
		os.Exit(1)
	}
}

// stats is one tree's measurements.
type stats struct {
	lines map[string]int // non-test lines by package folder
	funcs []function     // longest first
}

// function is one function or method declaration.
type function struct {
	name, pos string // pos is file:line
	lines     int
}

func run(w io.Writer, root, vs string, n int) error {
	after, err := measure(root)
	if err != nil {
		return err
	}
	if vs == "" {
		printLines(w, "", nil, after)
		printFuncs(w, after.funcs, n)
		return nil
	}
	dir, err := checkout(root, vs)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	before, err := measure(dir)
	if err != nil {
		return err
	}
	printLines(w, vs, &before, after)
	fmt.Fprintf(w, "\nlongest functions at %s:\n", vs)
	printFuncs(w, before.funcs, n)
	fmt.Fprintf(w, "\nlongest functions now:\n")
	printFuncs(w, after.funcs, n)
	return nil
}

// checkout writes the tree of rev into a new temporary folder.
func checkout(root, rev string) (string, error) {
	dir, err := os.MkdirTemp("", "codestats-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command("sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", root, rev, dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("git archive %s: %w", rev, err)
	}
	return dir, nil
}

// measure reads every non-test Go file under root, leaving out testdata,
// vendor and hidden folders.
func measure(root string) (stats, error) {
	st := stats{lines: map[string]int{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		st.lines[filepath.ToSlash(filepath.Dir(rel))] += fset.File(f.Pos()).LineCount()
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
				start, end := fset.Position(fd.Type.Func), fset.Position(fd.End())
				st.funcs = append(st.funcs, function{name: funcName(fd), pos: fmt.Sprintf("%s:%d", filepath.ToSlash(rel), start.Line), lines: end.Line - start.Line + 1})
			}
		}
		return nil
	})
	slices.SortStableFunc(st.funcs, func(a, b function) int {
		return cmp.Or(cmp.Compare(b.lines, a.lines), cmp.Compare(a.pos, b.pos))
	})
	return st, err
}

// funcName is Type.method for a method, else the function's name.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
}

// printLines prints the lines per package, with before's beside them when
// there is a before.
func printLines(w io.Writer, rev string, before *stats, after stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	pkgs := []string{}
	for p := range after.lines {
		pkgs = append(pkgs, p)
	}
	if before != nil {
		for p := range before.lines {
			if _, ok := after.lines[p]; !ok {
				pkgs = append(pkgs, p)
			}
		}
		fmt.Fprintf(tw, "package\t%s\tnow\tchange\t\n", rev)
	} else {
		fmt.Fprintf(tw, "package\tlines\t\n")
	}
	slices.Sort(pkgs)
	var tb, ta int
	for _, p := range pkgs {
		a := after.lines[p]
		ta += a
		if before == nil {
			fmt.Fprintf(tw, "%s\t%d\t\n", p, a)
			continue
		}
		b := before.lines[p]
		tb += b
		fmt.Fprintf(tw, "%s\t%d\t%d\t%+d\t\n", p, b, a, a-b)
	}
	if before == nil {
		fmt.Fprintf(tw, "total\t%d\t\n", ta)
	} else {
		fmt.Fprintf(tw, "total\t%d\t%d\t%+d\t\n", tb, ta, ta-tb)
	}
	tw.Flush()
}

// printFuncs prints the n longest functions.
func printFuncs(w io.Writer, funcs []function, n int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range funcs[:min(n, len(funcs))] {
		fmt.Fprintf(tw, "%5d\t%s\t%s\n", f.lines, f.name, f.pos)
	}
	tw.Flush()
}
