package corpus

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Slots in templates are written ⟨name⟩ or ⟨name|particle⟩. The brackets
// never occur in code or prose, so templates can hold Go braces, Python
// format strings and shell variables untouched.
const (
	slotOpen  = "⟨"
	slotClose = "⟩"
)

// slotter renders one slot: it appends the rendered text to dst and returns
// the plain word the Korean particle after it must agree with.
type slotter interface {
	slot(dst []byte, name string) ([]byte, string)
}

// expand appends tmpl to dst with every slot rendered by s.
func expand(dst []byte, tmpl string, s slotter) []byte {
	for {
		i := strings.Index(tmpl, slotOpen)
		if i < 0 {
			return append(dst, tmpl...)
		}
		dst = append(dst, tmpl[:i]...)
		tmpl = tmpl[i+len(slotOpen):]
		j := strings.Index(tmpl, slotClose)
		name := tmpl[:j]
		tmpl = tmpl[j+len(slotClose):]
		particle := ""
		if k := strings.IndexByte(name, '|'); k >= 0 {
			name, particle = name[:k], name[k+1:]
		}
		var plain string
		dst, plain = s.slot(dst, name)
		if particle != "" {
			dst = append(dst, josa(plain, particle)...)
		}
	}
}

// Final consonant classes of the last syllable of a word, as a Korean
// reader would pronounce it.
const (
	finalNone  = iota // ends in a vowel: 는, 가, 를, 와, 로
	finalRieul        // ends in ㄹ: 은, 이, 을, 과, 로
	finalOther        // ends in another consonant: 은, 이, 을, 과, 으로
)

// finalOf classifies the last pronounced sound of word. Hangul is exact;
// digits, acronyms and English words use how they are read in Korean.
func finalOf(word string) int {
	for i := len(word); i > 0; {
		r, size := utf8.DecodeLastRuneInString(word[:i])
		i -= size
		switch {
		case r >= 0xAC00 && r <= 0xD7A3:
			switch (r - 0xAC00) % 28 {
			case 0:
				return finalNone
			case 8:
				return finalRieul
			default:
				return finalOther
			}
		case r >= '0' && r <= '9':
			switch r {
			case '1', '7', '8': // 일, 칠, 팔
				return finalRieul
			case '0', '3', '6': // 영, 삼, 육
				return finalOther
			default:
				return finalNone
			}
		case r >= 'A' && r <= 'Z':
			switch r {
			case 'L', 'R': // 엘, 알
				return finalRieul
			case 'M', 'N': // 엠, 엔
				return finalOther
			default:
				return finalNone
			}
		case r >= 'a' && r <= 'z':
			switch {
			case r == 'l':
				return finalRieul
			case r == 'm' || r == 'n':
				return finalOther
			case r == 'g' && i > 0 && word[i-1] == 'n':
				return finalOther
			default:
				return finalNone
			}
		}
		// Punctuation, spaces and markup: look further left.
	}
	return finalNone
}

// josa returns the form of particle that agrees with word.
func josa(word, particle string) string {
	f := finalOf(word)
	switch particle {
	case "은":
		if f == finalNone {
			return "는"
		}
		return "은"
	case "이":
		if f == finalNone {
			return "가"
		}
		return "이"
	case "을":
		if f == finalNone {
			return "를"
		}
		return "을"
	case "과":
		if f == finalNone {
			return "와"
		}
		return "과"
	case "으로":
		if f == finalOther {
			return "으로"
		}
		return "로"
	case "이나":
		if f == finalNone {
			return "나"
		}
		return "이나"
	}
	return particle
}

// prose renders the slots of prose templates for one file.
type prose struct {
	r        *rng
	ko       bool
	topic    string   // the post's topic in the file's language
	focus    []string // nouns the post keeps coming back to
	pool     []string // the category's nouns
	general  []string // nouns of any post
	codeLang string   // the post's main code language
	a, b     string   // nouns bound for one sentence
}

// noun returns a noun, most often one of the post's focus nouns.
func (p *prose) noun() string {
	switch n := p.r.intn(100); {
	case n < 50:
		return pick(p.r, p.focus)
	case n < 75:
		return pick(p.r, p.pool)
	default:
		return pick(p.r, p.general)
	}
}

// bind chooses the nouns ⟨a⟩ and ⟨b⟩ of the next sentence.
func (p *prose) bind() {
	p.a = p.noun()
	p.b = p.noun()
	for k := 0; p.b == p.a && k < 4; k++ {
		p.b = p.noun()
	}
}

