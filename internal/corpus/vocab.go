package corpus

// This file holds the vocabulary the generator draws from. Everything is a
// slice: the generator never iterates a map, so output order is fixed.

// category describes one category folder. base selects the topic, noun,
// tag and code-language pools the category's posts draw from.
type category struct {
	slug           string
	nameKo, nameEn string
	descKo, descEn string
	base           int
}

// The first eight are the default Options.Categories.
var categoryList = []category{
	{"cs", "컴퓨터 공학", "Computer Science", "운영체제, 자료구조, 네트워크 등 컴퓨터 공학의 기초", "Operating systems, data structures, networking and other fundamentals", 0},
	{"go", "Go", "Go", "Go 언어와 런타임, 동시성 프로그래밍", "The Go language, its runtime and concurrent programming", 1},
	{"python", "파이썬", "Python", "파이썬 언어와 생태계, 성능 최적화", "The Python language, its ecosystem and performance", 2},
	{"database", "데이터베이스", "Databases", "관계형 데이터베이스, 인덱스, 트랜잭션과 검색", "Relational databases, indexes, transactions and search", 3},
	{"devops", "데브옵스", "DevOps", "컨테이너, 배포 자동화, 모니터링", "Containers, deployment automation and monitoring", 4},
	{"web", "웹 개발", "Web Development", "HTTP, API 설계, 프론트엔드", "HTTP, API design and the frontend", 5},
	{"ml", "머신러닝", "Machine Learning", "모델 학습과 서빙, 데이터 파이프라인", "Training and serving models, data pipelines", 6},
	{"essay", "에세이", "Essays", "개발자로 일하며 배운 것들", "Things learned while working as a developer", 7},
	{"security", "보안", "Security", "인증, 암호화, 안전한 서비스 운영", "Authentication, cryptography and running services safely", 5},
	{"network", "네트워크", "Networking", "TCP/IP, DNS, 로드 밸런싱", "TCP/IP, DNS and load balancing", 0},
	{"os", "운영체제", "Operating Systems", "프로세스, 메모리, 파일 시스템", "Processes, memory and file systems", 0},
	{"algorithm", "알고리즘", "Algorithms", "자료구조와 알고리즘 문제 풀이", "Data structures and algorithm problems", 0},
	{"cloud", "클라우드", "Cloud", "클라우드 인프라와 비용 최적화", "Cloud infrastructure and cost optimisation", 4},
	{"frontend", "프론트엔드", "Frontend", "브라우저, 렌더링, 사용자 경험", "Browsers, rendering and user experience", 5},
	{"data", "데이터 엔지니어링", "Data Engineering", "배치와 스트림 처리, 데이터 웨어하우스", "Batch and stream processing, data warehouses", 6},
	{"career", "커리어", "Career", "성장, 협업, 커리어에 대한 생각", "Thoughts on growth, collaboration and careers", 7},
}

// topic is the subject of a post: its slug stem and its name in both languages.
type topic struct {
	slug, ko, en string
}

