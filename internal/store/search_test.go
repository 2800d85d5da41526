package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/store"
)

// sdoc is a post language's searchable text.
type sdoc struct{ lang, title, desc, body string }

// findPost is a post of the site ko, en with a body in each doc's language;
// a site language without a doc falls back to the first doc, as the indexer
// does.
func findPost(id, date string, docs ...sdoc) store.PostRecord {
	cat, slug, _ := strings.Cut(id, "/")
	tm, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	p := store.PostRecord{ID: id, Category: cat, Slug: slug, Date: date, Time: tm, Title: docs[0].title, Fingerprint: "f"}
	for _, d := range docs {
		p.Langs = append(p.Langs, d.lang)
		p.Search = append(p.Search, store.SearchDoc{Lang: d.lang, Title: d.title, Description: d.desc, Body: d.body,
			Path: id + "/index." + d.lang + ".md"})
	}
	for _, l := range []string{"ko", "en"} {
		served := docs[0].lang
		if slices.Contains(p.Langs, l) {
			served = l
		}
		item := fmt.Sprintf(`{"slug":%q,"lang":%q}`, id, served)
		p.Payloads = append(p.Payloads, store.Payload{Lang: l, Served: served, ETag: `"e"`, Body: []byte(`{}`), Item: []byte(item)})
	}
	return p
}

func find(t *testing.T, st *store.Store, q, lang string) store.SearchResult {
	t.Helper()
	return findIn(t, st, q, lang, "")
}

func findIn(t *testing.T, st *store.Store, q, lang, category string) store.SearchResult {
	t.Helper()
	terms, err := store.ParseQuery(q)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", q, err)
	}
	res, err := st.Search(context.Background(), store.SearchQuery{Terms: terms, Lang: lang, Category: category, Limit: 50})
	if err != nil {
		t.Fatalf("Search(%q, %s): %v", q, lang, err)
	}
	return res
}

func hitIDs(res store.SearchResult) []string {
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.PostID)
	}
	return out
}

