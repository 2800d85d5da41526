package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"path/filepath"
	"io/fs"
	"sync"
	"runtime"
	"syscall"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown"
	_ "github.com/mattn/go-sqlite3"
)

func gen(dir, dst string, n int) {
	var paths []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if strings.HasSuffix(p, ".md") {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	if len(paths) > n {
		paths = paths[:n]
	}
	md := markdown.New()
	docs := make([]doc, len(paths))
	var wg sync.WaitGroup
	ch := make(chan int)
	var rt time.Duration
	var mu sync.Mutex
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				data, _ := os.ReadFile(paths[i])
				rel, _ := filepath.Rel(dir, paths[i])
				f, err := content.ParseFile(filepath.ToSlash(rel), data)
				must(err)
				t0 := time.Now()
				res, err := md.Render(f.Body)
				mu.Lock()
				rt += time.Since(t0)
				mu.Unlock()
				must(err)
				docs[i] = doc{post: f.Category + "/" + f.Slug, lang: f.Lang, cat: f.Category, title: f.Title[f.Lang], desc: f.Description[f.Lang], body: res.Text}
			}
		}()
	}
	for i := range paths {
		ch <- i
	}
	close(ch)
	wg.Wait()
	fmt.Println("render cpu time", rt, "docs", len(docs))
	os.Remove(dst)
	db, err := sql.Open("sqlite3", "file:"+dst)
	must(err)
	_, err = db.Exec(`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`)
	must(err)
	tx, _ := db.Begin()
	for i, d := range docs {
		_, err := tx.Exec(`INSERT INTO docs VALUES(?,?,?,?,?,?,?)`, i+1, d.post, d.lang, d.cat, d.title, d.desc, d.body)
		must(err)
	}
	must(tx.Commit())
	db.Close()
}


var variants = map[string][]string{
	"cur": {
		`CREATE VIRTUAL TABLE st USING fts5(post_id UNINDEXED, lang UNINDEXED, title, description, body, tokenize='trigram')`,
		`CREATE VIRTUAL TABLE sw USING fts5(post_id UNINDEXED, lang UNINDEXED, title, description, body, tokenize='unicode61 remove_diacritics 2', prefix='1 2')`,
	},
	"ext": {
		`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`,
		`CREATE VIRTUAL TABLE st USING fts5(title, description, body, tokenize='trigram', content='docs', content_rowid='id')`,
		`CREATE VIRTUAL TABLE sw USING fts5(title, description, body, tokenize='unicode61 remove_diacritics 2', prefix='1 2', content='docs', content_rowid='id')`,
	},
	"extnp": {
		`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`,
		`CREATE VIRTUAL TABLE st USING fts5(title, description, body, tokenize='trigram', content='docs', content_rowid='id')`,
		`CREATE VIRTUAL TABLE sw USING fts5(title, description, body, tokenize='unicode61 remove_diacritics 2', content='docs', content_rowid='id')`,
	},
	"extcol": {
		`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`,
		`CREATE VIRTUAL TABLE st USING fts5(title, description, body, tokenize='trigram', content='docs', content_rowid='id')`,
		`CREATE VIRTUAL TABLE sw USING fts5(title, description, body, tokenize='unicode61 remove_diacritics 2', content='docs', content_rowid='id', detail='column')`,
	},
	"tricol": {
		`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`,
		`CREATE VIRTUAL TABLE st USING fts5(title, description, body, tokenize='trigram', content='docs', content_rowid='id', detail='column')`,
	},
	"docs": {
		`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`,
	},
	"onlytri": {
		`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`,
		`CREATE VIRTUAL TABLE st USING fts5(title, description, body, tokenize='trigram', content='docs', content_rowid='id')`,
	},
	"onlyw": {
		`CREATE TABLE docs(id INTEGER PRIMARY KEY, post_id TEXT, lang TEXT, category TEXT, title TEXT, description TEXT, body TEXT)`,
		`CREATE VIRTUAL TABLE sw USING fts5(title, description, body, tokenize='unicode61 remove_diacritics 2', content='docs', content_rowid='id')`,
	},
}

type doc struct{ post, lang, cat, title, desc, body string }

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func load(src string, limit int) []doc {
	db, err := sql.Open("sqlite3", "file:"+src+"?mode=ro")
	must(err)
	defer db.Close()
	rows, err := db.Query(`SELECT post_id, lang, category, title, description, body FROM docs ORDER BY id LIMIT ?`, limit)
	must(err)
	var out []doc
	for rows.Next() {
		var d doc
		must(rows.Scan(&d.post, &d.lang, &d.cat, &d.title, &d.desc, &d.body))
		out = append(out, d)
	}
	return out
}