var topics = [8][]topic{
	{ // cs
		{"multiprocessing-and-multithreading", "멀티 프로세싱과 멀티 스레딩", "Multiprocessing and Multithreading"},
		{"context-switching", "컨텍스트 스위칭", "Context Switching"},
		{"virtual-memory", "가상 메모리", "Virtual Memory"},
		{"cpu-cache", "CPU 캐시", "CPU Caches"},
		{"process-scheduling", "프로세스 스케줄링", "Process Scheduling"},
		{"deadlock", "교착 상태", "Deadlocks"},
		{"hash-table", "해시 테이블", "Hash Tables"},
		{"garbage-collection", "가비지 컬렉션", "Garbage Collection"},
		{"tcp-handshake", "TCP 핸드셰이크", "The TCP Handshake"},
		{"b-tree", "B-트리", "B-Trees"},
	},
	{ // go
		{"goroutine-scheduler", "고루틴 스케줄러", "The Goroutine Scheduler"},
		{"channels", "채널", "Channels"},
		{"context-cancellation", "컨텍스트 취소 전파", "Context Cancellation"},
		{"sync-mutex", "sync.Mutex와 RWMutex", "sync.Mutex and RWMutex"},
		{"generics", "제네릭", "Generics"},
		{"error-handling", "에러 처리", "Error Handling"},
		{"pprof-profiling", "pprof 프로파일링", "Profiling with pprof"},
		{"escape-analysis", "이스케이프 분석", "Escape Analysis"},
		{"worker-pool", "워커 풀", "Worker Pools"},
	},
	{ // python
		{"python-gil", "GIL", "The GIL"},
		{"asyncio-event-loop", "asyncio 이벤트 루프", "The asyncio Event Loop"},
		{"thread-pool-executor", "ThreadPoolExecutor", "ThreadPoolExecutor"},
		{"generators", "제너레이터", "Generators"},
		{"type-hints", "타입 힌트", "Type Hints"},
		{"packaging", "파이썬 패키징", "Python Packaging"},
		{"decorators", "데코레이터", "Decorators"},
		{"pandas-performance", "pandas 성능 최적화", "pandas Performance"},
		{"multiprocessing-pool", "멀티 프로세싱 풀", "Multiprocessing Pools"},
	},
	{ // database
		{"postgres-indexes", "PostgreSQL 인덱스", "PostgreSQL Indexes"},
		{"transaction-isolation", "트랜잭션 격리 수준", "Transaction Isolation Levels"},
		{"query-plans", "실행 계획 읽기", "Reading Query Plans"},
		{"sqlite-fts", "SQLite 전문 검색", "Full-Text Search in SQLite"},
		{"connection-pooling", "커넥션 풀", "Connection Pooling"},
		{"mvcc", "MVCC", "MVCC"},
		{"sharding", "샤딩", "Sharding"},
		{"redis-caching", "Redis 캐싱 전략", "Redis Caching Strategies"},
		{"schema-migrations", "스키마 마이그레이션", "Schema Migrations"},
	},
	{ // devops
		{"docker-multi-stage", "도커 멀티 스테이지 빌드", "Docker Multi-Stage Builds"},
		{"kubernetes-probes", "쿠버네티스 프로브", "Kubernetes Probes"},
		{"ci-pipelines", "CI 파이프라인", "CI Pipelines"},
		{"prometheus-metrics", "프로메테우스 메트릭", "Prometheus Metrics"},
		{"log-aggregation", "로그 수집", "Log Aggregation"},
		{"blue-green-deploy", "블루 그린 배포", "Blue-Green Deployments"},
		{"terraform-modules", "테라폼 모듈", "Terraform Modules"},
		{"linux-tuning", "리눅스 커널 튜닝", "Linux Kernel Tuning"},
	},
	{ // web
		{"http-caching", "HTTP 캐싱", "HTTP Caching"},
		{"rest-api-design", "REST API 설계", "REST API Design"},
		{"cors", "CORS", "CORS"},
		{"react-server-components", "리액트 서버 컴포넌트", "React Server Components"},
		{"websockets", "웹소켓", "WebSockets"},
		{"jwt-auth", "JWT 인증", "JWT Authentication"},
		{"rate-limiting", "요청 제한", "Rate Limiting"},
		{"service-workers", "서비스 워커", "Service Workers"},
	},
	{ // ml
		{"gradient-descent", "경사 하강법", "Gradient Descent"},
		{"feature-engineering", "피처 엔지니어링", "Feature Engineering"},
		{"model-serving", "모델 서빙", "Model Serving"},
		{"embeddings", "임베딩", "Embeddings"},
		{"overfitting", "과적합", "Overfitting"},
		{"data-pipelines", "데이터 파이프라인", "Data Pipelines"},
		{"vector-search", "벡터 검색", "Vector Search"},
		{"batch-inference", "배치 추론", "Batch Inference"},
	},
	{ // essay
		{"code-review", "코드 리뷰", "Code Review"},
		{"tech-debt", "기술 부채", "Technical Debt"},
		{"on-call", "온콜", "Being On Call"},
		{"writing-docs", "문서 작성", "Writing Documentation"},
		{"side-projects", "사이드 프로젝트", "Side Projects"},
		{"learning-a-language", "새 언어 배우기", "Learning a New Language"},
		{"postmortems", "장애 회고", "Incident Postmortems"},
		{"engineering-growth", "개발자의 성장", "Growing as an Engineer"},
	},
}

