package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

var updateSearchGolden = flag.Bool("update", false, "rewrite testdata/search/golden.json from the answers")

// searchContent is the known search corpus: hand-written Korean and English
// posts, the seed post among them, and drafts whose words must never be found.
const searchContent = "testdata/search/content"

// searchEnv is geul's server over a real index of searchContent.
type searchEnv struct {
	db  string
	srv *server.Server
}

func newSearchEnv(tb testing.TB) *searchEnv {
	tb.Helper()
	db := filepath.Join(tb.TempDir(), "index.db")
	_, s := indexed(tb, searchContent, db)
	return &searchEnv{db: db, srv: s}
}

func (e *searchEnv) get(method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func searchURL(q, lang, category string, limit int) string {
	v := url.Values{"q": {q}}
	if lang != "" {
		v.Set("lang", lang)
	}
	if category != "" {
		v.Set("category", category)
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	return "/search?" + v.Encode()
}

func (e *searchEnv) search(t *testing.T, target string) (api.SearchResponse, []json.RawMessage) {
	t.Helper()
	rec := e.get(http.MethodGet, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200: %s", target, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", target, ct)
	}
	var res api.SearchResponse
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("GET %s: %v\n%.300s", target, err, rec.Body)
	}
	var raw struct{ Hits []json.RawMessage }
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	return res, raw.Hits
}

// goldenQuery is one entry of testdata/search/golden.json: a query and the
// posts it finds, in order.
type goldenQuery struct {
	// Class says what the query exercises: ko1, ko2 and ko3 (Korean of 1, 2,
	// 3+ syllables), en, code, mixed, phrase, syntax, draft, filter.
	Class    string   `json:"class"`
	Q        string   `json:"q"`
	Lang     string   `json:"lang,omitempty"`
	Category string   `json:"category,omitempty"`
	Hits     []string `json:"hits"`
	Note     string   `json:"note,omitempty"`
}

const goldenPath = "testdata/search/golden.json"

func readGolden(tb testing.TB) []goldenQuery {
	tb.Helper()
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		tb.Fatal(err)
	}
	var gs []goldenQuery
	if err := json.Unmarshal(data, &gs); err != nil {
		tb.Fatalf("%s: %v", goldenPath, err)
	}
	return gs
}

