package corpus

import (
	"strconv"
	"sync"
)

// scratchPool holds buffers for blocks rendered aside from the body.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 8192); return &b }}

// Size bounds of one file, front matter included.
const (
	minFileBytes = 6 * 1024
	maxFileBytes = 14 * 1024
	// The body stops growing at a target drawn from this range; the last
	// block may overshoot it by well under a kilobyte.
	minTarget = 6600
	maxTarget = 13000
)

// file generates one language file of a post.
type file struct {
	r       *rng
	p       *post
	ko      bool
	pr      *prose
	buf     []byte
	heading bool // the last thing written was a heading line
	light   bool // see Options.Light
	note    int  // 0: no footnote, 1: reference pending, 2: placed
}

// render appends the whole file of p in lang to dst.
func render(dst []byte, o *Options, p *post, lang string) []byte {
	ko := lang == "ko"
	r := newRNG(o.Seed, p.index, 1+hashString(lang))
	if cap(dst)-len(dst) < maxFileBytes+1024 {
		dst = append(make([]byte, 0, len(dst)+maxFileBytes+1024), dst...)
	}
	f := &file{r: r, p: p, ko: ko, buf: dst, light: o.Light}
	f.pr = &prose{r: r, ko: ko, codeLang: p.codeLangs[0]}
	if ko {
		f.pr.topic, f.pr.focus, f.pr.pool, f.pr.general = p.topic.ko, p.focusKo, nounsKo[p.base], generalKo
	} else {
		f.pr.topic, f.pr.focus, f.pr.pool, f.pr.general = p.topic.en, p.focusEn, nounsEn[p.base], generalEn
	}
	start := len(f.buf)
	f.buf = p.frontMatter(f.buf, lang)
	f.body(start + r.between(minTarget, maxTarget))
	return f.buf
}

// tr picks the Korean or English variant.
func (f *file) tr(ko, en string) string {
	if f.ko {
		return ko
	}
	return en
}

// block starts a new block: a blank line unless it follows a heading that
// is glued to its first paragraph.
func (f *file) block() {
	if !f.heading {
		f.buf = append(f.buf, '\n')
	}
	f.heading = false
}

// h appends a heading from the k-th template of ko or en (k < 0: random).
func (f *file) h(level int, ko, en []string, k int) {
	f.block()
	for range level {
		f.buf = append(f.buf, '#')
	}
	f.buf = append(f.buf, ' ')
	if k < 0 {
		k = f.r.intn(len(ko))
	}
	f.pr.bind()
	f.buf = expand(f.buf, f.tr(ko[k], en[k]), f.pr)
	f.buf = append(f.buf, '\n')
	// Like the original posts, most headings run straight into their text.
	f.heading = f.r.chance(65)
}

func (f *file) paragraph() {
	f.block()
	if f.r.chance(12) {
		// A definition: "**term**: explanation".
		f.pr.bind()
		f.buf = append(f.buf, "**"...)
		f.buf = append(f.buf, f.pr.a...)
		f.buf = append(f.buf, "**: "...)
		f.buf = f.pr.sentences(f.buf, f.r.between(1, 3))
	} else {
		f.buf = f.pr.sentences(f.buf, f.r.between(2, 5))
	}
	if f.note == 1 && f.r.chance(50) {
		f.buf = append(f.buf, "[^1]"...)
		f.note = 2
	}
	f.buf = append(f.buf, '\n')
}

func (f *file) bullets() {
	f.block()
	marker := "- "
	if f.r.chance(20) {
		marker = "* "
	}
	n := f.r.between(3, 6)
	for k := 0; k < n; k++ {
		f.buf = append(f.buf, marker...)
		if f.r.chance(50) {
			f.pr.bind()
			f.buf = append(f.buf, "**"...)
			f.buf = append(f.buf, f.pr.a...)
			f.buf = append(f.buf, "**: "...)
		}
		f.buf = f.pr.sentence(f.buf)
		f.buf = append(f.buf, '\n')
		if f.r.chance(10) {
			f.buf = append(f.buf, "  "...)
			f.buf = append(f.buf, marker...)
			f.buf = f.pr.sentence(f.buf)
			f.buf = append(f.buf, '\n')
		}
	}
}

