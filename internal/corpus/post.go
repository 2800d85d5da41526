package corpus

import (
	"strconv"
	"strings"
	"time"
)

// post is what every language file of one post shares.
type post struct {
	index      int
	cat        int // index into categoryList
	base       int
	topic      topic
	slug       string
	titleKo    string
	titleEn    string
	descKo     string
	descEn     string
	date       string
	updated    string
	tags       []string
	flowTags   bool
	titleMap   bool // the ko file carries title and description maps
	draft      bool
	draftFalse bool // an explicit "draft: false"
	bundle     bool
	series     int // index into seriesKo/seriesEn, or -1
	toc        bool
	focusKo    []string
	focusEn    []string
	codeLangs  []string
}

var titleTemplates = []struct{ ko, en string }{
	{"⟨T⟩ 이해하기", "Understanding ⟨T⟩"},
	{"⟨T⟩ 완벽 정리", "⟨T⟩, Explained"},
	{"실전에서 배운 ⟨T⟩", "⟨T⟩ in Practice"},
	{"⟨T⟩의 동작 원리", "Inside ⟨T⟩"},
	{"⟨T⟩ 깊게 파보기", "A Deep Dive into ⟨T⟩"},
	{"⟨T⟩: 알아두면 좋은 것들", "⟨T⟩: What You Should Know"},
	{"⟨T⟩ 도입기", "Adopting ⟨T⟩"},
	{"⟨T⟩ 제대로 사용하기", "Using ⟨T⟩ Properly"},
	{"⟨T|으로⟩ 성능 문제 해결하기", "Fixing Performance Problems with ⟨T⟩"},
	{"다시 보는 ⟨T⟩", "⟨T⟩, Revisited"},
	{"⟨T⟩ 입문", "Getting Started with ⟨T⟩"},
	{"⟨T⟩에서 자주 하는 실수", "Common Mistakes with ⟨T⟩"},
}

var descTemplates = []struct{ ko, en string }{
	{"⟨T⟩의 동작 원리와 실전 활용법", "How ⟨T⟩ works and how to use it in practice"},
	{"⟨T|을⟩ 도입하며 겪은 문제와 해결 과정", "Problems we hit while adopting ⟨T⟩, and how we solved them"},
	{"예제로 살펴보는 ⟨T⟩", "⟨T⟩ through examples"},
	{"⟨T⟩의 성능 특성과 주의할 점", "Performance characteristics and pitfalls of ⟨T⟩"},
	{"운영 환경에서 ⟨T|을⟩ 다룰 때 알아야 할 것들", "What to know about ⟨T⟩ in production"},
	{"⟨T⟩ 개념부터 벤치마크까지 한 번에 정리합니다", "⟨T⟩ from first principles to benchmarks"},
}

// The date range of the corpus: 2019-01-01 through 2026-12-31.
var (
	firstDay = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	lastDay  = time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	dayCount = int(lastDay.Sub(firstDay).Hours()/24) + 1 // 2922
)

// dayStride is coprime with dayCount (2 * 3 * 487) and close to
// dayCount / golden ratio, so consecutive posts land far apart and the first
// dayCount posts all get distinct dates.
const dayStride = 1805

// newPost derives the shared data of post i.
func newPost(o *Options, i int) *post {
	r := newRNG(o.Seed, i, 0)
	p := &post{index: i, series: -1}
	p.cat = r.intn(o.Categories)
	c := catOf(p.cat)
	p.base = c.base
	p.topic = pick(r, topics[p.base])
	p.slug = p.topic.slug + "-" + strconv.Itoa(i+1)

	tt := pick(r, titleTemplates)
	dt := pick(r, descTemplates)
	tk := &prose{r: r, ko: true, topic: p.topic.ko, focus: nounsKo[p.base], pool: nounsKo[p.base], general: generalKo}
	te := &prose{r: r, topic: p.topic.en, focus: nounsEn[p.base], pool: nounsEn[p.base], general: generalEn}
	tk.bind()
	te.bind()
	p.titleKo = string(expand(nil, tt.ko, tk))
	p.titleEn = string(expand(nil, tt.en, te))
	p.descKo = string(expand(nil, dt.ko, tk))
	p.descEn = string(expand(nil, dt.en, te))

	offset := int(splitmix64(uint64(o.Seed)) % uint64(dayCount))
	day := (dayStride*(i%dayCount) + offset) % dayCount
	d := firstDay.AddDate(0, 0, day)
	p.date = d.Format(time.DateOnly)
	if r.chance(25) {
		u := d.AddDate(0, 0, r.between(3, 400))
		if !u.After(lastDay) {
			p.updated = u.Format(time.DateOnly)
		}
	}

	n := r.between(1, 4)
	if r.chance(75) {
		p.tags = append(p.tags, pick(r, primaryTags[p.base]))
	}
	for len(p.tags) < n {
		t := pick(r, tagPool)
		if !contains(p.tags, t) {
			p.tags = append(p.tags, t)
		}
	}
	p.flowTags = r.chance(70)

	p.titleMap = r.chance(25)
	p.draft = o.DraftEvery > 0 && (i+1)%o.DraftEvery == 0
	p.draftFalse = !p.draft && r.chance(3)
	p.bundle = o.BundleEvery > 0 && (i+1)%o.BundleEvery == 0
	if r.chance(7) {
		p.series = r.intn(len(seriesKo))
	}
	p.toc = r.chance(4)

	// The nouns this post keeps returning to.
	p.focusKo = pickDistinct(r, nounsKo[p.base], 5)
	p.focusEn = pickDistinct(r, nounsEn[p.base], 5)

	// The post's code languages, first one most used.
	main := pick(r, codeLangs[p.base])
	p.codeLangs = []string{main, main, pick(r, codeLangs[p.base])}
	return p
}