// Korean nouns of technical writing, per base category. Many short words
// also occur inside longer ones (데이터 / 데이터베이스, 스레드 / 멀티스레딩).
var nounsKo = [8][]string{
	{"프로세스", "스레드", "멀티스레딩", "멀티프로세싱", "컨텍스트 스위칭", "가상 메모리", "페이지 테이블", "캐시 라인", "스케줄러", "시스템 콜", "인터럽트", "교착 상태", "세마포어", "뮤텍스", "힙", "스택", "가비지 컬렉션", "해시 테이블", "자료구조", "운영체제", "커널", "파일 시스템"},
	{"고루틴", "채널", "뮤텍스", "컨텍스트", "인터페이스", "구조체", "슬라이스", "맵", "제네릭", "에러 처리", "스케줄러", "가비지 컬렉터", "이스케이프 분석", "프로파일러", "벤치마크", "모듈", "런타임", "워커 풀"},
	{"인터프리터", "GIL", "스레드 풀", "프로세스 풀", "이벤트 루프", "코루틴", "제너레이터", "데코레이터", "타입 힌트", "가상 환경", "패키지", "리스트 컴프리헨션", "딕셔너리", "바이트코드", "멀티프로세싱", "메시지 큐"},
	{"데이터베이스", "트랜잭션", "인덱스", "쿼리", "실행 계획", "테이블", "스키마", "커넥션 풀", "격리 수준", "잠금", "복제", "샤딩", "파티션", "전문 검색", "마이그레이션", "정규화", "조인", "데이터베이스 서버"},
	{"컨테이너", "이미지", "쿠버네티스", "파드", "배포", "롤백", "파이프라인", "모니터링", "메트릭", "로그", "알림", "설정 파일", "환경 변수", "로드 밸런서", "헬스 체크", "클러스터", "노드"},
	{"요청", "응답", "헤더", "쿠키", "세션", "토큰", "인증", "라우터", "미들웨어", "컴포넌트", "렌더링", "번들", "캐싱", "웹소켓", "브라우저", "서비스 워커", "엔드포인트"},
	{"모델", "데이터셋", "학습", "추론", "피처", "임베딩", "손실 함수", "경사 하강법", "학습률", "배치 크기", "과적합", "검증 세트", "데이터 파이프라인", "벡터", "하이퍼파라미터", "정확도"},
	{"코드 리뷰", "기술 부채", "문서", "회고", "장애", "온콜", "팀", "일정", "요구 사항", "우선순위", "커뮤니케이션", "성장", "피드백", "리팩터링", "설계", "테스트 코드"},
}

var generalKo = []string{
	"성능", "동시성", "병렬성", "메모리", "병목", "처리량", "지연 시간", "자원", "작업", "서버", "클라이언트",
	"네트워크", "파일", "데이터", "함수", "변수", "객체", "라이브러리", "프레임워크", "코드", "오버헤드",
	"안정성", "확장성", "큐", "버퍼", "캐시", "인덱스", "메모리 사용량", "응답 시간", "CPU 사용률", "디스크 I/O",
}

var nounsEn = [8][]string{
	{"process", "thread", "context switch", "page table", "cache line", "scheduler", "system call", "interrupt handler", "deadlock", "semaphore", "mutex", "heap", "stack", "garbage collector", "hash table", "kernel", "file system", "B-tree"},
	{"goroutine", "channel", "mutex", "context", "interface", "struct", "slice", "map", "type parameter", "error value", "scheduler", "garbage collector", "escape analysis", "profiler", "benchmark", "module", "runtime", "worker pool"},
	{"interpreter", "GIL", "ThreadPoolExecutor", "process pool", "event loop", "coroutine", "generator", "decorator", "type hint", "virtual environment", "package", "list comprehension", "dictionary", "bytecode", "asyncio task", "message queue"},
	{"database", "transaction", "index", "query", "query plan", "table", "schema", "connection pool", "isolation level", "row lock", "replica", "shard", "partition", "full-text index", "migration", "join", "write-ahead log"},
	{"container", "image", "Kubernetes cluster", "pod", "deployment", "rollback", "pipeline", "dashboard", "metric", "log stream", "alert", "config file", "environment variable", "load balancer", "health check", "node", "build cache"},
	{"request", "response", "header", "cookie", "session", "token", "auth flow", "router", "middleware", "component", "render pass", "bundle", "HTTP cache", "WebSocket", "browser", "service worker", "endpoint"},
	{"model", "dataset", "training loop", "inference server", "feature", "embedding", "loss function", "learning rate", "batch size", "validation set", "data pipeline", "vector index", "hyperparameter", "feature store", "checkpoint"},
	{"code review", "tech debt", "design doc", "retrospective", "incident", "on-call rotation", "team", "schedule", "requirement", "priority list", "feedback loop", "refactoring", "test suite", "roadmap"},
}

var generalEn = []string{
	"performance", "concurrency", "parallelism", "memory", "bottleneck", "throughput", "latency", "resource usage", "workload",
	"server", "client", "network", "file", "data", "function", "library", "framework", "codebase", "overhead", "stability",
	"scalability", "queue", "buffer", "cache", "index", "memory footprint", "response time", "CPU usage", "disk I/O", "p99 latency",
}

// English terms that Korean writers keep in English.
var termsEn = []string{
	"CPU bound", "I/O bound", "race condition", "back pressure", "context switching", "cold start", "tail latency",
	"lock contention", "false sharing", "thundering herd", "copy-on-write", "zero-copy", "at-least-once", "idempotency",
}