// word appends a noun, sometimes in bold.
func (p *prose) word(dst []byte, w string, capital bool) ([]byte, string) {
	if capital {
		w = capitalize(w)
	}
	if p.r.chance(6) {
		dst = append(dst, "**"...)
		dst = append(dst, w...)
		return append(dst, "**"...), w
	}
	return append(dst, w...), w
}

func (p *prose) slot(dst []byte, name string) ([]byte, string) {
	switch name {
	case "a", "A":
		return p.word(dst, p.a, name == "A")
	case "b", "B":
		return p.word(dst, p.b, name == "B")
	case "x", "X":
		return p.word(dst, p.noun(), name == "X")
	case "T":
		return append(dst, p.topic...), p.topic
	case "c":
		lang := p.codeLang
		if p.r.chance(30) {
			lang = pick(p.r, inlineCodeList).lang
		}
		id := pick(p.r, inlineCode(lang))
		dst = append(dst, '`')
		dst = append(dst, id...)
		return append(dst, '`'), id
	case "e":
		t := pick(p.r, termsEn)
		return append(dst, t...), t
	case "n":
		s := strconv.Itoa(pick(p.r, smallNumbers))
		return append(dst, s...), s
	case "pct":
		s := strconv.Itoa(p.r.between(5, 85)) + "%"
		return append(dst, s...), s
	case "link":
		l := pick(p.r, links)
		text := l.en
		if p.ko {
			text = l.ko
		}
		dst = append(dst, '[')
		dst = append(dst, text...)
		dst = append(dst, "]("...)
		dst = append(dst, l.url...)
		return append(dst, ')'), text
	case "L":
		s := langDisplay(p.codeLang, p.ko)
		return append(dst, s...), s
	}
	return append(dst, name...), name
}

var smallNumbers = []int{2, 3, 4, 8, 10, 12, 16, 20, 32, 50, 64, 100}

// capitalize upper-cases the first ASCII letter of s.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// langDisplay is the name of a code language in running text.
func langDisplay(lang string, ko bool) string {
	switch lang {
	case "python":
		if ko {
			return "파이썬"
		}
		return "Python"
	case "go":
		return "Go"
	case "javascript":
		if ko {
			return "자바스크립트"
		}
		return "JavaScript"
	case "sql":
		return "SQL"
	case "bash":
		if ko {
			return "셸 스크립트"
		}
		return "a shell script"
	}
	return lang
}

// sentence appends one sentence of the file's language.
func (p *prose) sentence(dst []byte) []byte {
	p.bind()
	if p.ko {
		return expand(dst, pick(p.r, sentencesKo), p)
	}
	return expand(dst, pick(p.r, sentencesEn), p)
}

// sentences appends n sentences separated by spaces.
func (p *prose) sentences(dst []byte, n int) []byte {
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = p.sentence(dst)
	}
	return dst
}

// line expands one template of the file's language with freshly bound nouns.
func (p *prose) line(dst []byte, ko, en []string) []byte {
	p.bind()
	if p.ko {
		return expand(dst, pick(p.r, ko), p)
	}
	return expand(dst, pick(p.r, en), p)
}