func (f *file) numbered() {
	f.block()
	n := f.r.between(3, 5)
	long := f.r.chance(40)
	for k := 1; k <= n; k++ {
		f.buf = strconv.AppendInt(f.buf, int64(k), 10)
		f.buf = append(f.buf, ". "...)
		if long {
			// A bold title with its explanation on the next lines.
			f.pr.bind()
			f.buf = append(f.buf, "**"...)
			f.buf = append(f.buf, capitalize(f.pr.a)...)
			f.buf = append(f.buf, "**  \n   "...)
			f.buf = f.pr.sentences(f.buf, f.r.between(1, 2))
		} else {
			f.buf = f.pr.sentence(f.buf)
		}
		f.buf = append(f.buf, '\n')
	}
}

func (f *file) filler() {
	switch n := f.r.intn(100); {
	case n < 58:
		f.paragraph()
	case n < 72:
		f.bullets()
	case n < 82:
		f.numbered()
	default:
		level := 3
		if f.r.chance(15) {
			level = 4
		}
		f.h(level, h3Ko, h3En, -1)
		f.paragraph()
	}
}

// codeBytes is roughly how many bytes a code line takes, per language.
func codeLineBytes(lang string) int {
	switch lang {
	case "python", "sql":
		return 28
	case "go":
		return 18
	default:
		return 24
	}
}

// body appends the markdown body, aiming for a file of target bytes.
func (f *file) body(target int) {
	r := f.r
	// The body starts with an empty line, as in the original posts.
	f.buf = append(f.buf, '\n')
	f.heading = true // no blank line before the first heading
	f.h(2, introKo, introEn, -1)
	f.paragraph()
	if r.chance(60) {
		f.paragraph()
	}
	f.block()
	f.buf = f.pr.line(f.buf, introCloseKo, introCloseEn)
	f.buf = append(f.buf, '\n')

	// Blocks every post has, rendered aside and placed into sections later.
	sp := scratchPool.Get().(*[]byte)
	aside := (*sp)[:0]
	bounds := []int{0}
	codeBudget := target * r.between(22, 34) / 100
	perBlock := 30 * codeLineBytes(f.p.codeLangs[0])
	nCode := min(max((codeBudget+perBlock/2)/perBlock, 1), 3)
	if f.light {
		nCode = 2
	}
	for k := 0; k < nCode; k++ {
		lang := f.p.codeLangs[k%len(f.p.codeLangs)]
		f.pr.codeLang = lang
		aside = f.pr.line(aside, codeIntroKo, codeIntroEn)
		aside = append(aside, '\n')
		// Blocks come out a few lines longer than asked.
		want, most := codeBudget/nCode/codeLineBytes(lang)-3, 40
		if f.light {
			want, most = r.between(10, 20), 25
		}
		aside = codeBlock(aside, r, lang, f.ko, want, most)
		bounds = append(bounds, len(aside))
	}
	f.pr.codeLang = f.p.codeLangs[0]
	aside = f.table(aside)
	bounds = append(bounds, len(aside))
	if !f.light && r.chance(15) {
		aside = f.table(aside)
		bounds = append(bounds, len(aside))
	}
	if r.chance(30) {
		aside = f.quote(aside)
		bounds = append(bounds, len(aside))
	}
	if r.chance(20) {
		f.note = 1
	}

	// The closing section, rendered aside so its size is known.
	tailStart := len(aside)
	aside, refAt := f.closing(aside)
	refAt -= tailStart
	fixed := make([][]byte, len(bounds)-1)
	for k := range fixed {
		fixed[k] = aside[bounds[k]:bounds[k+1]]
	}
	tail := aside[tailStart:]
	defer func() {
		*sp = aside
		scratchPool.Put(sp)
	}()

	pending := 0
	for _, b := range fixed {
		pending += len(b)
	}
	base := len(f.buf) + pending + len(tail)
	sections := min(max((target-base)/1500, 2), 7)
	at := make([]int, len(fixed))
	for k := range at {
		at[k] = r.intn(sections)
	}
	headings := r.perm(len(h2Ko))
	for s := 0; s < sections; s++ {
		goal := base + (target-base)*(s+1)/sections
		f.h(2, h2Ko, h2En, headings[s])
		f.filler()
		for k, b := range fixed {
			if at[k] != s {
				continue
			}
			f.block()
			f.buf = append(f.buf, b...)
			pending -= len(b)
			if r.chance(50) {
				f.paragraph()
			}
		}
		for len(f.buf)+pending+len(tail) < goal {
			f.filler()
		}
	}
	if f.note == 1 {
		// The reference found no paragraph: it goes in the closing one.
		f.buf = append(f.buf, tail[:refAt]...)
		f.buf = append(f.buf, "[^1]"...)
		tail = tail[refAt:]
	}
	f.buf = append(f.buf, tail...)
}

