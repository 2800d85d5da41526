package corpus

import (
	"strconv"
	"strings"
)

// codeLang is the material for fenced code blocks of one language: file
// headers, and units (functions, statements) that are stacked under them.
type codeLang struct {
	name    string
	fences  []string // info strings used on the opening fence
	headers []string
	units   []string
	sep     string // between units
	snake   bool   // function names in snake_case
}

// lines counts the lines of a code fragment ending in a newline.
func lines(s string) int { return strings.Count(s, "\n") }

// codeGen renders the slots of code templates for one block.
type codeGen struct {
	r                   *rng
	ko                  bool
	snake               bool
	typ, fn, v          string
	table, col, svc, kw string
}

var (
	codeTypes   = []string{"Worker", "Cache", "Job", "Task", "Order", "Event", "Queue", "Pool", "Store", "Batch", "Indexer", "Fetcher", "Limiter", "Registry"}
	codeVerbs   = []string{"fetch", "process", "load", "handle", "parse", "collect", "dispatch", "resolve", "sync", "index", "flush", "compute"}
	codeObjects = []string{"orders", "users", "events", "jobs", "items", "rows", "metrics", "pages", "tasks", "records"}
	codeTables  = []string{"orders", "events", "payments", "posts", "sessions", "jobs", "audit_log", "users_log"}
	codeCols    = []string{"amount", "title", "score", "payload", "email", "duration_ms", "body"}
	codeSvcs    = []string{"api", "worker", "search", "gateway", "billing", "indexer"}
	codeImages  = []string{"registry.example.com/geul/api", "ghcr.io/acme/worker", "docker.io/library/app", "registry.local:5000/search"}
	codeMsgKo   = []string{"처리 완료", "모든 작업 완료", "요청 실패", "캐시 적중", "작업 시작", "재시도 중", "처리한 항목 수"}
	codeMsgEn   = []string{"done", "all jobs finished", "request failed", "cache hit", "starting", "retrying", "items processed"}
	codeCmtKo   = []string{"각 작업을 별도의 워커에서 실행합니다", "결과를 모아서 한 번에 반환합니다", "타임아웃이 지나면 자동으로 취소됩니다", "캐시에 없으면 데이터베이스에서 조회합니다", "락을 잡은 상태에서만 접근해야 합니다", "실제 처리는 생략하고 잠시 대기합니다", "오래된 항목부터 제거합니다", "실패하면 지수 백오프로 재시도합니다"}
	codeCmtEn   = []string{"run each job on its own worker", "collect the results and return them at once", "cancelled automatically once the timeout passes", "fall back to the database on a cache miss", "only touch this while holding the lock", "the real work is omitted; just wait a moment", "evict the oldest entries first", "retry with exponential backoff on failure"}
)

func newCodeGen(r *rng, ko, snake bool) *codeGen {
	g := &codeGen{r: r, ko: ko, snake: snake}
	g.typ = pick(r, codeTypes)
	verb, obj := pick(r, codeVerbs), pick(r, codeObjects)
	if snake {
		g.fn = verb + "_" + obj
	} else {
		g.fn = verb + capitalize(obj)
	}
	g.v = pick(r, codeObjects)
	g.table = pick(r, codeTables)
	g.col = pick(r, codeCols)
	g.svc = pick(r, codeSvcs)
	if ko {
		g.kw = pick(r, generalKo)
	} else {
		g.kw = pick(r, generalEn)
	}
	return g
}

func (g *codeGen) slot(dst []byte, name string) ([]byte, string) {
	var s string
	switch name {
	case "Type":
		s = g.typ
	case "fn":
		s = g.fn
	case "var":
		s = g.v
	case "table":
		s = g.table
	case "col":
		s = g.col
	case "svc":
		s = g.svc
	case "kw":
		s = g.kw
	case "img":
		s = pick(g.r, codeImages)
	case "n":
		s = strconv.Itoa(pick(g.r, smallNumbers))
	case "msg":
		if g.ko {
			s = pick(g.r, codeMsgKo)
		} else {
			s = pick(g.r, codeMsgEn)
		}
	case "cmt":
		if g.ko {
			s = pick(g.r, codeCmtKo)
		} else {
			s = pick(g.r, codeCmtEn)
		}
	default:
		s = name
	}
	return append(dst, s...), s
}