func TestParseQuery(t *testing.T) {
	long := strings.Repeat("가", store.MaxQueryRunes)
	tests := []struct {
		q    string
		want []store.Term
		err  bool
	}{
		{q: "프로세스", want: []store.Term{{Text: "프로세스", Substring: true}}},
		{q: "  병목  풀 ", want: []store.Term{{Text: "병목"}, {Text: "풀"}}},
		{q: "ThreadPoolExecutor sync.Mutex와", want: []store.Term{{Text: "ThreadPoolExecutor"}, {Text: "sync.Mutex와", Substring: true}}},
		{q: `"race  condition" "CPU 사용률"`, want: []store.Term{{Text: "race condition"}, {Text: "CPU 사용률", Substring: true}}},
		{q: `"ab"`, want: []store.Term{{Text: "ab"}}},
		{q: `say "unclosed phrase`, want: []store.Term{{Text: "say"}, {Text: "unclosed phrase"}}},
		{q: `a"b"c`, want: []store.Term{{Text: "a"}, {Text: "b"}, {Text: "c"}}},
		{q: "Go go GO", want: []store.Term{{Text: "Go"}}},
		{q: "NEAR(a b)", want: []store.Term{{Text: "NEAR(a"}, {Text: "b)"}}},
		{q: "* - ( ) ^ : ((( ***", want: nil},
		{q: "\x00병목\t\n풀\u200b", want: []store.Term{{Text: "병목"}, {Text: "풀\u200b"}}},
		// Decomposed Hangul (as some keyboards send it) is composed.
		{q: "\u1111\u1173\u1105\u1169\u1109\u1166", want: []store.Term{{Text: "프로세", Substring: true}}},
		{q: long, want: []store.Term{{Text: long, Substring: true}}},
		{q: long + "가", err: true},
		{q: strings.Repeat("ab ", store.MaxQueryTerms+1), want: []store.Term{{Text: "ab"}}},
		{q: "a b c d e f g h i j k l m", err: true},
		{q: "\xff\xfe", err: true},
	}
	for _, tt := range tests {
		got, err := store.ParseQuery(tt.q)
		if tt.err {
			if !errors.Is(err, store.ErrBadQuery) {
				t.Errorf("ParseQuery(%q) error = %v, want ErrBadQuery", tt.q, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.q, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", tt.q, got, tt.want)
		}
	}
}

// searchCorpus is a few posts whose words the tests look for.
func searchCorpus(t *testing.T) *store.Store {
	t.Helper()
	st := openStore(t)
	run(t, st, put(
		findPost("cs/process", "2025-02-21",
			sdoc{"ko", "파이썬 멀티 프로세싱", "프로세스와 스레드", "각 프로세스는 독립된 메모리를 씁니다. 병목 현상을 풀 때 프로세스 풀을 씁니다."}),
		findPost("cs/bottleneck", "2024-05-01",
			sdoc{"ko", "병목 찾기", "처리량이 떨어질 때", "병목이 어디인지 측정합니다. 병목을 하나 풀면 다음 병목이 나옵니다."},
			sdoc{"en", "Finding Bottlenecks", "When throughput drops", "Measure where the bottleneck is."}),
		findPost("python/pool", "2023-11-03",
			sdoc{"ko", "스레드 풀", "ThreadPoolExecutor 쓰기", "concurrent.futures.ThreadPoolExecutor는 스레드를 미리 만듭니다. 멀티스레딩 입문."},
			sdoc{"en", "Thread Pools", "Using ThreadPoolExecutor", "concurrent.futures.ThreadPoolExecutor keeps threads ready."}),
		findPost("go/worker", "2024-08-10",
			sdoc{"en", "Worker Pools in Go", "goroutines and a channel", "Each goroutine reads jobs from the channel; sync.WaitGroup waits."}),
		findPost("cs/escape", "2019-09-09",
			sdoc{"en", "Escaping <HTML>", "Tags & quotes", `A comment with <script>alert("x")</script> runs unless escaped: AT&T.`}),
	))
	return st
}

func TestSearchMatches(t *testing.T) {
	st := searchCorpus(t)
	tests := []struct {
		q, lang string
		want    []string
	}{
		// Trigram: Korean inside words.
		{"프로세", "ko", []string{"cs/process"}},
		{"멀티스레딩", "ko", []string{"python/pool"}},
		{"티스레", "ko", []string{"python/pool"}},
		// Word prefix: particles follow the word.
		{"병목", "ko", []string{"cs/bottleneck", "cs/process"}},
		{"풀", "ko", []string{"python/pool", "cs/process", "cs/bottleneck"}},
		// A prefix is not found inside a word: 스레 starts 스레드, not 멀티스레딩.
		{"스레", "ko", []string{"python/pool", "cs/process"}},
		// English, any case; code identifiers with punctuation.
		{"threadpoolexecutor", "en", []string{"python/pool"}},
		{"sync.WaitGroup", "en", []string{"go/worker"}},
		{"GOROUTINE", "ko", []string{"go/worker"}},
		// Every term must match; a mixed query ranks by its long terms.
		{"프로세스 풀", "ko", []string{"cs/process"}},
		{"스레드 ThreadPoolExecutor", "ko", []string{"python/pool"}},
		{"병목 goroutine", "ko", []string{}},
		{`"reads jobs"`, "en", []string{"go/worker"}},
		{`"jobs reads"`, "en", []string{}},
		{"없는단어", "ko", []string{}},
	}
	for _, tt := range tests {
		got := hitIDs(find(t, st, tt.q, tt.lang))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("search %q in %s = %v, want %v", tt.q, tt.lang, got, tt.want)
		}
	}
}

// TestSearchLanguages: a language searches the text its payloads show, the
// fallback included, and each hit carries the item of the asked language.
func TestSearchLanguages(t *testing.T) {
	st := searchCorpus(t)
	// go/worker has only English: a Korean search finds it in its English text.
	res := find(t, st, "goroutine", "ko")
	if got := hitIDs(res); !reflect.DeepEqual(got, []string{"go/worker"}) {
		t.Fatalf("goroutine in ko = %v", got)
	}
	if got, want := string(res.Hits[0].Item), `{"slug":"go/worker","lang":"en"}`; got != want {
		t.Errorf("item = %s, want %s", got, want)
	}
	// python/pool has both: English text is not searched in Korean, nor the reverse.
	if got := hitIDs(find(t, st, "keeps threads", "ko")); len(got) != 0 {
		t.Errorf("English text found in a Korean search: %v", got)
	}
	if got := hitIDs(find(t, st, "미리 만듭니다", "en")); len(got) != 0 {
		t.Errorf("Korean text found in an English search: %v", got)
	}
	// cs/process has only Korean: an English search finds it too.
	res = find(t, st, "프로세스", "en")
	if got := hitIDs(res); !reflect.DeepEqual(got, []string{"cs/process"}) {
		t.Fatalf("프로세스 in en = %v", got)
	}
	if got, want := string(res.Hits[0].Item), `{"slug":"cs/process","lang":"ko"}`; got != want {
		t.Errorf("item = %s, want %s", got, want)
	}
	// A language the index has no payload in finds nothing.
	if got := hitIDs(find(t, st, "프로세스", "fr")); len(got) != 0 {
		t.Errorf("search in fr = %v", got)
	}
}

func TestSearchCategory(t *testing.T) {
	st := searchCorpus(t)
	for _, tt := range []struct {
		cat  string
		want []string
	}{
		{"cs", []string{"cs/process", "cs/bottleneck"}},
		{"python", []string{"python/pool"}},
		{"go", []string{}},
		{"nope", []string{}},
	} {
		if got := hitIDs(findIn(t, st, "풀", "ko", tt.cat)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("풀 in category %s = %v, want %v", tt.cat, got, tt.want)
		}
	}
}

// TestSearchRanking: title outweighs description, which outweighs body; on
// a tie the newer post comes first.
func TestSearchRanking(t *testing.T) {
	st := openStore(t)
	body := "filler text that goes on for a while. "
	run(t, st, put(
		findPost("cs/in-body", "2025-01-01", sdoc{"en", "Something", "Other", strings.Repeat(body, 3) + "kernel"}),
		findPost("cs/in-title", "2020-01-01", sdoc{"en", "The kernel", "Other", strings.Repeat(body, 3)}),
		findPost("cs/in-desc", "2021-01-01", sdoc{"en", "Something", "About the kernel", strings.Repeat(body, 3)}),
		findPost("cs/tie-old", "2022-01-01", sdoc{"en", "Same", "Same", "the kernel"}),
		findPost("cs/tie-new", "2023-01-01", sdoc{"en", "Same", "Same", "the kernel"}),
	))
	got := hitIDs(find(t, st, "kernel", "en"))
	want := []string{"cs/in-title", "cs/in-desc", "cs/tie-new", "cs/tie-old", "cs/in-body"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kernel = %v, want %v", got, want)
	}
	// The word table ranks the same way.
	got = hitIDs(find(t, st, "ke", "en"))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ke = %v, want %v", got, want)
	}
}