var sentencesKo = []string{
	"⟨a|은⟩ ⟨b|과⟩ 밀접하게 연결되어 있습니다.",
	"먼저, ⟨a⟩의 개념에 대해서 알아보겠습니다.",
	"⟨a|이⟩ 늘어나면 ⟨b⟩에서 병목이 발생하기 쉽습니다.",
	"예를 들어, ⟨a|을⟩ ⟨b⟩ 단위로 나누어 처리하면 전체 처리 시간을 크게 줄일 수 있습니다.",
	"실제로 측정해 보면 ⟨a⟩의 영향이 생각보다 크다는 것을 알 수 있습니다.",
	"이 경우 ⟨a|을⟩ 미리 생성해 두고 재사용하는 편이 훨씬 효율적입니다.",
	"⟨c|을⟩ 사용하면 ⟨a⟩ 관리를 단순하게 만들 수 있습니다.",
	"하지만 ⟨a|이⟩ 많아질수록 ⟨b⟩에 대한 부담도 함께 커집니다.",
	"⟨T⟩에서 가장 중요한 것은 ⟨a|을⟩ 언제, 얼마나 사용할지 결정하는 것입니다.",
	"보통 ⟨e⟩ 작업에서는 ⟨a⟩의 수를 CPU 코어 수와 동일하게 맞추는 것이 좋습니다.",
	"⟨a|은⟩ 운영체제로부터 독립된 메모리 공간과 자원을 할당받습니다.",
	"테스트 환경에서 ⟨a|을⟩ 적용한 결과, 평균 응답 시간이 약 ⟨pct⟩ 줄어들었습니다.",
	"⟨n⟩개의 워커를 동시에 실행하면 각 워커가 별도의 코어에서 동작합니다.",
	"반면에, ⟨a|은⟩ 대기 시간이 긴 작업에서 특히 유리합니다.",
	"⟨a|과⟩ ⟨b⟩의 차이를 이해하면 ⟨T|을⟩ 훨씬 쉽게 다룰 수 있습니다.",
	"따라서 ⟨a|을⟩ 설계할 때에는 ⟨b|을⟩ 반드시 함께 고려해야 합니다.",
	"⟨c⟩ 호출은 내부적으로 ⟨a|을⟩ 잠그고, 작업이 끝나면 다시 해제합니다.",
	"이렇게 하면 매번 새로운 ⟨a|을⟩ 생성하는 오버헤드를 줄일 수 있습니다.",
	"⟨a|이⟩ 실패하더라도 ⟨b⟩에는 영향을 주지 않도록 격리하는 것이 좋습니다.",
	"엄밀히 말하면 ⟨a|은⟩ 동시에 실행되는 것처럼 보일 뿐, 실제로는 컨텍스트 스위칭이 계속 발생하며 작업을 처리합니다.",
	"운영 환경에서는 ⟨a⟩ 지표를 주기적으로 수집하고 모니터링해야 합니다.",
	"⟨a⟩ 설정을 잘못 건드리면 ⟨b⟩ 전체가 느려질 수 있으니 주의해야 합니다.",
	"대규모 트래픽을 처리하다 보면 ⟨a⟩ 문제를 자주 목격하게 됩니다.",
	"⟨a|은⟩ 한 번 생성된 뒤 여러 작업에 대해 재사용됩니다.",
	"특히 ⟨a|을⟩ 캐시해 두면 같은 요청에 대한 응답 속도가 눈에 띄게 빨라집니다.",
	"자세한 내용은 ⟨link⟩에서 확인할 수 있습니다.",
	"⟨a|은⟩ 보통 ⟨b|과⟩ 함께 사용됩니다.",
	"그렇다면 ⟨a⟩의 크기는 어떻게 결정하는 것이 좋을까요?",
	"정답은 없지만, 대부분의 경우 ⟨a|을⟩ 작게 유지하는 편이 안전합니다.",
	"⟨c|은⟩ 스레드 안전하지 않으므로 여러 곳에서 동시에 접근할 때에는 별도의 동기화가 필요합니다.",
	"벤치마크 결과를 보면 ⟨a|이⟩ ⟨b⟩보다 약 ⟨n⟩배 빠르게 동작했습니다.",
	"로그를 살펴보니 ⟨a⟩ 단계에서 대부분의 시간이 소요되고 있었습니다.",
	"처음에는 ⟨a⟩ 문제라고 생각했지만, 원인은 ⟨b⟩에 있었습니다.",
	"⟨a⟩에 대한 접근을 직렬화하면 데이터 경쟁은 사라지지만 처리량은 떨어집니다.",
	"마지막으로, ⟨a|은⟩ 코드 리뷰 과정에서 꼭 확인해야 할 항목입니다.",
	"⟨T⟩ 관련 설정은 환경 변수나 설정 파일로 분리해 두는 것을 추천합니다.",
	"⟨a|은⟩ ⟨e⟩ 상황에서 특히 주의 깊게 다뤄야 합니다.",
	"이처럼 ⟨a|과⟩ ⟨b⟩ 사이에는 항상 트레이드오프가 존재합니다.",
	"⟨a|을⟩ 도입하기 전과 후의 ⟨b|을⟩ 비교해 보면 차이가 분명하게 드러납니다.",
	"여러 워커가 같은 ⟨a⟩에 동시에 접근하면 서로 충돌할 수 있어 주의해야 합니다.",
	"⟨a|은⟩ 가볍고 빠르지만, ⟨b|은⟩ 더 많은 메모리를 사용합니다.",
	"파이썬의 ThreadPoolExecutor를 쓰든 Go의 goroutine과 mutex를 쓰든, ⟨a⟩의 기본 원리는 크게 다르지 않습니다.",
	"즉, ⟨a|은⟩ ⟨b|을⟩ 효율적으로 나누어 쓰기 위한 도구라고 볼 수 있습니다.",
	"이 방식은 구현이 간단하다는 장점이 있지만, ⟨a|이⟩ 커지면 유지 보수가 어려워집니다.",
	"⟨a⟩ 관점에서 보면 ⟨b|은⟩ 일종의 공유 자원입니다.",
	"문제는 ⟨a|이⟩ 예상보다 훨씬 자주 호출된다는 점이었습니다.",
	"결과적으로 ⟨a⟩ 관련 오류는 절반 가까이 줄었고, 처리량은 약 ⟨pct⟩ 늘었습니다.",
	"⟨e⟩ 문제를 피하려면 ⟨a⟩의 수명 주기를 명확하게 정의해야 합니다.",
}