// TestSearchGolden runs every golden query against the known corpus and
// compares the hits, in order. go test -run TestSearchGolden -update rewrites
// the expected hits from the answers (review the diff).
func TestSearchGolden(t *testing.T) {
	e := newSearchEnv(t)
	gs := readGolden(t)
	classes := map[string]int{}
	for i, g := range gs {
		classes[g.Class]++
		res, raw := e.search(t, searchURL(g.Q, g.Lang, g.Category, 50))
		got := []string{}
		for k, h := range res.Hits {
			got = append(got, h.Slug)
			checkSnippet(t, g.Q, h.Snippet)
			checkHitIsItem(t, e, g, raw[k])
		}
		if res.Meta.Total != len(got) || res.Meta.Capped {
			t.Errorf("%q: meta %+v with %d hits", g.Q, res.Meta, len(got))
		}
		if *updateSearchGolden {
			gs[i].Hits = got
			continue
		}
		if !reflect.DeepEqual(got, g.Hits) {
			t.Errorf("%s query %q (lang %q, category %q):\n got %q\nwant %q", g.Class, g.Q, g.Lang, g.Category, got, g.Hits)
		}
	}
	if *updateSearchGolden {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(gs); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if len(gs) < 40 {
		t.Errorf("%d golden queries, want at least 40", len(gs))
	}
	for _, c := range []string{"ko1", "ko2", "ko3", "en", "code", "mixed", "phrase", "syntax", "draft", "filter"} {
		if classes[c] == 0 {
			t.Errorf("no golden query of class %s", c)
		}
	}
}

// checkSnippet: a snippet is escaped text whose only markup is balanced
// <mark></mark> pairs, and it shows a match.
func checkSnippet(t *testing.T, q, s string) {
	t.Helper()
	if strings.Count(s, "<mark>") == 0 || strings.Count(s, "<mark>") != strings.Count(s, "</mark>") {
		t.Errorf("%q: snippet marks unbalanced or missing: %s", q, s)
	}
	rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
	if strings.ContainsAny(rest, `<>"'`) {
		t.Errorf("%q: snippet has unescaped markup: %s", q, s)
	}
	for _, part := range strings.Split(rest, "&")[1:] {
		if semi := strings.IndexByte(part, ';'); semi < 2 || semi > 5 {
			t.Errorf("%q: snippet has a bare &: %s", q, s)
		}
	}
}

// checkHitIsItem: a hit is the post's list item in the language, key for key,
// plus the snippet.
func checkHitIsItem(t *testing.T, e *searchEnv, g goldenQuery, raw json.RawMessage) {
	t.Helper()
	var hit map[string]json.RawMessage
	if err := json.Unmarshal(raw, &hit); err != nil {
		t.Fatal(err)
	}
	var slug string
	if err := json.Unmarshal(hit["slug"], &slug); err != nil {
		t.Fatal(err)
	}
	rec := e.get(http.MethodGet, "/posts/"+slug+"?lang="+firstNonEmpty(g.Lang, "ko"))
	var post struct{ Post map[string]json.RawMessage }
	if err := json.Unmarshal(rec.Body.Bytes(), &post); err != nil {
		t.Fatalf("post %s: %v", slug, err)
	}
	delete(hit, "snippet")
	for k, v := range hit {
		if !bytes.Equal(v, post.Post[k]) {
			t.Errorf("%q: hit %s key %s = %s, post has %s", g.Q, slug, k, v, post.Post[k])
		}
	}
	for k := range post.Post {
		if _, ok := hit[k]; !ok && k != "content" && k != "html" && k != "files" {
			t.Errorf("%q: hit %s lacks key %s", g.Q, slug, k)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// TestSearchWordTermsVsLike measures the word table, which serves every term
// but a Korean one of 3 characters or more, against what a LIKE scan (a
// substring anywhere) finds, over every golden query with such a term. A
// word-table term matches the start of words, so it misses a term inside a
// word (스레 in 멀티스레딩, go in category); the golden queries it must serve,
// 병목 and 풀, find the same posts as the scan.
func TestSearchWordTermsVsLike(t *testing.T) {
	e := newSearchEnv(t)
	db, err := sql.Open("sqlite3", "file:"+e.db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	same, short := map[bool]int{}, map[bool]int{}
	for _, g := range readGolden(t) {
		terms, err := store.ParseQuery(g.Q)
		if err != nil || !slices.ContainsFunc(terms, func(t store.Term) bool { return !t.Substring }) {
			continue
		}
		hangul := strings.ContainsFunc(g.Q, func(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 })
		short[hangul]++
		lang := firstNonEmpty(g.Lang, "ko")
		q := `SELECT d.post_id, d.title, d.description, r.data FROM search_docs d JOIN renders r ON r.path = d.path
			JOIN search_serves s ON s.doc_id = d.id AND s.lang = ? WHERE 1`
		args := []any{lang}
		if g.Category != "" {
			q += ` AND s.category = ?`
			args = append(args, g.Category)
		}
		rows, err := db.Query(q+` ORDER BY d.post_id`, args...)
		if err != nil {
			t.Fatal(err)
		}
		// LIKE's match: a substring, ASCII letters in either case.
		like := []string{}
		for rows.Next() {
			var (
				id, title, desc string
				render          []byte
			)
			if err := rows.Scan(&id, &title, &desc, &render); err != nil {
				t.Fatal(err)
			}
			body, err := store.UnpackRenderText(render)
			if err != nil {
				t.Fatal(err)
			}
			text := asciiLower(title + " " + desc + " " + body)
			if !slices.ContainsFunc(terms, func(term store.Term) bool { return !strings.Contains(text, asciiLower(term.Text)) }) {
				like = append(like, id)
			}
		}
		rows.Close()
		res, _ := e.search(t, searchURL(g.Q, g.Lang, g.Category, 50))
		got := []string{}
		for _, h := range res.Hits {
			got = append(got, h.Slug)
		}
		slices.Sort(got)
		if reflect.DeepEqual(got, like) {
			same[hangul]++
			continue
		}
		t.Logf("%q: prefix search finds %v, a LIKE scan %v", g.Q, got, like)
		if g.Q == "병목" || g.Q == "풀" {
			t.Errorf("%q: prefix search finds %v, a LIKE scan %v", g.Q, got, like)
		}
	}
	t.Logf("golden queries with a word-table term: Korean %d of %d, others %d of %d find what a LIKE scan finds",
		same[true], short[true], same[false], short[false])
	if short[true] == 0 || short[false] == 0 {
		t.Error("no golden query has a Korean or a non-Korean word-table term")
	}
}

func TestSearchBadRequests(t *testing.T) {
	e := newSearchEnv(t)
	for _, target := range []string{
		"/search",
		"/search?q=",
		"/search?q=%20%20%09",
		"/search?" + url.Values{"q": {strings.Repeat("가", 1000)}}.Encode(),
		"/search?" + url.Values{"q": {"a1 a2 a3 a4 a5 a6 a7 a8 a9 b1 b2 b3 b4"}}.Encode(),
		"/search?q=%ff%fe",
		"/search?q=go&limit=0",
		"/search?q=go&limit=-1",
		"/search?q=go&limit=ten",
		"/search?q=go&limit=",
		"/search?q=go&lang=fr",
		"/search?q=go&lang=en-",
		"/search?q=go&category=Bad!",
		"/search?q=go&category=",
	} {
		rec := e.get(http.MethodGet, target)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400: %s", target, rec.Code, rec.Body)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("GET %s: Content-Type %q", target, ct)
		}
		var p api.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 400 || p.Detail == "" {
			t.Errorf("GET %s: problem %+v (%v)", target, p, err)
		}
	}
}

func TestSearchLimitAndMeta(t *testing.T) {
	e := newSearchEnv(t)
	res, _ := e.search(t, searchURL("풀", "ko", "", 0))
	if res.Query != "풀" || res.Meta.Limit != 10 || res.Meta.Lang != "ko" || res.Meta.Total != len(res.Hits) || len(res.Hits) < 3 {
		t.Fatalf("default: %+v", res)
	}
	all := len(res.Hits)
	res, _ = e.search(t, searchURL("풀", "ko", "", 1))
	if len(res.Hits) != 1 || res.Meta.Total != all || res.Meta.Limit != 1 {
		t.Errorf("limit 1: %d hits, meta %+v", len(res.Hits), res.Meta)
	}
	res, _ = e.search(t, searchURL("풀", "ko", "", 1000))
	if res.Meta.Limit != 50 || len(res.Hits) != all {
		t.Errorf("limit 1000: %d hits, meta %+v", len(res.Hits), res.Meta)
	}
	res, _ = e.search(t, "/search?q=%20%20%ED%94%84%EB%A1%9C%EC%84%B8%20%20%20%ED%92%80%20")
	if res.Query != "프로세 풀" {
		t.Errorf("query %q, want the whitespace collapsed", res.Query)
	}
	// Without lang, Accept-Language picks, and the answer varies by it.
	req := httptest.NewRequest(http.MethodGet, "/search?q=goroutine", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"lang":"en"}}`) || rec.Header().Get("Content-Language") != "en" ||
		!strings.Contains(rec.Header().Get("Vary"), "Accept-Language") {
		t.Errorf("Accept-Language en: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// TestSearchHeadAndValidators: over real HTTP, HEAD answers GET's headers
// without the body, and the ETag turns a repeated search into a 304.
func TestSearchHeadAndValidators(t *testing.T) {
	e := newSearchEnv(t)
	hs := httptest.NewServer(e.srv)
	t.Cleanup(hs.Close)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	do := func(method, etag string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, hs.URL+searchURL("병목", "ko", "", 0), nil)
		if err != nil {
			t.Fatal(err)
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	get, getBody := do(http.MethodGet, "")
	head, headBody := do(http.MethodHead, "")
	if get.StatusCode != 200 || head.StatusCode != 200 || len(headBody) != 0 || len(getBody) == 0 {
		t.Fatalf("GET %d with %d bytes, HEAD %d with %d bytes", get.StatusCode, len(getBody), head.StatusCode, len(headBody))
	}
	etag := get.Header.Get("ETag")
	if etag == "" || head.Header.Get("ETag") != etag || head.Header.Get("Content-Length") != get.Header.Get("Content-Length") {
		t.Errorf("GET headers %v, HEAD headers %v", get.Header, head.Header)
	}
	if resp, _ := do(http.MethodGet, etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
}

// TestSearchDrafts: a draft's words are found in no language, neither a
// draft post's nor a draft translation's, nor a draft's title.
func TestSearchDrafts(t *testing.T) {
	e := newSearchEnv(t)
	for _, q := range []string{"초안전용어", "비밀병기", "비밀 초안", "번역초안", "번역 중인 초안", "컨텍스트 취소"} {
		for _, lang := range []string{"ko", "en"} {
			if res, _ := e.search(t, searchURL(q, lang, "", 50)); len(res.Hits) != 0 {
				t.Errorf("%q in %s: draft found: %+v", q, lang, res.Hits)
			}
		}
	}
	// The published English file of the post with a draft translation is found.
	res, _ := e.search(t, searchURL("Cancellation", "ko", "", 0))
	if len(res.Hits) != 1 || res.Hits[0].Slug != "go/context" || res.Hits[0].Lang != "en" {
		t.Errorf("Cancellation in ko: %+v", res.Hits)
	}
}

// FuzzSearch: whatever q, lang and limit hold, /search answers 200 with a
// well-formed body or a 400 problem, never a 5xx. It searches a real index
// of the known corpus, built once per fuzzing process.
func FuzzSearch(f *testing.F) {
	for _, g := range readGolden(f) {
		f.Add(g.Q, firstNonEmpty(g.Lang, "ko"), "10")
	}
	e := newSearchEnv(f)
	f.Fuzz(func(t *testing.T, q, lang, limit string) {
		// Most inputs search a site language, so that q reaches the index.
		lang = []string{"ko", "en", "", lang}[len(q)%4]
		v := url.Values{"q": {q}, "lang": {lang}, "limit": {limit}}
		rec := e.get(http.MethodGet, "/search?"+v.Encode())
		switch rec.Code {
		case http.StatusOK:
			var res api.SearchResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatalf("q %q: 200 with a bad body: %v", q, err)
			}
			for _, h := range res.Hits {
				checkSnippet(t, q, h.Snippet)
			}
		case http.StatusBadRequest:
		default:
			t.Fatalf("q %q lang %q limit %q: status %d: %s", q, lang, limit, rec.Code, rec.Body)
		}
	})
}

// TestSearchClient: the Go client's Search sends the options and decodes the
// answer; a bad query comes back as a *api.Problem.
func TestSearchClient(t *testing.T) {
	e := newSearchEnv(t)
	hs := httptest.NewServer(e.srv)
	t.Cleanup(hs.Close)
	c, err := api.NewClient(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := c.Search(ctx, "풀", &api.SearchOptions{Lang: "ko", Category: "db", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].Slug != "db/connection-pool" || res.Meta.Limit != 5 || !strings.Contains(res.Hits[0].Snippet, "<mark>풀</mark>") {
		t.Errorf("Search: %+v", res)
	}
	_, err = c.Search(ctx, " ", nil)
	var p *api.Problem
	if !errors.As(err, &p) || p.Status != http.StatusBadRequest {
		t.Errorf("empty q: %v", err)
	}
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