// setSearchWindow sets store.SearchWindow to n for the rest of the test.
func setSearchWindow(t *testing.T, n int) {
	old := store.SearchWindow
	store.SearchWindow = n
	t.Cleanup(func() { store.SearchWindow = old })
}

// TestSearchWindow: only the newest SearchWindow matches are ranked, and the
// answer says so.
func TestSearchWindow(t *testing.T) {
	setSearchWindow(t, 3)
	st := openStore(t)
	run(t, st, put(
		findPost("cs/a", "2020-01-01", sdoc{"en", "kernel kernel", "", ""}),
		findPost("cs/b", "2021-01-01", sdoc{"en", "x", "", "kernel"}),
		findPost("cs/c", "2022-01-01", sdoc{"en", "x", "", "kernel"}),
		findPost("cs/d", "2023-01-01", sdoc{"en", "x", "kernel", ""}),
	))
	res := find(t, st, "kernel", "en")
	if got, want := hitIDs(res), []string{"cs/d", "cs/c", "cs/b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("hits = %v, want %v (the oldest match is past the window)", got, want)
	}
	if res.Total != 3 || !res.Capped {
		t.Errorf("total %d capped %v, want 3 true", res.Total, res.Capped)
	}
	res = find(t, st, "kernel", "ko") // cs/* have no Korean: they fall back to English
	if res.Total != 3 || !res.Capped {
		t.Errorf("ko: total %d capped %v, want 3 true", res.Total, res.Capped)
	}
	res = findIn(t, st, "kernel", "en", "go")
	if res.Total != 0 || res.Capped || len(res.Hits) != 0 {
		t.Errorf("empty category: %+v", res)
	}
}