// closing appends the last section and the footnote definition to dst, a
// buffer aside from the body. refAt is where a footnote reference would end
// the section's paragraph.
func (f *file) closing(dst []byte) (out []byte, refAt int) {
	saved, savedNote := f.buf, f.note
	f.buf, f.heading, f.note = dst, false, 0
	f.h(2, outroKo, outroEn, -1)
	f.paragraph()
	refAt = len(f.buf) - 1
	if savedNote != 0 {
		f.block()
		f.buf = append(f.buf, "[^1]: "...)
		f.buf = f.pr.sentence(f.buf)
		f.buf = append(f.buf, '\n')
	}
	out = f.buf
	f.buf, f.heading, f.note = saved, false, savedNote
	return out, refAt
}

// quote appends a blockquote.
func (f *file) quote(dst []byte) []byte {
	if f.r.chance(50) {
		dst = append(dst, f.tr("> **참고**: ", "> **Note:** ")...)
		dst = f.pr.sentences(dst, f.r.between(1, 2))
		return append(dst, '\n')
	}
	n := f.r.between(1, 3)
	for k := 0; k < n; k++ {
		dst = append(dst, "> "...)
		dst = f.pr.sentence(dst)
		dst = append(dst, '\n')
	}
	return dst
}

// table appends a GFM table of one of three kinds.
func (f *file) table(dst []byte) []byte {
	r := f.r
	switch r.intn(3) {
	case 0: // comparison
		f.pr.bind()
		dst = append(dst, "| "...)
		dst = append(dst, f.tr("구분", "Aspect")...)
		dst = append(dst, " | "...)
		dst = append(dst, capitalize(f.pr.a)...)
		dst = append(dst, " | "...)
		dst = append(dst, capitalize(f.pr.b)...)
		dst = append(dst, " |\n| --- | --- | --- |\n"...)
		rows := r.perm(len(tableAspects))[:r.between(3, 6)]
		for _, k := range rows {
			a := tableAspects[k]
			dst = append(dst, "| "...)
			dst = append(dst, f.tr(a.ko, a.en)...)
			for c := 0; c < 2; c++ {
				v := pick(r, a.values)
				dst = append(dst, " | "...)
				dst = append(dst, f.tr(v.ko, v.en)...)
			}
			dst = append(dst, " |\n"...)
		}
	case 1: // benchmark
		dst = append(dst, f.tr("| 동시성 | 처리량 (req/s) | 평균 지연 (ms) | p99 (ms) |\n", "| Concurrency | Throughput (req/s) | Mean latency (ms) | p99 (ms) |\n")...)
		dst = append(dst, "| ---: | ---: | ---: | ---: |\n"...)
		tput := float64(r.between(300, 5000))
		lat := float64(r.between(2, 40)) + float64(r.intn(10))/10
		for c := 1; c <= 1<<r.between(3, 6); c *= 2 {
			dst = append(dst, "| "...)
			dst = strconv.AppendInt(dst, int64(c), 10)
			dst = append(dst, " | "...)
			dst = strconv.AppendInt(dst, int64(tput), 10)
			dst = append(dst, " | "...)
			dst = strconv.AppendFloat(dst, lat, 'f', 1, 64)
			dst = append(dst, " | "...)
			dst = strconv.AppendFloat(dst, lat*(2+float64(r.intn(30))/10), 'f', 1, 64)
			dst = append(dst, " |\n"...)
			tput *= 1.3 + float64(r.intn(6))/10
			lat *= 1.05 + float64(r.intn(5))/10
		}
	default: // settings
		dst = append(dst, f.tr("| 옵션 | 기본값 | 설명 |\n", "| Option | Default | Description |\n")...)
		dst = append(dst, "| --- | :---: | --- |\n"...)
		rows := r.perm(len(tableOptions))[:r.between(3, 5)]
		for _, k := range rows {
			o := tableOptions[k]
			dst = append(dst, "| `"...)
			dst = append(dst, o.name...)
			dst = append(dst, "` | `"...)
			dst = append(dst, o.def...)
			dst = append(dst, "` | "...)
			dst = append(dst, f.tr(o.ko, o.en)...)
			dst = append(dst, " |\n"...)
		}
	}
	return dst
}