func build(docs []doc, dst, variant string) {
	os.Remove(dst)
	os.Remove(dst + "-wal")
	db, err := sql.Open("sqlite3", "file:"+dst+"?_journal_mode=WAL&_synchronous=NORMAL&_cache_size=-16000")
	must(err)
	db.SetMaxOpenConns(1)
	defer db.Close()
	for _, s := range variants[variant] {
		_, err := db.Exec(s)
		must(err)
	}
	start := time.Now()
	tx, err := db.Begin()
	must(err)
	ext := variant != "cur"
	var tdocs, tst, tsw time.Duration
	for i, d := range docs {
		id := i + 1
		if ext {
			t0 := time.Now()
			_, err := tx.Exec(`INSERT INTO docs(id, post_id, lang, category, title, description, body) VALUES(?,?,?,?,?,?,?)`, id, d.post, d.lang, d.cat, d.title, d.desc, d.body)
			must(err)
			tdocs += time.Since(t0)
			if strings.Contains(strings.Join(variants[variant], ""), " st ") {
				t0 = time.Now()
				_, err = tx.Exec(`INSERT INTO st(rowid, title, description, body) VALUES(?,?,?,?)`, id, d.title, d.desc, d.body)
				must(err)
				tst += time.Since(t0)
			}
			if strings.Contains(strings.Join(variants[variant], ""), " sw ") {
				t0 = time.Now()
				_, err = tx.Exec(`INSERT INTO sw(rowid, title, description, body) VALUES(?,?,?,?)`, id, d.title, d.desc, d.body)
				must(err)
				tsw += time.Since(t0)
			}
		} else {
			t0 := time.Now()
			_, err := tx.Exec(`INSERT INTO st(post_id, lang, title, description, body) VALUES(?,?,?,?,?)`, d.post, d.lang, d.title, d.desc, d.body)
			must(err)
			tst += time.Since(t0)
			t0 = time.Now()
			_, err = tx.Exec(`INSERT INTO sw(post_id, lang, title, description, body) VALUES(?,?,?,?,?)`, d.post, d.lang, d.title, d.desc, d.body)
			must(err)
			tsw += time.Since(t0)
		}
	}
	t0 := time.Now()
	must(tx.Commit())
	tc := time.Since(t0)
	total := time.Since(start)
	db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	fi, _ := os.Stat(dst)
	fmt.Printf("%s: %d docs total %v (docs %v st %v sw %v commit %v) size %.1f MB\n", variant, len(docs), total.Round(time.Millisecond), tdocs.Round(time.Millisecond), tst.Round(time.Millisecond), tsw.Round(time.Millisecond), tc.Round(time.Millisecond), float64(fi.Size())/1e6)
}

func quoteTerm(t string) string { return `"` + strings.ReplaceAll(t, `"`, `""`) + `"` }

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var cpuP50 time.Duration

func timeQ(db *sql.DB, n int, q string, args ...any) (time.Duration, time.Duration, int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ds, cs []time.Duration
	cnt := 0
	for i := 0; i < n; i++ {
		t0 := time.Now()
		c0 := threadCPU()
		rows, err := db.Query(q, args...)
		if err != nil {
			fmt.Println("ERR", err)
			return 0, 0, -1
		}
		cnt = 0
		for rows.Next() {
			cnt++
		}
		if err := rows.Err(); err != nil {
			fmt.Println("ERR", err)
		}
		rows.Close()
		ds = append(ds, time.Since(t0))
		cs = append(cs, threadCPU()-c0)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] })
	cpuP50 = cs[len(cs)/2]
	return ds[len(ds)/2], ds[len(ds)*99/100], cnt
}

func main() {
	mode := flag.String("mode", "build", "")
	src := flag.String("src", "", "")
	dst := flag.String("dst", "", "")
	variant := flag.String("v", "ext", "")
	limit := flag.Int("n", 100000, "")
	qs := flag.String("q", "", "queries, comma separated")
	sqlq := flag.String("sql", "", "")
	reps := flag.Int("r", 20, "")
	flag.Parse()
	switch *mode {
	case "build":
		docs := load(*src, *limit)
		for _, v := range strings.Split(*variant, ",") {
			build(docs, *dst+"."+v+".db", v)
		}
	case "gen":
		gen(*src, *dst, *limit)
	case "query":
		db, err := sql.Open("sqlite3", "file:"+*dst+"?mode=ro&_cache_size=-4000")
		must(err)
		for _, q := range strings.Split(*qs, ",") {
			arg := q
			p50, p99, n := timeQ(db, *reps, *sqlq, arg)
			fmt.Printf("%-20s cpu %8v p50 %8v p99 %8v rows %d\n", q, cpuP50.Round(10*time.Microsecond), p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), n)
		}
	}
}
