package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/markdown/baseline"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/store"
)

// searchBenchQueries are, per class of the speed target, queries a reader of
// the 10,000-post corpus would type: words of the generator's vocabulary
// (internal/corpus/vocab.go), common and rare alike. Korean is searched in
// Korean, English in English.
var searchBenchQueries = []struct {
	class, lang string
	qs          []string
}{
	{"ko-1-syllable", "ko", []string{"풀", "큐", "힙", "맵", "팀", "락"}},
	{"ko-2-syllable", "ko", []string{"병목", "성능", "캐시", "채널", "쿼리", "모델", "배포", "잠금", "장애", "토큰", "스택", "커널"}},
	{"ko-3+-syllable", "ko", []string{"프로세스", "프로세", "스레드", "데이터베이스", "트랜잭션", "고루틴", "컨테이너", "쿠버네티스", "가비지 컬렉션", "처리량", "동시성", "멀티스레딩"}},
	{"en", "en", []string{"goroutine", "ThreadPoolExecutor", "bottleneck", "latency", "deadlock", "connection pool", "throughput", "mutex", "Kubernetes", "asyncio.gather", "tail latency", "write-ahead log"}},
	// Beyond the target's classes, for a view of the rest.
	{"mixed", "ko", []string{"프로세스 풀", "고루틴 채널", "ThreadPoolExecutor 스레드", "병목 처리량", "goroutine 성능"}},
	// Quoted phrases: pinned down by the trigram table (the first two),
	// or checked against the text for a word under 3 characters.
	{"ko-phrase", "ko", []string{`"가비지 컬렉션"`, `"CPU 사용률"`, `"스레드 풀"`, `"립된 메모리"`, `"시 접"`}},
	{"en-short", "en", []string{"go", "io", "db", "a"}},
	{"long", "ko", []string{
		"멀티 프로세싱과 멀티 스레딩의 동작 원리와 병목을 찾는 방법",
		strings.Repeat("ThreadPoolExecutor ", 12),
		strings.Repeat("프로세스", 64),
	}},
}

// BenchmarkSearch times GET /search through the whole server on the
// 10,000-post corpus, per query class, and reports the median and 99th
// percentile of a request (target: p50 ≤ 10 ms, p99 ≤ 50 ms).
func BenchmarkSearch(b *testing.B) {
	srv := benchServer(b)
	for _, c := range searchBenchQueries {
		var targets []string
		for _, q := range c.qs {
			target := searchURL(q, c.lang, "", 0)
			rec := serve(srv, target)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
			}
			var res struct {
				Hits []json.RawMessage
				Meta struct{ Total int }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				b.Fatal(err)
			}
			if len(res.Hits) == 0 && c.class != "long" {
				b.Fatalf("%s: %q finds nothing; pick a word the corpus has", c.class, q)
			}
			targets = append(targets, target)
		}
		b.Run(c.class, func(b *testing.B) { benchRequests(b, srv, targets) })
	}
	// GEUL_BENCH_SEARCH_WINDOWS=250,1000 times the classes again with other
	// numbers of ranked matches, to see what the window costs.
	for _, w := range strings.Split(os.Getenv("GEUL_BENCH_SEARCH_WINDOWS"), ",") {
		n, err := strconv.Atoi(w)
		if err != nil || n <= 0 {
			continue
		}
		for _, c := range searchBenchQueries[:4] {
			var targets []string
			for _, q := range c.qs {
				targets = append(targets, searchURL(q, c.lang, "", 0))
			}
			b.Run(fmt.Sprintf("window-%d/%s", n, c.class), func(b *testing.B) {
				old := store.SearchWindow
				store.SearchWindow = n
				defer func() { store.SearchWindow = old }()
				benchRequests(b, srv, targets)
			})
		}
	}
}