type pair struct{ ko, en string }

var (
	levels  = []pair{{"높음", "High"}, {"낮음", "Low"}, {"보통", "Medium"}}
	yesNo   = []pair{{"가능", "Yes"}, {"불가능", "No"}, {"제한적", "Limited"}}
	speeds  = []pair{{"빠름", "Fast"}, {"느림", "Slow"}, {"보통", "Moderate"}}
	ease    = []pair{{"쉬움", "Easy"}, {"어려움", "Hard"}, {"보통", "Moderate"}}
	workFit = []pair{{"CPU bound 작업", "CPU-bound work"}, {"I/O bound 작업", "I/O-bound work"}, {"짧은 요청", "Short requests"}, {"배치 처리", "Batch jobs"}}
	comms   = []pair{{"`Queue`, `Pipe`", "`Queue`, `Pipe`"}, {"공유 메모리", "Shared memory"}, {"채널", "Channels"}, {"소켓", "Sockets"}}
)

var tableAspects = []struct {
	ko, en string
	values []pair
}{
	{"메모리 공유", "Memory sharing", yesNo},
	{"생성 비용", "Creation cost", levels},
	{"통신 방식", "Communication", comms},
	{"장애 격리", "Fault isolation", levels},
	{"구현 난이도", "Complexity", ease},
	{"확장성", "Scalability", levels},
	{"디버깅", "Debugging", ease},
	{"메모리 사용량", "Memory footprint", levels},
	{"적합한 작업", "Best suited for", workFit},
	{"응답 속도", "Response time", speeds},
}

var tableOptions = []struct{ name, def, ko, en string }{
	{"max_workers", "4", "동시에 실행할 워커 수", "Number of workers running at once"},
	{"timeout", "30s", "요청 타임아웃", "Request timeout"},
	{"pool_size", "10", "커넥션 풀 크기", "Size of the connection pool"},
	{"GOMAXPROCS", "NumCPU", "Go 스케줄러가 사용하는 CPU 수", "CPUs the Go scheduler uses"},
	{"work_mem", "4MB", "정렬과 해시에 쓰는 메모리", "Memory for sorts and hashes"},
	{"max_connections", "100", "최대 동시 접속 수", "Maximum concurrent connections"},
	{"keepalive", "75s", "유휴 연결 유지 시간", "How long idle connections stay open"},
	{"batch_size", "256", "한 번에 처리할 항목 수", "Items handled per batch"},
	{"retries", "3", "재시도 횟수", "Number of retries"},
	{"cache_ttl", "5m", "캐시 유지 시간", "How long cache entries live"},
}