// catOf returns category k, inventing numbered ones past the named list.
func catOf(k int) category {
	if k < len(categoryList) {
		return categoryList[k]
	}
	n := strconv.Itoa(k + 1)
	return category{
		slug:   "category-" + n,
		nameKo: "카테고리 " + n,
		nameEn: "Category " + n,
		descKo: "자동 생성된 카테고리 " + n,
		descEn: "Generated category " + n,
		base:   k % len(topics),
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func pickDistinct(r *rng, list []string, n int) []string {
	idx := r.perm(len(list))
	out := make([]string, 0, n)
	for _, k := range idx[:min(n, len(idx))] {
		out = append(out, list[k])
	}
	return out
}

// path returns the slash-separated path of the post's file in lang.
func (p *post) path(lang string) string {
	c := catOf(p.cat).slug
	if p.bundle {
		return c + "/" + p.slug + "/index." + lang + ".md"
	}
	return c + "/" + p.slug + "." + lang + ".md"
}

// frontMatter appends the front matter of the post's file in lang.
func (p *post) frontMatter(dst []byte, lang string) []byte {
	ko := lang == "ko"
	dst = append(dst, "---\n"...)
	switch {
	case ko && p.titleMap:
		dst = yamlKoEn(dst, "title", p.titleKo, p.titleEn)
		dst = yamlKoEn(dst, "description", p.descKo, p.descEn)
	case ko:
		dst = yamlField(dst, "title", p.titleKo)
		dst = yamlField(dst, "description", p.descKo)
	default:
		dst = yamlField(dst, "title", p.titleEn)
		dst = yamlField(dst, "description", p.descEn)
	}
	dst = append(dst, "date: "...)
	dst = append(dst, p.date...)
	dst = append(dst, '\n')
	if p.updated != "" {
		dst = append(dst, "updated: "...)
		dst = append(dst, p.updated...)
		dst = append(dst, '\n')
	}
	if p.flowTags {
		dst = append(dst, "tags: ["...)
		for k, t := range p.tags {
			if k > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, t...)
		}
		dst = append(dst, "]\n"...)
	} else {
		dst = append(dst, "tags:\n"...)
		for _, t := range p.tags {
			dst = append(dst, "  - "...)
			dst = append(dst, t...)
			dst = append(dst, '\n')
		}
	}
	if p.series >= 0 {
		dst = append(dst, "series: "...)
		if ko {
			dst = yamlString(dst, seriesKo[p.series])
		} else {
			dst = yamlString(dst, seriesEn[p.series])
		}
		dst = append(dst, '\n')
	}
	if p.toc {
		dst = append(dst, "toc: true\n"...)
	}
	if p.draft {
		dst = append(dst, "draft: true\n"...)
	} else if p.draftFalse {
		dst = append(dst, "draft: false\n"...)
	}
	return append(dst, "---\n"...)
}

// yamlString appends s as a YAML scalar, double-quoted when plain style
// could be misread.
func yamlString(dst []byte, s string) []byte {
	if !needsQuote(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\':
			dst = append(dst, '\\', s[i])
		default:
			dst = append(dst, s[i])
		}
	}
	return append(dst, '"')
}

func needsQuote(s string) bool {
	if s == "" || strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@` ") || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return true
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return true
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	return false
}