// Search documents are numbered by day: the window reads the newest days
// first, before 1970 too; a day with more documents than it numbers still
// stores and finds every one (its last ones sort as a little later), and
// rebuilds of a day's posts stay in their day.
func TestSearchIDsByDay(t *testing.T) {
	defer store.SetSearchIDDay(2)()
	st := openStore(t)
	run(t, st, put(
		findPost("cs/before-epoch", "1969-12-31", sdoc{"en", "kernel", "", ""}),
		findPost("cs/epoch", "1970-01-01", sdoc{"en", "kernel", "", ""}),
		findPost("cs/next-day", "2022-01-02", sdoc{"en", "kernel", "", ""}),
		findPost("cs/a", "2022-01-01", sdoc{"en", "kernel", "", ""}),
		findPost("cs/b", "2022-01-01", sdoc{"en", "kernel", "", ""}),
		findPost("cs/c", "2022-01-01", sdoc{"en", "kernel", "", ""}),
	))
	res := find(t, st, "kernel", "en")
	got := hitIDs(res)
	slices.Sort(got)
	if want := []string{"cs/a", "cs/b", "cs/before-epoch", "cs/c", "cs/epoch", "cs/next-day"}; !slices.Equal(got, want) || res.Capped {
		t.Errorf("hits %v (capped %v), want every post %v", got, res.Capped, want)
	}
	setSearchWindow(t, 5)
	if got := hitIDs(find(t, st, "kernel", "en")); slices.Contains(got, "cs/before-epoch") {
		t.Errorf("window of 5 ranked %v: the oldest, dated before 1970, is past it", got)
	}
	store.SearchWindow = 4
	if got := hitIDs(find(t, st, "kernel", "en")); slices.Contains(got, "cs/epoch") || !slices.Contains(got, "cs/next-day") {
		t.Errorf("window of 4 ranked %v: want the newest day in, 1970 out", got)
	}

	// Rebuilds of a day's posts take the ids they left free, not ids
	// past newer days.
	st = openStore(t)
	run(t, st, put(
		findPost("cs/old-a", "2010-01-01", sdoc{"en", "kernel", "", ""}),
		findPost("cs/old-b", "2010-01-01", sdoc{"en", "kernel", "", ""}),
		findPost("cs/new", "2024-01-01", sdoc{"en", "kernel", "", ""}),
	))
	for range 5 {
		run(t, st, put(findPost("cs/old-a", "2010-01-01", sdoc{"en", "kernel", "", ""})))
	}
	store.SearchWindow = 1
	if got := hitIDs(find(t, st, "kernel", "en")); !slices.Equal(got, []string{"cs/new"}) {
		t.Errorf("window of 1 after rebuilds ranked %v, want the newest post [cs/new]", got)
	}
}

// TestSearchRebuildDelete: a rebuilt post is found by its new text only, a
// deleted one not at all.
func TestSearchRebuildDelete(t *testing.T) {
	st := searchCorpus(t)
	run(t, st, put(findPost("cs/bottleneck", "2024-05-01", sdoc{"en", "Renamed", "", "nothing here"})))
	if got := hitIDs(find(t, st, "병목", "ko")); !reflect.DeepEqual(got, []string{"cs/process"}) {
		t.Errorf("병목 after rebuild = %v", got)
	}
	if got := hitIDs(find(t, st, "Renamed", "ko")); !reflect.DeepEqual(got, []string{"cs/bottleneck"}) {
		t.Errorf("Renamed after rebuild = %v (Korean now falls back to English)", got)
	}
	run(t, st, del("cs/bottleneck", "python/pool"))
	for _, q := range []string{"Renamed", "ThreadPoolExecutor", "풀"} {
		for _, l := range []string{"ko", "en"} {
			for _, h := range find(t, st, q, l).Hits {
				if h.PostID == "cs/bottleneck" || h.PostID == "python/pool" {
					t.Errorf("%s in %s: deleted post %s found", q, l, h.PostID)
				}
			}
		}
	}
}