var introKo = []string{"개요", "들어가며", "배경", "시작하며"}
var introEn = []string{"Overview", "Introduction", "Background", "Motivation"}
var outroKo = []string{"마무리", "정리", "결론", "맺으며"}
var outroEn = []string{"Conclusion", "Wrapping Up", "Summary", "Final Thoughts"}

var introCloseKo = []string{
	"이 글에서는 ⟨T|이⟩ 무엇인지, 그리고 실제 서비스에서 어떻게 활용할 수 있는지 알아보도록 하겠습니다.",
	"이번 글에서는 ⟨T⟩의 동작 원리와 함께 ⟨a|과⟩ ⟨b⟩의 차이를 정리해 보겠습니다.",
	"아래에서는 ⟨T|을⟩ 직접 구현해 보면서 주의할 점을 하나씩 살펴보겠습니다.",
}
var introCloseEn = []string{
	"In this post we will look at what ⟨T⟩ is and how to use it in a real service.",
	"This post walks through how ⟨T⟩ works and how ⟨a⟩ differs from ⟨b⟩.",
	"Below, we build ⟨T⟩ step by step and look at the pitfalls along the way.",
}

var h2Ko = []string{
	"⟨a⟩의 동작 원리", "⟨a⟩ 이해하기", "⟨a|과⟩ ⟨b⟩", "⟨a⟩ 최적화", "실전 예제", "⟨a⟩ 측정하기", "문제 상황",
	"해결 방법", "⟨a⟩ 설정하기", "주의할 점", "성능 비교", "⟨a⟩ 구현하기", "벤치마크 결과", "트러블슈팅",
	"⟨T⟩ 적용하기", "⟨a⟩의 한계", "⟨a⟩ 다시 보기",
}
var h2En = []string{
	"How ⟨a⟩ works", "Understanding ⟨a⟩", "⟨A⟩ and ⟨b⟩", "Optimizing ⟨a⟩", "A worked example", "Measuring ⟨a⟩",
	"The problem", "The fix", "Configuring ⟨a⟩", "Pitfalls", "Performance comparison", "Implementing ⟨a⟩",
	"Benchmark results", "Troubleshooting", "Applying ⟨T⟩", "Limits of ⟨a⟩", "⟨A⟩, revisited",
}
var h3Ko = []string{
	"⟨a⟩의 한계", "예제 코드", "⟨a⟩ 사용 시 주의점", "동시에 실행할 수 있는 ⟨a⟩의 수", "⟨a⟩ (⟨e⟩)",
	"⟨a⟩에서의 ⟨b⟩", "작동 원리", "장단점", "⟨a⟩ 풀", "⟨c⟩ 사용하기",
}
var h3En = []string{
	"Limits of ⟨a⟩", "Example code", "Caveats of ⟨a⟩", "How many ⟨a⟩ instances can run at once", "⟨A⟩ (⟨e⟩)",
	"⟨A⟩ inside ⟨b⟩", "How it works", "Pros and cons", "⟨A⟩ pools", "Using ⟨c⟩",
}

var codeIntroKo = []string{
	"아래는 ⟨T|을⟩ ⟨L|으로⟩ 구현한 간단한 예제입니다.",
	"다음 코드는 ⟨a|을⟩ 사용하는 예시입니다.",
	"예제로 살펴보겠습니다.",
	"실제 코드로 확인해 보면 다음과 같습니다.",
	"아래는 ⟨L|으로⟩ 작성한 ⟨a⟩ 예제입니다.",
}
var codeIntroEn = []string{
	"Here is a minimal example of ⟨T⟩ in ⟨L⟩.",
	"The following snippet shows the ⟨a⟩ in action.",
	"Let's look at an example.",
	"In code, it looks like this:",
	"Below is a small ⟨a⟩ example written in ⟨L⟩.",
}