// codeBlock appends a fenced code block of about want lines, 10 to most.
func codeBlock(dst []byte, r *rng, lang string, ko bool, want, most int) []byte {
	cl := codeLangFor(lang)
	want = min(max(want, 10), most)
	g := newCodeGen(r, ko, cl.snake)

	dst = append(dst, "```"...)
	dst = append(dst, pick(r, cl.fences)...)
	dst = append(dst, '\n')

	header := pick(r, cl.headers)
	n := lines(header)
	dst = expand(dst, header, g)
	first := header == ""
	order := r.perm(len(cl.units))
	for _, k := range order {
		u := cl.units[k]
		extra := lines(u)
		if !first {
			extra += lines(cl.sep)
		}
		if n+extra > most || (n >= want && n >= 10) {
			continue
		}
		if !first {
			dst = append(dst, cl.sep...)
		}
		first = false
		dst = expand(dst, u, g)
		n += extra
	}
	return append(dst, "```\n"...)
}

func codeLangFor(lang string) *codeLang {
	for i := range codeLangTable {
		if codeLangTable[i].name == lang {
			return &codeLangTable[i]
		}
	}
	return &codeLangTable[0]
}

var codeLangTable = []codeLang{
	{
		name:   "python",
		fences: []string{"python", "python", "python", "py"},
		snake:  true,
		sep:    "\n\n",
		headers: []string{
			"import time\nfrom concurrent.futures import ThreadPoolExecutor, as_completed\n",
			"import asyncio\n\nimport aiohttp\n",
			"import os\nimport threading\nfrom multiprocessing import Process, Queue\n",
			"import functools\nimport time\n\nimport pandas as pd\n",
			"",
		},
		units: []string{
			"def ⟨fn⟩(⟨var⟩):\n    # ⟨cmt⟩\n    results = []\n    for item in ⟨var⟩:\n        if item is None:\n            continue\n        results.append(item * ⟨n⟩)\n    return results\n",
			"def run_all(urls):\n    with ThreadPoolExecutor(max_workers=⟨n⟩) as executor:\n        futures = {executor.submit(⟨fn⟩, url): url for url in urls}\n        for future in as_completed(futures):\n            url = futures[future]\n            try:\n                print(url, len(future.result()))\n            except Exception as exc:\n                print(f\"{url} failed: {exc}\")\n",
			"async def ⟨fn⟩(session, url):\n    async with session.get(url, timeout=⟨n⟩) as resp:\n        resp.raise_for_status()\n        return await resp.json()\n\n\nasync def main(urls):\n    async with aiohttp.ClientSession() as session:\n        tasks = [⟨fn⟩(session, u) for u in urls]\n        ⟨var⟩ = await asyncio.gather(*tasks, return_exceptions=True)\n    print(f\"⟨msg⟩: {len(⟨var⟩)}\")\n",
			"class ⟨Type⟩:\n    \"\"\"⟨cmt⟩\"\"\"\n\n    def __init__(self, limit=⟨n⟩):\n        self.limit = limit\n        self._lock = threading.Lock()\n        self._items = {}\n\n    def put(self, key, value):\n        with self._lock:\n            if len(self._items) >= self.limit:\n                self._items.pop(next(iter(self._items)))\n            self._items[key] = value\n",
			"def worker(q):\n    while True:\n        item = q.get()\n        if item is None:\n            break\n        print(f\"[{os.getpid()}] ⟨msg⟩ {item}\")\n",
			"if __name__ == \"__main__\":\n    start = time.perf_counter()\n    processes = [Process(target=worker, args=(q,)) for _ in range(⟨n⟩)]\n    for p in processes:\n        p.start()\n    for p in processes:\n        p.join()\n    print(f\"elapsed: {time.perf_counter() - start:.2f}s\")\n",
			"def timed(fn):\n    @functools.wraps(fn)\n    def wrapper(*args, **kwargs):\n        start = time.perf_counter()\n        try:\n            return fn(*args, **kwargs)\n        finally:\n            print(f\"{fn.__name__}: {time.perf_counter() - start:.3f}s\")\n    return wrapper\n",
			"def ⟨fn⟩(df: pd.DataFrame) -> pd.DataFrame:\n    # ⟨cmt⟩\n    df = df.dropna(subset=[\"⟨col⟩\"])\n    df[\"⟨col⟩_norm\"] = (df[\"⟨col⟩\"] - df[\"⟨col⟩\"].mean()) / df[\"⟨col⟩\"].std()\n    return df.groupby(\"user_id\").agg({\"⟨col⟩_norm\": \"mean\"})\n",
			"@functools.lru_cache(maxsize=⟨n⟩)\ndef load_config(path: str) -> dict[str, str]:\n    config = {}\n    with open(path, encoding=\"utf-8\") as f:\n        for line in f:\n            key, _, value = line.partition(\"=\")\n            config[key.strip()] = value.strip()\n    return config\n",
		},
	},
	{
		name:   "go",
		fences: []string{"go", "go", "go", "golang"},
		sep:    "\n",
		headers: []string{
			"package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"sync\"\n\t\"time\"\n)\n",
			"package ⟨var⟩\n\nimport (\n\t\"encoding/json\"\n\t\"net/http\"\n)\n",
			"package main\n\nimport (\n\t\"context\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n",
			"",
		},
		units: []string{
			"type ⟨Type⟩ struct {\n\tmu      sync.Mutex\n\titems   map[string]int\n\tlimit   int\n\tupdated time.Time\n}\n",
			"func (s *⟨Type⟩) Add(key string, n int) {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\t// ⟨cmt⟩\n\ts.items[key] += n\n\ts.updated = time.Now()\n}\n",
			"func ⟨fn⟩(ctx context.Context, jobs <-chan ⟨Type⟩, results chan<- int) error {\n\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn ctx.Err()\n\t\tcase job, ok := <-jobs:\n\t\t\tif !ok {\n\t\t\t\treturn nil\n\t\t\t}\n\t\t\tresults <- job.Size()\n\t\t}\n\t}\n}\n",
			"func main() {\n\tctx, cancel := context.WithTimeout(context.Background(), ⟨n⟩*time.Second)\n\tdefer cancel()\n\n\tvar wg sync.WaitGroup\n\tfor i := range ⟨n⟩ {\n\t\twg.Add(1)\n\t\tgo func(id int) {\n\t\t\tdefer wg.Done()\n\t\t\tfmt.Printf(\"worker %d: ⟨msg⟩\\n\", id)\n\t\t}(i)\n\t}\n\twg.Wait()\n\tfmt.Println(ctx.Err())\n}\n",
			"func ⟨fn⟩(path string) ([]byte, error) {\n\tf, err := os.Open(path)\n\tif err != nil {\n\t\treturn nil, fmt.Errorf(\"⟨fn⟩ %s: %w\", path, err)\n\t}\n\tdefer f.Close()\n\treturn io.ReadAll(f)\n}\n",
			"func ⟨fn⟩(w http.ResponseWriter, r *http.Request) {\n\tctx, cancel := context.WithTimeout(r.Context(), ⟨n⟩*time.Second)\n\tdefer cancel()\n\t⟨var⟩, err := store.List(ctx, r.URL.Query().Get(\"q\"))\n\tif err != nil {\n\t\thttp.Error(w, err.Error(), http.StatusInternalServerError)\n\t\treturn\n\t}\n\tw.Header().Set(\"Content-Type\", \"application/json\")\n\tjson.NewEncoder(w).Encode(⟨var⟩)\n}\n",
			"func Benchmark⟨Type⟩(b *testing.B) {\n\ts := New⟨Type⟩(⟨n⟩)\n\tb.ReportAllocs()\n\tfor b.Loop() {\n\t\ts.Add(\"key\", 1)\n\t}\n}\n",
			"func ⟨fn⟩(ctx context.Context, ids []int) error {\n\tg, ctx := errgroup.WithContext(ctx)\n\tg.SetLimit(⟨n⟩)\n\tfor _, id := range ids {\n\t\tg.Go(func() error {\n\t\t\t// ⟨cmt⟩\n\t\t\treturn fetch(ctx, id)\n\t\t})\n\t}\n\treturn g.Wait()\n}\n",
			"var requests atomic.Int64\n\nfunc count() {\n\tif n := requests.Add(1); n%⟨n⟩ == 0 {\n\t\tlog.Printf(\"⟨msg⟩: %d\", n)\n\t}\n}\n",
			"type Result[T any] struct {\n\tValue T\n\tErr   error\n}\n\nfunc Map[T, U any](xs []T, f func(T) U) []U {\n\tout := make([]U, 0, len(xs))\n\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}\n",
		},
	},
	{
		name:   "javascript",
		fences: []string{"javascript", "javascript", "js", "jsx"},
		sep:    "\n",
		headers: []string{
			"import { useMemo, useState } from \"react\";\n",
			"import express from \"express\";\n\nconst app = express();\n",
			"",
		},
		units: []string{
			"async function ⟨fn⟩(url, { signal } = {}) {\n  const res = await fetch(url, { signal });\n  if (!res.ok) {\n    throw new Error(`request failed: ${res.status}`);\n  }\n  return res.json();\n}\n",
			"const controller = new AbortController();\nconst timer = setTimeout(() => controller.abort(), ⟨n⟩ * 1000);\n\ntry {\n  const ⟨var⟩ = await Promise.all(urls.map((u) => ⟨fn⟩(u, controller)));\n  console.log(\"⟨msg⟩\", ⟨var⟩.length);\n} finally {\n  clearTimeout(timer);\n}\n",
			"export function ⟨Type⟩List({ ⟨var⟩ }) {\n  const [query, setQuery] = useState(\"\");\n  const visible = useMemo(\n    () => ⟨var⟩.filter((item) => item.title.includes(query)),\n    [⟨var⟩, query],\n  );\n  return (\n    <ul>\n      {visible.map((item) => (\n        <li key={item.id}>{item.title}</li>\n      ))}\n    </ul>\n  );\n}\n",
			"app.get(\"/api/⟨var⟩/:id\", async (req, res, next) => {\n  try {\n    const row = await db.get(\"SELECT * FROM ⟨table⟩ WHERE id = ?\", req.params.id);\n    if (!row) return res.status(404).json({ error: \"not found\" });\n    res.set(\"Cache-Control\", \"public, max-age=⟨n⟩0\");\n    res.json(row);\n  } catch (err) {\n    next(err);\n  }\n});\n",
			"function debounce(fn, wait = ⟨n⟩0) {\n  let timer;\n  return (...args) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), wait);\n  };\n}\n",
			"class ⟨Type⟩ {\n  #items = new Map();\n\n  constructor(limit = ⟨n⟩) {\n    this.limit = limit;\n  }\n\n  get(key) {\n    const value = this.#items.get(key);\n    // ⟨cmt⟩\n    if (value !== undefined) {\n      this.#items.delete(key);\n      this.#items.set(key, value);\n    }\n    return value;\n  }\n}\n",
			"self.addEventListener(\"fetch\", (event) => {\n  event.respondWith(\n    caches.match(event.request).then((cached) => cached ?? fetch(event.request)),\n  );\n});\n",
		},
	},
	{
		name:   "bash",
		fences: []string{"bash", "bash", "sh", "shell"},
		sep:    "\n",
		snake:  true,
		headers: []string{
			"#!/usr/bin/env bash\nset -euo pipefail\n",
			"",
		},
		units: []string{
			"IMAGE=\"⟨img⟩:$(git rev-parse --short HEAD)\"\ndocker build -t \"$IMAGE\" --target runtime .\ndocker push \"$IMAGE\"\n",
			"for pod in $(kubectl get pods -l app=⟨svc⟩ -o name); do\n  echo \"==> $pod\"\n  kubectl logs \"$pod\" --since=⟨n⟩m | grep -i error || true\ndone\n",
			"# ⟨cmt⟩\nkubectl set image deployment/⟨svc⟩ ⟨svc⟩=\"$IMAGE\"\nkubectl rollout status deployment/⟨svc⟩ --timeout=⟨n⟩0s\n",
			"check_health() {\n  local url=\"$1\"\n  for i in $(seq 1 ⟨n⟩); do\n    if curl -fsS \"$url/healthz\" > /dev/null; then\n      echo \"healthy after $i attempts\"\n      return 0\n    fi\n    sleep 2\n  done\n  return 1\n}\n",
			"ulimit -n 65535\nsysctl -w net.core.somaxconn=4096\nsysctl -w vm.swappiness=10\n",
			"find /var/log/⟨svc⟩ -name '*.log' -mtime +⟨n⟩ -print0 |\n  xargs -0 -r gzip -9\ndu -sh /var/log/⟨svc⟩\n",
			"⟨fn⟩() {\n  local out\n  out=$(mktemp)\n  trap 'rm -f \"$out\"' RETURN\n  psql \"$DATABASE_URL\" -c \"\\copy ⟨table⟩ TO '$out' CSV HEADER\"\n  wc -l \"$out\"\n}\n",
			"go test -race -count=1 ./...\ngo test -run '^$' -bench=. -benchmem ./internal/... | tee bench.txt\n",
		},
	},
	{
		name:   "sql",
		fences: []string{"sql", "sql", "sql", "postgresql"},
		sep:    "\n",
		headers: []string{
			"",
			"-- ⟨cmt⟩\n",
		},
		units: []string{
			"CREATE TABLE ⟨table⟩ (\n    id          BIGSERIAL PRIMARY KEY,\n    user_id     BIGINT NOT NULL REFERENCES users(id),\n    ⟨col⟩       TEXT NOT NULL,\n    status      VARCHAR(16) NOT NULL DEFAULT 'pending',\n    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n",
			"CREATE INDEX CONCURRENTLY idx_⟨table⟩_user_created\n    ON ⟨table⟩ (user_id, created_at DESC);\n",
			"EXPLAIN (ANALYZE, BUFFERS)\nSELECT o.id, o.⟨col⟩, u.name\nFROM ⟨table⟩ AS o\nJOIN users AS u ON u.id = o.user_id\nWHERE o.created_at >= now() - interval '⟨n⟩ days'\nORDER BY o.created_at DESC\nLIMIT 50;\n",
			"BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT balance FROM accounts WHERE id = 42 FOR UPDATE;\nUPDATE accounts SET balance = balance - ⟨n⟩00 WHERE id = 42;\nUPDATE accounts SET balance = balance + ⟨n⟩00 WHERE id = 7;\nCOMMIT;\n",
			"WITH daily AS (\n    SELECT date_trunc('day', created_at) AS day, count(*) AS cnt\n    FROM ⟨table⟩\n    GROUP BY 1\n)\nSELECT day, cnt,\n       avg(cnt) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS weekly_avg\nFROM daily\nORDER BY day;\n",
			"CREATE VIRTUAL TABLE ⟨table⟩_fts USING fts5(title, body, tokenize = 'trigram');\nINSERT INTO ⟨table⟩_fts (rowid, title, body)\nSELECT id, title, body FROM ⟨table⟩;\nSELECT rowid, snippet(⟨table⟩_fts, 1, '<b>', '</b>', '…', 16)\nFROM ⟨table⟩_fts\nWHERE ⟨table⟩_fts MATCH '⟨kw⟩'\nORDER BY rank;\n",
			"UPDATE ⟨table⟩\nSET status = 'done'\nWHERE id IN (\n    SELECT id FROM ⟨table⟩\n    WHERE status = 'pending'\n    ORDER BY created_at\n    LIMIT ⟨n⟩0\n    FOR UPDATE SKIP LOCKED\n)\nRETURNING id;\n",
			"SELECT query, calls, mean_exec_time, rows\nFROM pg_stat_statements\nORDER BY mean_exec_time DESC\nLIMIT ⟨n⟩;\n",
		},
	},
}