func TestSearchSnippet(t *testing.T) {
	st := searchCorpus(t)
	long := strings.Repeat("앞부분 문장입니다. ", 30) + "여기에 특이단어가 있습니다.\n\n\t그리고   " + strings.Repeat("뒷부분 문장입니다. ", 30)
	run(t, st, put(findPost("cs/long", "2018-01-01", sdoc{"ko", "긴 글", "설명", long}),
		findPost("cs/cava", "2017-01-01", sdoc{"en", "French", "", "Ça va? Un café crème, s'il vous plaît."})))
	tests := []struct {
		q, lang, want string
	}{
		// The text is escaped; only the marks are markup.
		{"script", "en", `A comment with &lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt; runs unless escaped: AT&amp;T.`},
		{"AT&T", "en", `A comment with &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; runs unless escaped: <mark>AT&amp;T</mark>.`},
		// Matched only in the title: the title is the snippet.
		{"HTML", "en", `Escaping &lt;<mark>HTML</mark>&gt;`},
		// A word-table term is marked where a word starts, not inside one.
		{"스레", "ko", `concurrent.futures.ThreadPoolExecutor는 <mark>스레</mark>드를 미리 만듭니다. 멀티스레딩 입문.`},
		// The word table drops the marks off letters.
		{"ca", "en", `<mark>Ça</mark> va? Un <mark>ca</mark>fé crème, s&#39;il vous plaît.`},
		{"plai", "en", `Ça va? Un café crème, s&#39;il vous <mark>plaî</mark>t.`},
		{"Ça", "en", `<mark>Ça</mark> va? Un <mark>ca</mark>fé crème, s&#39;il vous plaît.`},
		// Overlapping terms make one mark.
		{"프로세 로세스", "ko", `각 <mark>프로세스</mark>는 독립된 메모리를 씁니다. 병목 현상을 풀 때 <mark>프로세스</mark> 풀을 씁니다.`},
		// A long text is cut around the match, whitespace collapsed; a
		// Korean phrase matches over any run of spaces.
		{`"그리고 뒷부분"`, "ko", `…여기에 특이단어가 있습니다. <mark>그리고 뒷부분</mark> 문장입니다. 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분…`},
		// No match spans a line break.
		{`"있습니다. 그리고"`, "ko", ``},
		{"특이단어", "ko", `…앞부분 문장입니다. 여기에 <mark>특이단어</mark>가 있습니다. 그리고 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분 문장입니다. 뒷부분…`},
	}
	for _, tt := range tests {
		res := find(t, st, tt.q, tt.lang)
		if tt.want == "" {
			if len(res.Hits) != 0 {
				t.Errorf("%q: hits %v, want none", tt.q, hitIDs(res))
			}
			continue
		}
		if len(res.Hits) == 0 {
			t.Errorf("%q: no hits", tt.q)
			continue
		}
		if got := res.Hits[0].Snippet; got != tt.want {
			t.Errorf("%q snippet:\n got %s\nwant %s", tt.q, got, tt.want)
		}
	}
}