// BenchmarkSearchIndexCost measures what the search tables cost an index
// run: the documents of the 10,000-post corpus written into the documents table
// and both FTS tables, each timed (one transaction, as the indexer's single
// writer does), against rendering
// their markdown with plain goldmark on every CPU in the same run, the
// baseline the indexer's speed target (index/baseline ≥ 0.6) divides by. It
// also reports the FTS tables' size.
func BenchmarkSearchIndexCost(b *testing.B) {
	benchServer(b)
	ctx := context.Background()
	src, err := sql.Open("sqlite3", "file:"+filepath.Join(benchCorpus.dir, "index.db")+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	type doc struct {
		id                       int64
		path                     string
		title, description, body string
	}
	var docs []doc
	rows, err := src.QueryContext(ctx, `SELECT d.id, d.path, d.title, d.description, r.data FROM search_docs d JOIN renders r ON r.path = d.path ORDER BY d.id`)
	if err != nil {
		b.Fatal(err)
	}
	textBytes := 0
	for rows.Next() {
		var (
			d      doc
			render []byte
		)
		if err := rows.Scan(&d.id, &d.path, &d.title, &d.description, &render); err != nil {
			b.Fatal(err)
		}
		if d.body, err = store.UnpackRenderText(render); err != nil {
			b.Fatal(err)
		}
		textBytes += len(d.title) + len(d.description) + len(d.body)
		docs = append(docs, d)
	}
	rows.Close()
	// The markdown of every post file, as the payload that serves it holds
	// it (the content folder is gone: see benchServer).
	var srcs [][]byte
	rows, err = src.QueryContext(ctx, `SELECT post_id, lang FROM payloads WHERE served = lang`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id, lang string
		if err := rows.Scan(&id, &lang); err != nil {
			b.Fatal(err)
		}
		sp, err := benchCorpus.st.Post(ctx, id, lang, repr.Identity)
		if err != nil {
			b.Fatal(err)
		}
		var env struct {
			Post struct {
				Content string `json:"content"`
			} `json:"post"`
		}
		if err := json.Unmarshal(sp.Body, &env); err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, []byte(env.Post.Content))
	}
	rows.Close()

	var (
		times     [4][]time.Duration // docs, trigram, words, commit
		baseTimes []time.Duration
		sizes     [2]int64 // trigram, words
	)
	// The measurement runs once however many iterations -benchtime asks
	// for, so that this benchmark can share a process (and the corpus) with
	// BenchmarkSearch's many requests.
	for i := 0; b.Loop(); i++ {
		if i > 0 {
			continue
		}
		dir := b.TempDir()
		st, err := store.Open(ctx, filepath.Join(dir, "index.db"))
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
		db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "index.db")+"?_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate")
		if err != nil {
			b.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		// Each table is timed on its own; the documents table is a
		// plain insert.
		same := func(s string) string { return s }
		for k, w := range []struct {
			q    string
			text func(string) string
		}{
			{`INSERT INTO search_docs(id, post_id, path, title, description) VALUES(?,'p',?,?,?)`, nil},
			{`INSERT INTO search_trigram(rowid, title, description, body) VALUES(?,?,?,?)`, store.TrigramText},
			{`INSERT INTO search_words(rowid, title, description, body) VALUES(?,?,?,?)`, same},
		} {
			start := time.Now()
			ins, err := tx.PrepareContext(ctx, w.q)
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range docs {
				args := []any{d.id, d.path, d.title, d.description}
				if w.text != nil {
					args = []any{d.id, w.text(d.title), w.text(d.description), w.text(d.body)}
				}
				if _, err := ins.ExecContext(ctx, args...); err != nil {
					b.Fatal(err)
				}
			}
			ins.Close()
			times[k] = append(times[k], time.Since(start))
		}
		start := time.Now()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		times[3] = append(times[3], time.Since(start))
		for k, table := range []string{"search_trigram_data", "search_words_data"} {
			if err := db.QueryRowContext(ctx, `SELECT sum(length(block)) FROM `+table).Scan(&sizes[k]); err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
		os.RemoveAll(dir)
		baseTimes = append(baseTimes, renderBaseline(b, srcs))
	}
	sec := func(k int) float64 { return searchMedian(times[k]).Seconds() }
	base := searchMedian(baseTimes).Seconds()
	all := sec(0) + sec(1) + sec(2) + sec(3)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(len(docs)), "docs")
	b.ReportMetric(sec(0), "docs-s")
	b.ReportMetric(sec(1), "trigram-s")
	b.ReportMetric(sec(2), "words-s")
	b.ReportMetric(sec(3), "commit-s")
	b.ReportMetric(base, "baseline-s")
	b.ReportMetric(all/base, "search/baseline")
	b.ReportMetric(float64(textBytes)/1e6, "text-MB")
	b.ReportMetric(float64(sizes[0])/1e6, "trigram-MB")
	b.ReportMetric(float64(sizes[1])/1e6, "words-MB")
}

func searchMedian(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// renderBaseline renders every source with plain goldmark on runtime.NumCPU()
// workers, as internal/index's BenchmarkIndex/FullIndex baseline does.
func renderBaseline(b *testing.B, srcs [][]byte) time.Duration {
	b.Helper()
	start := time.Now()
	if err := baseline.Render(srcs, runtime.NumCPU()); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