var sentencesEn = []string{
	"⟨A⟩ and ⟨b⟩ are closely related, but they solve different problems.",
	"First, let's look at what ⟨a⟩ actually is.",
	"As load grows, ⟨a⟩ quickly becomes the bottleneck.",
	"For example, splitting the work by ⟨a⟩ lets ⟨b⟩ handle the pieces in parallel.",
	"When we measured it, the impact of ⟨a⟩ was much larger than we expected.",
	"In that case it is usually cheaper to create the ⟨a⟩ up front and reuse it.",
	"Using ⟨c⟩ keeps the ⟨a⟩ logic simple.",
	"However, the more work you push through ⟨a⟩, the more pressure you put on ⟨b⟩.",
	"The most important decision with ⟨T⟩ is when, and how much, to rely on ⟨a⟩.",
	"For ⟨e⟩ work, matching the number of workers to the number of CPU cores is a good default.",
	"In our staging environment, tuning ⟨a⟩ cut average response time by about ⟨pct⟩.",
	"With ⟨n⟩ workers running at once, each one can occupy its own core.",
	"On the other hand, ⟨a⟩ shines when most of the time is spent waiting.",
	"Once you understand the difference between ⟨a⟩ and ⟨b⟩, ⟨T⟩ becomes much easier to reason about.",
	"So when you design the ⟨a⟩, always take the ⟨b⟩ into account.",
	"Under the hood, ⟨c⟩ takes a lock and releases it once the work is done.",
	"This removes the overhead of creating a fresh ⟨a⟩ for every request.",
	"Isolate the ⟨a⟩ so that a failure there never takes down the ⟨b⟩.",
	"Strictly speaking, the ⟨a⟩ only looks concurrent; the CPU keeps switching between tasks.",
	"In production, collect ⟨a⟩ metrics continuously and alert on them.",
	"A careless change to the ⟨a⟩ can slow down the whole ⟨b⟩, so be careful.",
	"If you run a large data pipeline, you will run into ⟨a⟩ problems sooner or later.",
	"Once created, the ⟨a⟩ is reused across many tasks.",
	"Caching the ⟨a⟩ makes repeated requests noticeably faster.",
	"See ⟨link⟩ for the details.",
	"⟨A⟩ is usually used together with ⟨b⟩.",
	"So how should we size the ⟨a⟩?",
	"There is no single right answer, but keeping the ⟨a⟩ small is the safer choice in most cases.",
	"⟨c⟩ is not safe for concurrent use, so shared access needs extra synchronization.",
	"In our benchmark, ⟨a⟩ was roughly ⟨n⟩x faster than ⟨b⟩.",
	"The logs showed that most of the time was spent in the ⟨a⟩.",
	"At first we blamed the ⟨a⟩, but the real cause was the ⟨b⟩.",
	"Serializing access to the ⟨a⟩ removes the data race, but it also lowers throughput.",
	"Finally, the ⟨a⟩ is something every code review should check.",
	"Keep ⟨T⟩ settings in environment variables or a config file rather than in code.",
	"There is always a trade-off between ⟨a⟩ and ⟨b⟩.",
	"Compare the ⟨b⟩ before and after introducing the ⟨a⟩ and the difference is obvious.",
	"When several workers touch the same ⟨a⟩ at once, they can corrupt each other's state.",
	"⟨A⟩ is lightweight and fast, while ⟨b⟩ uses more memory.",
	"Whether you use a ThreadPoolExecutor in Python or goroutines guarded by a mutex in Go, the ⟨a⟩ behaves the same way.",
	"In other words, ⟨a⟩ is a tool for sharing ⟨b⟩ efficiently.",
	"This approach is easy to implement, but it gets hard to maintain as the ⟨a⟩ grows.",
	"From the point of view of the ⟨a⟩, the ⟨b⟩ is just another shared resource.",
	"The problem was that the ⟨a⟩ was called far more often than we assumed.",
	"In the end, errors around the ⟨a⟩ dropped by almost half and throughput went up by about ⟨pct⟩.",
	"To avoid ⟨e⟩ issues, define the lifecycle of the ⟨a⟩ explicitly.",
	"The ⟨a⟩ and the ⟨b⟩ both live in the same process, so a crash in one affects the other.",
}