// TestSearchHostileQueries: nothing a user types is FTS5 syntax, so no query
// is an error, whatever it holds.
func TestSearchHostileQueries(t *testing.T) {
	st := searchCorpus(t)
	for _, q := range []string{
		`"`, `""`, `"""`, `'`, `*`, `**`, `병목*`, `*병목`, `-병목`, `+병목`, `^병목`, `병목:`, `title:병목`, `{title}:병목`,
		`NEAR(병목 풀)`, `NEAR(프로세스 풀, 3)`, `병목 AND 풀`, `병목 OR`, `NOT 풀`, `AND`, `(`, `)`, `((((`, `(병목`, `병목)`,
		`"병목`, `병목"`, `"병목" "풀"`, `a"b`, `\`, `\"`, `'); DROP TABLE posts; --`, `%`, `_`, `%병목%`,
		"\x00", "가\x00나다", "\u200b\u200b\u200b", "🙂🙂🙂", "🙂", "a\u0301b", strings.Repeat("(", 100),
		strings.Repeat(`"`, 101), strings.Repeat("병목 ", store.MaxQueryTerms), strings.Repeat("x", store.MaxQueryRunes),
	} {
		terms, err := store.ParseQuery(q)
		if err != nil {
			if !errors.Is(err, store.ErrBadQuery) {
				t.Errorf("ParseQuery(%q): %v", q, err)
			}
			continue
		}
		for _, l := range []string{"ko", "en"} {
			if _, err := st.Search(context.Background(), store.SearchQuery{Terms: terms, Lang: l, Limit: 10}); err != nil {
				t.Errorf("Search(%q, %s): %v", q, l, err)
			}
		}
	}
}