// Inline code identifiers, per code language.
var inlineCodeList = []struct {
	lang string
	ids  []string
}{
	{"go", []string{"sync.Mutex", "context.WithTimeout", "runtime.GOMAXPROCS", "errgroup.Group", "http.Server", "sync.WaitGroup", "chan struct{}", "atomic.Int64", "go test -race", "GOGC"}},
	{"python", []string{"multiprocessing.Queue", "concurrent.futures.ThreadPoolExecutor", "asyncio.gather", "functools.lru_cache", "threading.Lock", "__slots__", "time.perf_counter()", "os.cpu_count()"}},
	{"javascript", []string{"Promise.all", "useEffect", "fetch", "AbortController", "structuredClone", "requestIdleCallback", "Cache-Control", "node --inspect"}},
	{"sql", []string{"EXPLAIN ANALYZE", "CREATE INDEX CONCURRENTLY", "SELECT ... FOR UPDATE", "VACUUM", "SKIP LOCKED", "pg_stat_statements", "work_mem"}},
	{"bash", []string{"kubectl rollout status", "docker build --target", "ulimit -n", "perf top", "strace -f", "journalctl -u", "set -euo pipefail"}},
}

// inlineCode returns the inline code identifiers of a code language.
func inlineCode(lang string) []string {
	for _, e := range inlineCodeList {
		if e.lang == lang {
			return e.ids
		}
	}
	return inlineCodeList[0].ids
}

// Code languages a base category's posts use, weighted by repetition.
var codeLangs = [8][]string{
	{"python", "go", "python", "go", "bash", "sql"},
	{"go", "go", "go", "bash"},
	{"python", "python", "python", "bash"},
	{"sql", "sql", "python", "go"},
	{"bash", "bash", "go", "python"},
	{"javascript", "javascript", "javascript", "bash", "go"},
	{"python", "python", "python", "sql"},
	{"python", "go", "javascript", "bash", "sql"},
}

// tagPool has 40 tags, Korean and English.
var tagPool = []string{
	"go", "python", "javascript", "typescript", "sql", "bash", "docker", "kubernetes", "linux", "postgresql",
	"sqlite", "redis", "react", "http", "grpc", "동시성", "성능", "데이터베이스", "네트워크", "운영체제",
	"메모리", "테스트", "보안", "배포", "모니터링", "알고리즘", "자료구조", "머신러닝", "딥러닝", "회고",
	"아키텍처", "캐시", "리팩터링", "디버깅", "클라우드", "api", "ci-cd", "웹", "검색", "비동기",
}

// Tags most likely for a base category.
var primaryTags = [8][]string{
	{"운영체제", "동시성", "메모리", "자료구조", "알고리즘", "네트워크"},
	{"go", "동시성", "성능", "테스트"},
	{"python", "비동기", "동시성", "성능"},
	{"데이터베이스", "sql", "postgresql", "sqlite", "redis", "검색"},
	{"docker", "kubernetes", "linux", "배포", "모니터링", "ci-cd"},
	{"javascript", "typescript", "react", "http", "웹", "api"},
	{"머신러닝", "딥러닝", "python", "검색"},
	{"회고", "아키텍처", "리팩터링", "테스트"},
}

// Series names, for the unknown front matter key.
var seriesKo = []string{"동시성 프로그래밍 입문", "데이터베이스 깊게 보기", "운영 일지", "파이썬 성능 튜닝", "Go 런타임 탐구", "웹 기초 다지기"}
var seriesEn = []string{"Concurrency 101", "Databases in Depth", "Operations Log", "Python Performance Tuning", "Exploring the Go Runtime", "Web Fundamentals"}

// link is a link target with its text in both languages.
type link struct {
	ko, en, url string
}

var links = []link{
	{"공식 문서", "the official documentation", "https://go.dev/doc/effective_go"},
	{"Go 메모리 모델", "The Go Memory Model", "https://go.dev/ref/mem"},
	{"파이썬 multiprocessing 문서", "the multiprocessing docs", "https://docs.python.org/3/library/multiprocessing.html"},
	{"asyncio 문서", "the asyncio documentation", "https://docs.python.org/3/library/asyncio.html"},
	{"PostgreSQL 인덱스 문서", "the PostgreSQL chapter on indexes", "https://www.postgresql.org/docs/current/indexes.html"},
	{"SQLite FTS5 문서", "the SQLite FTS5 documentation", "https://sqlite.org/fts5.html"},
	{"MDN의 이벤트 루프 설명", "MDN's event loop article", "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Event_loop"},
	{"MDN의 HTTP 캐싱 문서", "MDN on HTTP caching", "https://developer.mozilla.org/en-US/docs/Web/HTTP/Caching"},
	{"쿠버네티스 문서", "the Kubernetes docs", "https://kubernetes.io/docs/concepts/workloads/pods/"},
	{"Redis 문서", "the Redis documentation", "https://redis.io/docs/latest/"},
	{"sync 패키지 문서", "the sync package docs", "https://pkg.go.dev/sync"},
	{"이전 글", "my previous post", "/blog/cs/multiprocessing-and-multithreading-in-python"},
	{"관련 이슈", "the upstream issue", "https://github.com/golang/go/issues/"},
	{"RFC 9111", "RFC 9111", "https://www.rfc-editor.org/rfc/rfc9111"},
}