func TestTrigramText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"only English words here", ""},
		{"영어 English words here 그리고 more text", "영어 English\nhere 그리고 more"},
		{"CPU 사용률과   디스크 I/O", "CPU 사용률과 디스크 I/O"},
		{"sync.Mutex와 RWMutex를 씁니다.", "sync.Mutex와 RWMutex를 씁니다."},
		{"first line 가나\nnext line\n\t다라  마바\r\nend", "line 가나\n다라 마바"},
		{"가", "가"},
		{"", ""},
	} {
		if got := store.TrigramText(tt.in); got != tt.want {
			t.Errorf("TrigramText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWordText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"only English words here", "only English words here"},
		{"병목이 어디인지 측정합니다.", "병목 어디 측정."},
		{"프로세스와 스레드 풀", "프로 스레 풀"},
		// A word that starts in another script is kept whole: goroutine
		// must still find goroutine은.
		{"goroutine은 sync.Mutex와 C언어", "goroutine은 sync.Mutex와 C언어"},
		{"(괄호)안의_밑줄뒤 3개", "(괄호)안의_밑줄 3개"},
		{"漢字かなカナ文", "漢字"},
		// A mark ends the cut run and continues the token: ี stays.
		{"ภาษาไทยเขียน", "ภาียน"},
		{"", ""},
	} {
		if got := store.WordText(tt.in); got != tt.want {
			t.Errorf("WordText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSearchUnspacedScripts: Thai, like Korean, is written without spaces
// between words: a term of it is found inside a word, and a short one as
// the start of a word, whose rest the word table does not keep.
func TestSearchUnspacedScripts(t *testing.T) {
	st := openStore(t)
	run(t, st, put(
		findPost("web/thai", "2022-01-01", sdoc{"en", "ภาษาไทย", "", "ภาษาไทยเขียนติดกัน ไม่มีช่องว่าง"}),
		findPost("web/ko", "2022-01-02", sdoc{"en", "한국어", "", "한국어는 띄어쓰기를 합니다. 병목이 reads jobs 그리고"}),
	))
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"ไทย", []string{"web/thai"}},
		{"ภา", []string{"web/thai"}},
		{"ไท", []string{}},
		{"띄어", []string{"web/ko"}},
		{"어쓰기", []string{"web/ko"}},
		{"병", []string{"web/ko"}},
		{`"reads jobs"`, []string{"web/ko"}},
	} {
		if got := hitIDs(find(t, st, tt.q, "en")); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("search %q = %v, want %v", tt.q, got, tt.want)
		}
	}
}

// A search document's body is read from its file's rendering: the snippet
// follows the rendering stored last, and a document whose rendering is
// missing is still found, its snippet cut from the title.
func TestSearchBodyFromRendering(t *testing.T) {
	st := openStore(t)
	p := findPost("cs/render", "2024-01-01", sdoc{"en", "Kernel notes", "", "the scheduler picks a kernel thread"})
	run(t, st, put(p))
	if res := find(t, st, "scheduler", "en"); len(res.Hits) != 1 || res.Hits[0].Snippet != "the <mark>scheduler</mark> picks a kernel thread" {
		t.Errorf("scheduler: %+v", res.Hits)
	}
	// The file's rendering alone replaced: the snippet is cut from it.
	run(t, st, func(ctx context.Context, tx *store.Tx) error {
		f := store.FileRecord{FileState: store.FileState{Path: p.Search[0].Path, Kind: "post", Hash: "h2"}, Meta: []byte(`{}`),
			Text: "the scheduler now picks a kernel thread"}
		return tx.PutFile(ctx, f)
	})
	if res := find(t, st, "scheduler", "en"); len(res.Hits) != 1 || res.Hits[0].Snippet != "the <mark>scheduler</mark> now picks a kernel thread" {
		t.Errorf("scheduler after the rendering changed: %+v", res.Hits)
	}
	run(t, st, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteFile(ctx, p.Search[0].Path) })
	if res := find(t, st, "kernel", "en"); len(res.Hits) != 1 || res.Hits[0].Snippet != "<mark>Kernel</mark> notes" {
		t.Errorf("kernel without a rendering: %+v", res.Hits)
	}
}

// Text written decomposed (as some editors save Hangul) is stored composed,
// as queries are: the snippet marks it.
func TestSearchDecomposedBody(t *testing.T) {
	st := openStore(t)
	decomposed := "\u1111\u1173\u1105\u1169\u1109\u1166\u1109\u1173 풀" // 프로세스 풀
	run(t, st, put(findPost("cs/nfd", "2024-01-01", sdoc{"ko", "제목", "", decomposed})))
	for _, q := range []string{"프로세스", "풀"} {
		res := find(t, st, q, "ko")
		if len(res.Hits) != 1 || !strings.Contains(res.Hits[0].Snippet, "<mark>"+q+"</mark>") {
			t.Errorf("%s: %+v", q, res.Hits)
		}
	}
}

// A quoted phrase with a space matches where the phrase is, as typed: the
// trigram table keeps one trigram of each space, so where that does not
// pin the phrase down (a word shorter than a trigram), what the table finds
// is checked against the text.
func TestSearchPhrases(t *testing.T) {
	st := openStore(t)
	run(t, st, put(
		findPost("cs/gap", "2024-01-01", sdoc{"ko", "제목", "", "가비지 컬렉션은 느립니다. 서버병목 현상이 생깁니다."}),
		// 지 컬, the trigram of the gap of "비지 컬렉", is here too.
		findPost("cs/between", "2024-01-02", sdoc{"ko", "제목", "", "가비지 또 컬렉션이 있고 이모지 컬러도 있습니다. 병목 \n현상은 줄바꿈 뒤입니다."}),
		findPost("cs/cpu", "2024-01-03", sdoc{"ko", "CPU 사용률 보기", "", "메모리  사용률과 Disk 사용률"}),
		findPost("cs/bang", "2024-01-04", sdoc{"ko", "제목", "", "정말 가나 !! 입니다. 다른 글 !!"}),
		findPost("cs/twice", "2024-01-06", sdoc{"ko", "제목", "", "가나다 또또 라마바"}),
		findPost("cs/other", "2024-01-05", sdoc{"en", "Other", "", "nothing of that here: 가비지컬렉션 병목현상"}),
	))
	for _, tt := range []struct {
		q, lang  string
		category string
		want     []string
	}{
		{`"가비지 컬렉션"`, "ko", "", []string{"cs/gap"}},
		{`"비지 컬렉"`, "ko", "", []string{"cs/gap"}},
		{`"이모지 컬렉"`, "ko", "", []string{}},
		{`"가비지 또 컬렉션"`, "ko", "", []string{"cs/between"}},
		// The first word may end a longer one, the last start one.
		{`"병목 현상"`, "ko", "", []string{"cs/gap"}},
		{`"병목 현상이"`, "ko", "", []string{"cs/gap"}},
		// Case folded, any run of spaces, title and body alike.
		{`"cpu 사용률"`, "ko", "", []string{"cs/cpu"}},
		{`"메모리 사용률과 disk"`, "ko", "", []string{"cs/cpu"}},
		{`"disk 사용"`, "ko", "", []string{"cs/cpu"}},
		// A word of one character in the middle is not one of two.
		{`"가나다 또 라마바"`, "ko", "", []string{}},
		{`"가나다 또또 라마바"`, "ko", "", []string{"cs/twice"}},
		{`"다 또또 라"`, "ko", "", []string{"cs/twice"}},
		// Words without a letter.
		{`"가나 !!"`, "ko", "", []string{"cs/bang"}},
		{`"가나 !!"`, "ko", "go", []string{}},
		{`"글 !!"`, "ko", "cs", []string{"cs/bang"}},
		// Not across a line, and each phrase whole.
		{`"병목 현상은"`, "ko", "", []string{}},
		{`"가비지 컬렉션" "또 컬렉션"`, "ko", "", []string{}},
		{`"가비지 컬렉션" 느립니다`, "ko", "", []string{"cs/gap"}},
		{`"컬렉션 가비지"`, "ko", "", []string{}},
	} {
		if got := hitIDs(findIn(t, st, tt.q, tt.lang, tt.category)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("search %q in %s %s = %v, want %v", tt.q, tt.lang, tt.category, got, tt.want)
		}
	}
}

// The trigram table's tokenizer keeps the trigrams inside words, in order,
// and of those across a space only the one centred on it; none across a
// line break.
func TestTrigramTokenizer(t *testing.T) {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "tok.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE VIRTUAL TABLE tri USING fts5(body, tokenize = 'geul_trigram')`,
		`CREATE VIRTUAL TABLE vocab USING fts5vocab(tri, 'instance')`,
		`INSERT INTO tri(rowid, body) VALUES(1, '병목이 현상은 ` + "\n" + `CPU 사용률')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rows, err := db.Query(`SELECT term FROM vocab ORDER BY offset`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var term string
		if err := rows.Scan(&term); err != nil {
			t.Fatal(err)
		}
		got = append(got, term)
	}
	if want := []string{"병목이", "이 현", "현상은", "cpu", "u 사", "사용률"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tokens %q, want %q", got, want)
	}
}

// A phrase the trigram table cannot match exactly is checked in the newest
// candidates only, four windows of them; an answer that stopped there says
// more may match.
func TestSearchPhraseCandidates(t *testing.T) {
	setSearchWindow(t, 2)
	st := openStore(t)
	var posts []store.PostRecord
	for i := 1; i <= 8; i++ {
		posts = append(posts, findPost(fmt.Sprintf("cs/decoy%d", i), fmt.Sprintf("2024-01-%02d", i), sdoc{"ko", "제목", "", "이모지 컬러"}))
	}
	for i := 1; i <= 3; i++ {
		posts = append(posts, findPost(fmt.Sprintf("web/decoy%d", i), fmt.Sprintf("2024-02-%02d", i), sdoc{"ko", "제목", "", "이모지 컬러"}))
	}
	posts = append(posts,
		findPost("cs/real", "2020-01-01", sdoc{"ko", "제목", "", "가비지 컬렉션"}),
		findPost("web/real", "2020-01-02", sdoc{"ko", "제목", "", "가비지 컬렉션"}))
	run(t, st, put(posts...))
	for _, tt := range []struct {
		category string
		want     []string
		capped   bool
	}{
		{"cs", []string{}, true},
		{"web", []string{"web/real"}, false},
		{"", []string{}, true},
	} {
		res := findIn(t, st, `"비지 컬렉"`, "ko", tt.category)
		if got := hitIDs(res); !reflect.DeepEqual(got, tt.want) || res.Capped != tt.capped || res.Total != len(tt.want) {
			t.Errorf("in %q: hits %v total %d capped %v, want %v capped %v", tt.category, got, res.Total, res.Capped, tt.want, tt.capped)
		}
	}
}
