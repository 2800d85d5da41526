package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/repr"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
	"github.com/geul-dev/geul/internal/testutil"
)

// listSite is the content of the list tests: 24 posts over three categories
// (every third with an English file), a post with a slash and a Korean tag,
// and drafts: one in a category of published posts carrying a tag no
// published post has, one alone in its category, and an English draft of a
// published Korean post.
func listSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, data string) { testutil.WriteFile(t, dir, rel, data) }
	cats := []string{"cs", "go", "web"}
	for k, c := range cats {
		write(c+"/_category.yaml", fmt.Sprintf("name:\n  ko: 분류 %s\n  en: Category %s\ndescription:\n  ko: 설명 %s\n  en: About %s\norder: %d\n", c, c, c, c, 3-k))
	}
	write("hidden/_category.yaml", "name:\n  ko: 숨김\n  en: Hidden\norder: 9\n")
	pool := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}
	start := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 24 {
		c := cats[i%len(cats)]
		date := start.AddDate(0, 0, (i*211)%2500).Format(time.DateOnly)
		tags := []string{pool[i%len(pool)], pool[(i*5+2)%len(pool)]}
		if i%4 == 0 {
			tags = tags[:1]
		}
		name := fmt.Sprintf("%s/post-%02d", c, i)
		// Titles in another order than dates, so sort=title is seen.
		write(name+".ko.md", listPost(fmt.Sprintf("제목 %02d", (i*7)%24), date, false, tags...))
		if i%3 == 0 {
			write(name+".en.md", listPost(fmt.Sprintf("Title %02d", (i*7)%24), date, false, tags...))
		}
	}
	write("web/tagged.ko.md", listPost("태그", "2018-06-01", false, "c/c++", "파이썬", "100%"))
	write("web/tagged.en.md", listPost("Tagged", "2018-06-01", true, "en-draft-only"))
	write("go/secret.ko.md", listPost("비밀", "2030-01-01", true, "draft-only", "alpha"))
	write("hidden/only-draft.ko.md", listPost("숨은 글", "2020-01-01", true, "alpha"))
	return dir
}

func listPost(title, date string, draft bool, tags ...string) string {
	tj, _ := json.Marshal(append([]string{}, tags...))
	d := ""
	if draft {
		d = "draft: true\n"
	}
	return "---\ntitle: " + title + "\ndescription: about " + title + "\ndate: " + date + "\ntags: " + string(tj) + "\n" + d +
		"---\n\n## " + title + "\n\nSome text.\n"
}

// listEnv is geul's server over a real index of listSite, on real HTTP.
type listEnv struct {
	st  *store.Store
	srv *httptest.Server
}

func newListEnv(t *testing.T) *listEnv {
	t.Helper()
	return newListEnvOf(t, listSite(t))
}

// newListEnvOf is a listEnv over the content folder dir.
func newListEnvOf(t *testing.T, dir string) *listEnv {
	t.Helper()
	st, s := indexed(t, dir, filepath.Join(t.TempDir(), "index.db"))
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &listEnv{st: st, srv: hs}
}

var listTransport = &http.Transport{DisableCompression: true}

func (e *listEnv) request(t *testing.T, method, target string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
		}
		req.Header.Set(header[i], header[i+1])
	}
	// Without the transport's transparent gzip, so headers are the server's.
	resp, err := listTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// ok gets target and checks it is a 200 JSON answer.
func (e *listEnv) ok(t *testing.T, target string, header ...string) (*http.Response, []byte) {
	t.Helper()
	resp, body := e.request(t, http.MethodGet, target, header...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got status %d, want 200: %s", target, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", target, ct)
	}
	return resp, body
}

// list gets a page of any list: posts, a category's or a tag's.
func (e *listEnv) list(t *testing.T, target string) api.ListResponse {
	t.Helper()
	_, body := e.ok(t, target)
	var l api.ListResponse
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return l
}

func listDecode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v\n%.300s", v, err, body)
	}
	return v
}

func (e *listEnv) problem(t *testing.T, target string, status int) {
	t.Helper()
	resp, body := e.request(t, http.MethodGet, target)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: got status %d, want %d: %s", target, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("GET %s: Content-Type %q, want application/problem+json", target, ct)
	}
	var p api.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	if p.Status != status || p.Detail == "" {
		t.Errorf("GET %s: problem %+v", target, p)
	}
}

// rawItems returns the raw items of a list body.
func rawItems(t *testing.T, body []byte) []json.RawMessage {
	t.Helper()
	var v struct{ Posts []json.RawMessage }
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v.Posts
}

func slugs(items []api.PostItem) []string {
	out := make([]string, len(items))
	for i, p := range items {
		out[i] = p.Slug
	}
	return out
}

// all pages through target with limit=100 and returns every item.
func (e *listEnv) all(t *testing.T, target string) []api.PostItem {
	t.Helper()
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	var out []api.PostItem
	for page := 1; ; page++ {
		l := e.list(t, fmt.Sprintf("%s%slimit=100&page=%d", target, sep, page))
		out = append(out, l.Posts...)
		if l.Meta.Pagination.Next == nil {
			return out
		}
	}
}

const published = 25 // listSite's posts that are not drafts

func intp(n int) *int { return &n }

func TestListPosts(t *testing.T) {
	e := newListEnv(t)
	resp, body := e.ok(t, "/posts")
	if got := testutil.JSONKeys(t, body); !slices.Equal(got, []string{"posts", "meta"}) {
		t.Errorf("keys %v, want posts, meta", got)
	}
	l := listDecode[api.ListResponse](t, body)
	want := api.Pagination{Page: 1, Limit: 15, Pages: 2, Total: published, Next: intp(2)}
	if !reflect.DeepEqual(l.Meta.Pagination, want) {
		t.Errorf("pagination %+v, want %+v", l.Meta.Pagination, want)
	}
	if len(l.Posts) != 15 {
		t.Fatalf("got %d posts, want 15", len(l.Posts))
	}
	for i := 1; i < len(l.Posts); i++ {
		if l.Posts[i-1].Date < l.Posts[i].Date {
			t.Errorf("not newest first: %s (%s) before %s (%s)", l.Posts[i-1].Slug, l.Posts[i-1].Date, l.Posts[i].Slug, l.Posts[i].Date)
		}
	}
	if got, want := resp.Header.Get("Link"), strings.ReplaceAll(`<{api}/posts?page=1>; rel="first", <{api}/posts?page=2>; rel="next", <{api}/posts?page=2>; rel="last"`, "{api}", e.srv.URL); got != want {
		t.Errorf("Link %q", got)
	}
	if resp.Header.Get("ETag") == "" || resp.Header.Get("Content-Language") != "ko" {
		t.Errorf("headers: ETag %q Content-Language %q", resp.Header.Get("ETag"), resp.Header.Get("Content-Language"))
	}

	// An item is the post object without content, html and files, keys in
	// order, and equal to the post's own payload otherwise.
	first := rawItems(t, body)[0]
	_, pbody := e.ok(t, "/posts/"+l.Posts[0].Slug)
	var pr struct{ Post json.RawMessage }
	if err := json.Unmarshal(pbody, &pr); err != nil {
		t.Fatal(err)
	}
	wantKeys := slices.DeleteFunc(testutil.JSONKeys(t, pr.Post), func(k string) bool { return k == "content" || k == "html" || k == "files" })
	if got := testutil.JSONKeys(t, first); !slices.Equal(got, wantKeys) {
		t.Errorf("item keys %v, want %v", got, wantKeys)
	}
	var full map[string]json.RawMessage
	var item map[string]json.RawMessage
	json.Unmarshal(pr.Post, &full)
	json.Unmarshal(first, &item)
	for k, v := range item {
		if !bytes.Equal(v, full[k]) {
			t.Errorf("item %s = %s, post has %s", k, v, full[k])
		}
	}

	// Every page together is every published post once.
	everything := e.all(t, "/posts")
	if len(everything) != published {
		t.Errorf("got %d posts over all pages, want %d", len(everything), published)
	}
	seen := map[string]bool{}
	for _, p := range everything {
		if seen[p.Slug] {
			t.Errorf("%s listed twice", p.Slug)
		}
		seen[p.Slug] = true
	}
}

func TestListPagination(t *testing.T) {
	e := newListEnv(t)
	tests := []struct {
		query string
		want  api.Pagination
		n     int
		link  string
	}{
		{"page=2&limit=10", api.Pagination{Page: 2, Limit: 10, Pages: 3, Total: 25, Prev: intp(1), Next: intp(3)}, 10,
			`<{api}/posts?limit=10&page=1>; rel="first", <{api}/posts?limit=10&page=1>; rel="prev", <{api}/posts?limit=10&page=3>; rel="next", <{api}/posts?limit=10&page=3>; rel="last"`},
		{"page=3&limit=10", api.Pagination{Page: 3, Limit: 10, Pages: 3, Total: 25, Prev: intp(2)}, 5,
			`<{api}/posts?limit=10&page=1>; rel="first", <{api}/posts?limit=10&page=2>; rel="prev", <{api}/posts?limit=10&page=3>; rel="last"`},
		// Past the end: an empty page whose prev is the last page.
		{"page=9&limit=10", api.Pagination{Page: 9, Limit: 10, Pages: 3, Total: 25, Prev: intp(3)}, 0,
			`<{api}/posts?limit=10&page=1>; rel="first", <{api}/posts?limit=10&page=3>; rel="prev", <{api}/posts?limit=10&page=3>; rel="last"`},
		{"page=99999999999999999999999", api.Pagination{Page: int(^uint(0) >> 1), Limit: 15, Pages: 2, Total: 25, Prev: intp(2)}, 0,
			`<{api}/posts?page=1>; rel="first", <{api}/posts?page=2>; rel="prev", <{api}/posts?page=2>; rel="last"`},
		{"limit=500", api.Pagination{Page: 1, Limit: 100, Pages: 1, Total: 25}, 25,
			`<{api}/posts?limit=500&page=1>; rel="first", <{api}/posts?limit=500&page=1>; rel="last"`},
		{"limit=1&page=25", api.Pagination{Page: 25, Limit: 1, Pages: 25, Total: 25, Prev: intp(24)}, 1,
			`<{api}/posts?limit=1&page=1>; rel="first", <{api}/posts?limit=1&page=24>; rel="prev", <{api}/posts?limit=1&page=25>; rel="last"`},
		{"category=go&limit=3&lang=en", api.Pagination{Page: 1, Limit: 3, Pages: 3, Total: 8, Next: intp(2)}, 3,
			`<{api}/posts?category=go&lang=en&limit=3&page=1>; rel="first", <{api}/posts?category=go&lang=en&limit=3&page=2>; rel="next", <{api}/posts?category=go&lang=en&limit=3&page=3>; rel="last"`},
		{"category=nowhere", api.Pagination{Page: 1, Limit: 15, Pages: 1, Total: 0}, 0,
			`<{api}/posts?category=nowhere&page=1>; rel="first", <{api}/posts?category=nowhere&page=1>; rel="last"`},
		{"tag=no-such-tag", api.Pagination{Page: 1, Limit: 15, Pages: 1, Total: 0}, 0,
			`<{api}/posts?page=1&tag=no-such-tag>; rel="first", <{api}/posts?page=1&tag=no-such-tag>; rel="last"`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := e.ok(t, "/posts?"+tt.query)
			l := listDecode[api.ListResponse](t, body)
			if !reflect.DeepEqual(l.Meta.Pagination, tt.want) {
				t.Errorf("pagination %s, want %s", fmtPagination(l.Meta.Pagination), fmtPagination(tt.want))
			}
			if len(l.Posts) != tt.n {
				t.Errorf("got %d posts, want %d", len(l.Posts), tt.n)
			}
			if l.Posts == nil {
				t.Errorf("posts is null, want a list")
			}
			if got, want := resp.Header.Get("Link"), strings.ReplaceAll(tt.link, "{api}", e.srv.URL); got != want {
				t.Errorf("Link %q, want %q", got, want)
			}
		})
	}
	// Pages of a list neither overlap nor skip.
	var paged []string
	for p := 1; p <= 5; p++ {
		paged = append(paged, slugs(e.list(t, "/posts?limit=6&page="+strconv.Itoa(p)).Posts)...)
	}
	if whole := slugs(e.list(t, "/posts?limit=30").Posts); !slices.Equal(paged, whole) {
		t.Errorf("pages of 6:\n%v\nwant one page of 30:\n%v", paged, whole)
	}
}

func fmtPagination(p api.Pagination) string {
	f := func(n *int) string {
		if n == nil {
			return "null"
		}
		return strconv.Itoa(*n)
	}
	return fmt.Sprintf("{page %d limit %d pages %d total %d prev %s next %s}", p.Page, p.Limit, p.Pages, p.Total, f(p.Prev), f(p.Next))
}

func TestListBadRequests(t *testing.T) {
	e := newListEnv(t)
	for _, target := range []string{
		"/posts?page=0", "/posts?page=-1", "/posts?page=abc", "/posts?page=", "/posts?page=1.5",
		"/posts?limit=0", "/posts?limit=-5", "/posts?limit=ten", "/posts?limit=",
		"/posts?page=-99999999999999999999999",
		"/posts?sort=newest", "/posts?sort=",
		"/posts?lang=fr", "/posts?category=Bad_Slug", "/posts?tag=",
		"/posts?fields=nope", "/posts?fields=slug,content", "/posts?fields=html",
		"/categories?lang=xx", "/categories/Bad_Slug", "/categories/go?page=0", "/categories/go?sort=x",
		"/tags/alpha?limit=x", "/tags/alpha?fields=title,bogus",
		"/posts/go/post-01?fields=bogus",
	} {
		t.Run(target, func(t *testing.T) { e.problem(t, target, http.StatusBadRequest) })
	}
}

func TestListSort(t *testing.T) {
	e := newListEnv(t)
	newest := slugs(e.all(t, "/posts"))
	if got := slugs(e.all(t, "/posts?sort=-date")); !slices.Equal(got, newest) {
		t.Errorf("sort=-date differs from the default")
	}
	oldest := slugs(e.all(t, "/posts?sort=date"))
	if !slices.Equal(oldest, reversed(newest)) {
		t.Errorf("sort=date:\n%v\nwant the reverse of -date:\n%v", oldest, newest)
	}
	// title: the default-language (ko) title, whatever language is served.
	byTitle := e.all(t, "/posts?sort=title&lang=en")
	var titles []string
	for _, p := range byTitle {
		titles = append(titles, p.Title.Get("ko"))
	}
	if !slices.IsSorted(titles) {
		t.Errorf("sort=title: ko titles not sorted: %v", titles)
	}
	desc := slugs(e.all(t, "/posts?sort=-title"))
	if !slices.Equal(desc, reversed(slugs(byTitle))) {
		t.Errorf("sort=-title is not the reverse of title")
	}
	// Within a category and a tag too.
	cat := e.all(t, "/categories/cs?sort=date")
	for i := 1; i < len(cat); i++ {
		if cat[i-1].Date > cat[i].Date {
			t.Errorf("/categories/cs?sort=date: %s after %s", cat[i].Date, cat[i-1].Date)
		}
	}
}

func TestListLangAndFilters(t *testing.T) {
	e := newListEnv(t)
	for _, p := range e.all(t, "/posts?lang=en") {
		want := "ko"
		if slices.Contains(p.Translations, "en") {
			want = "en"
		}
		if p.Lang != want {
			t.Errorf("%s: lang %s, want %s (translations %v)", p.Slug, p.Lang, want, p.Translations)
		}
	}
	resp, _ := e.ok(t, "/posts", "Accept-Language", "en-US,en;q=0.9")
	if got := resp.Header.Get("Content-Language"); got != "en" {
		t.Errorf("Accept-Language en: Content-Language %q", got)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
		t.Errorf("Vary %q lacks Accept-Language", resp.Header.Get("Vary"))
	}
	for _, p := range e.all(t, "/posts?category=web") {
		if p.CategorySlug != "web" {
			t.Errorf("category=web lists %s", p.Slug)
		}
	}
	gamma := e.all(t, "/posts?tag=gamma")
	if len(gamma) == 0 {
		t.Fatal("tag=gamma lists nothing")
	}
	for _, p := range gamma {
		if !slices.Contains(p.Tags, "gamma") {
			t.Errorf("tag=gamma lists %s with tags %v", p.Slug, p.Tags)
		}
	}
	both := e.all(t, "/posts?tag=gamma&category=web")
	for _, p := range both {
		if p.CategorySlug != "web" || !slices.Contains(p.Tags, "gamma") {
			t.Errorf("tag=gamma&category=web lists %s", p.Slug)
		}
	}
	if len(both) == 0 || len(both) == len(gamma) {
		t.Errorf("tag=gamma&category=web lists %d of gamma's %d", len(both), len(gamma))
	}
}

func TestListFields(t *testing.T) {
	e := newListEnv(t)
	_, body := e.ok(t, "/posts?fields=date,title&limit=3")
	for _, item := range rawItems(t, body) {
		if got := testutil.JSONKeys(t, item); !slices.Equal(got, []string{"slug", "title", "date"}) {
			t.Errorf("fields=date,title: keys %v, want slug, title, date", got)
		}
	}
	_, full := e.ok(t, "/posts?limit=3")
	for i, item := range rawItems(t, full) {
		var f, g map[string]json.RawMessage
		json.Unmarshal(item, &f)
		json.Unmarshal(rawItems(t, body)[i], &g)
		for k, v := range g {
			if !bytes.Equal(v, f[k]) {
				t.Errorf("trimmed %s = %s, untrimmed %s", k, v, f[k])
			}
		}
	}
	// slug is never dropped; an empty fields keeps everything.
	_, body = e.ok(t, "/categories/go?fields=tags")
	for _, item := range rawItems(t, body) {
		if got := testutil.JSONKeys(t, item); !slices.Equal(got, []string{"slug", "tags"}) {
			t.Errorf("fields=tags: keys %v", got)
		}
	}
	_, body = e.ok(t, "/tags/alpha?fields=")
	if got := testutil.JSONKeys(t, rawItems(t, body)[0]); len(got) < 10 {
		t.Errorf("fields= (empty): keys %v, want all", got)
	}

	// The single post: trimmed, with its own validator.
	resp, body := e.ok(t, "/posts/go/post-01?fields=title,content,next&lang=en")
	if got := testutil.JSONKeys(t, body); !slices.Equal(got, []string{"post"}) {
		t.Fatalf("keys %v", got)
	}
	var pr struct{ Post json.RawMessage }
	json.Unmarshal(body, &pr)
	if got := testutil.JSONKeys(t, pr.Post); !slices.Equal(got, []string{"slug", "title", "content", "next"}) {
		t.Errorf("post keys %v, want slug, title, content, next", got)
	}
	fullResp, fullBody := e.ok(t, "/posts/go/post-01?lang=en")
	etag := resp.Header.Get("ETag")
	if etag == "" || etag == fullResp.Header.Get("ETag") || etag != repr.ETag(body) {
		t.Errorf("trimmed ETag %q: want the hash of its bytes %q, not the full payload's %q", etag, repr.ETag(body), fullResp.Header.Get("ETag"))
	}
	if len(body) >= len(fullBody) {
		t.Errorf("trimmed post is %d bytes, full %d", len(body), len(fullBody))
	}
	r304, _ := e.request(t, http.MethodGet, "/posts/go/post-01?fields=title,content,next&lang=en", "If-None-Match", etag)
	if r304.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match of the trimmed post: got %d, want 304", r304.StatusCode)
	}
	if got := resp.Header.Get("Content-Language"); got != "ko" {
		t.Errorf("go/post-01 has no English body: Content-Language %q, want ko", got)
	}
}

func TestCategories(t *testing.T) {
	e := newListEnv(t)
	resp, body := e.ok(t, "/categories?lang=en")
	if resp.Header.Get("Content-Language") != "en" {
		t.Errorf("Content-Language %q", resp.Header.Get("Content-Language"))
	}
	cs := listDecode[api.CategoriesResponse](t, body)
	var got []string
	for _, c := range cs.Categories {
		got = append(got, c.Slug)
	}
	// By order: web 1, go 2, cs 3, hidden 9.
	if want := []string{"web", "go", "cs", "hidden"}; !slices.Equal(got, want) {
		t.Fatalf("categories %v, want %v", got, want)
	}
	var catKeys []string
	var raw struct{ Categories []json.RawMessage }
	json.Unmarshal(body, &raw)
	catKeys = testutil.JSONKeys(t, raw.Categories[0])
	if want := []string{"slug", "name", "description", "order", "count", "counts", "localName", "localDescription"}; !slices.Equal(catKeys, want) {
		t.Errorf("category keys %v, want %v", catKeys, want)
	}
	for _, c := range cs.Categories {
		posts := e.all(t, "/posts?category="+c.Slug)
		if c.Count != len(posts) {
			t.Errorf("%s: count %d, list has %d", c.Slug, c.Count, len(posts))
		}
		ko, en := 0, 0
		for _, p := range posts {
			if slices.Contains(p.Translations, "ko") {
				ko++
			}
			if slices.Contains(p.Translations, "en") {
				en++
			}
		}
		want := api.LangCounts{{Lang: "ko", Count: ko}, {Lang: "en", Count: en}}
		if !reflect.DeepEqual(c.Counts, want) {
			t.Errorf("%s: counts %v, want %v", c.Slug, c.Counts, want)
		}
		if c.Name.Get("en") == "" || c.Name[0].Lang != "ko" {
			t.Errorf("%s: name %v", c.Slug, c.Name)
		}
	}
	if h := cs.Categories[3]; h.Count != 0 || h.Counts.Get("ko") != 0 {
		t.Errorf("hidden holds only a draft: %+v", h)
	}

	// One category: the same object, and its posts.
	_, body = e.ok(t, "/categories/cs?limit=4&page=2&lang=en")
	if got := testutil.JSONKeys(t, body); !slices.Equal(got, []string{"category", "posts", "meta"}) {
		t.Errorf("keys %v", got)
	}
	one := listDecode[api.CategoryResponse](t, body)
	if !reflect.DeepEqual(one.Category, cs.Categories[2]) {
		t.Errorf("category %+v, want %+v", one.Category, cs.Categories[2])
	}
	if want := (api.Pagination{Page: 2, Limit: 4, Pages: 2, Total: 8, Prev: intp(1)}); !reflect.DeepEqual(one.Meta.Pagination, want) {
		t.Errorf("pagination %s, want %s", fmtPagination(one.Meta.Pagination), fmtPagination(want))
	}
	if want := slugs(e.list(t, "/posts?category=cs&limit=4&page=2").Posts); !slices.Equal(slugs(one.Posts), want) {
		t.Errorf("posts %v, want %v", slugs(one.Posts), want)
	}
	_, body = e.ok(t, "/categories/hidden")
	if h := listDecode[api.CategoryResponse](t, body); len(h.Posts) != 0 || h.Meta.Pagination.Total != 0 {
		t.Errorf("hidden: %+v", h)
	}
	e.problem(t, "/categories/nowhere", http.StatusNotFound)
}

func TestTags(t *testing.T) {
	e := newListEnv(t)
	_, body := e.ok(t, "/tags")
	tags := listDecode[api.TagsResponse](t, body).Tags
	var names []string
	for i, tg := range tags {
		names = append(names, tg.Name)
		if i > 0 && (tags[i-1].Count < tg.Count || tags[i-1].Count == tg.Count && tags[i-1].Name > tg.Name) {
			t.Errorf("tags not by count then name: %v before %v", tags[i-1], tg)
		}
		esc := url.PathEscape(tg.Name)
		_, tb := e.ok(t, "/tags/"+esc)
		tr := listDecode[api.TagResponse](t, tb)
		if tr.Tag != tg || tr.Meta.Pagination.Total != tg.Count {
			t.Errorf("/tags/%s: tag %+v total %d, want %+v", esc, tr.Tag, tr.Meta.Pagination.Total, tg)
		}
		for _, p := range tr.Posts {
			if !slices.Contains(p.Tags, tg.Name) {
				t.Errorf("/tags/%s lists %s with tags %v", esc, p.Slug, p.Tags)
			}
		}
	}
	for _, want := range []string{"alpha", "c/c++", "파이썬", "100%"} {
		if !slices.Contains(names, want) {
			t.Errorf("tags %v lack %q", names, want)
		}
	}
	// Escaped every way a client may: %2F, lower-case hex, a raw Korean path.
	for _, target := range []string{"/tags/c%2Fc++", "/tags/c%2fc%2B%2B", "/tags/%ed%8c%8c%ec%9d%b4%ec%8d%ac", "/tags/파이썬", "/tags/100%25"} {
		l := listDecode[api.TagResponse](t, second(e.ok(t, target)))
		if l.Tag.Count != 1 || len(l.Posts) != 1 || l.Posts[0].Slug != "web/tagged" {
			t.Errorf("%s: %+v", target, l)
		}
	}
	e.problem(t, "/tags/no-such-tag", http.StatusNotFound)
	e.problem(t, "/tags/"+strings.Repeat("x", 300), http.StatusBadRequest)
	e.problem(t, "/tags/%ff", http.StatusBadRequest)
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func second[A, B any](_ A, b B) B { return b }

// TestDraftsNeverServed checks drafts are absent from every list, count and
// link, and 404 by slug.
func TestDraftsNeverServed(t *testing.T) {
	e := newListEnv(t)
	drafts := []string{"go/secret", "hidden/only-draft"}
	for _, d := range drafts {
		for _, lang := range []string{"ko", "en"} {
			e.problem(t, "/posts/"+d+"?lang="+lang, http.StatusNotFound)
		}
		e.problem(t, "/posts/"+d+"?fields=title", http.StatusNotFound)
	}
	targets := []string{"/posts", "/posts?lang=en", "/posts?sort=title", "/posts?sort=date", "/posts?tag=alpha",
		"/posts?category=go", "/categories/go", "/categories/hidden", "/tags/alpha"}
	for _, target := range targets {
		for _, p := range e.all(t, target) {
			if slices.Contains(drafts, p.Slug) {
				t.Errorf("%s lists the draft %s", target, p.Slug)
			}
			for _, ref := range append(p.Related, derefs(p.Prev, p.Next)...) {
				if slices.Contains(drafts, ref.Slug) {
					t.Errorf("%s: %s links to the draft %s", target, p.Slug, ref.Slug)
				}
			}
			if slices.Contains(p.Tags, "en-draft-only") || slices.Contains(p.Tags, "draft-only") {
				t.Errorf("%s: %s carries a draft's tags %v", target, p.Slug, p.Tags)
			}
		}
	}
	// web/tagged's English file is a draft: the post is Korean only.
	p := listDecode[api.PostResponse](t, second(e.ok(t, "/posts/web/tagged?lang=en"))).Post
	if p.Lang != "ko" || !slices.Equal(p.Translations, []string{"ko"}) || p.Title.Get("en") != "" {
		t.Errorf("web/tagged: lang %s translations %v title %v: the English draft shows", p.Lang, p.Translations, p.Title)
	}
	tags := listDecode[api.TagsResponse](t, second(e.ok(t, "/tags"))).Tags
	for _, tg := range tags {
		if tg.Name == "draft-only" || tg.Name == "en-draft-only" {
			t.Errorf("/tags lists %q, which only drafts carry", tg.Name)
		}
		if tg.Name == "alpha" && tg.Count != len(e.all(t, "/posts?tag=alpha")) {
			t.Errorf("alpha counts %d, its list has %d", tg.Count, len(e.all(t, "/posts?tag=alpha")))
		}
	}
	e.problem(t, "/tags/draft-only", http.StatusNotFound)
	e.problem(t, "/tags/en-draft-only", http.StatusNotFound)
	if n := e.list(t, "/posts").Meta.Pagination.Total; n != published {
		t.Errorf("total %d, want %d published", n, published)
	}
}

func derefs(refs ...*api.PostRef) []api.PostRef {
	var out []api.PostRef
	for _, r := range refs {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out
}

// TestListHEADAndValidators checks HEAD answers every list route with GET's
// headers and no body, and that ETags turn into 304s.
func TestListHEADAndValidators(t *testing.T) {
	e := newListEnv(t)
	for _, target := range []string{"/posts", "/posts?page=2&limit=5", "/categories", "/categories/go", "/tags", "/tags/alpha", "/posts/go/post-01?fields=title"} {
		get, gbody := e.ok(t, target)
		head, hbody := e.request(t, http.MethodHead, target)
		if head.StatusCode != http.StatusOK || len(hbody) != 0 {
			t.Errorf("HEAD %s: status %d, %d body bytes", target, head.StatusCode, len(hbody))
		}
		for _, h := range []string{"ETag", "Content-Type", "Content-Length", "Link", "Content-Language"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s: %s %q, GET has %q", target, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
		if cl := get.Header.Get("Content-Length"); cl != strconv.Itoa(len(gbody)) {
			t.Errorf("GET %s: Content-Length %s for %d bytes", target, cl, len(gbody))
		}
		r, body := e.request(t, http.MethodGet, target, "If-None-Match", get.Header.Get("ETag"))
		if r.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("GET %s with its ETag: status %d, %d bytes", target, r.StatusCode, len(body))
		}
	}
}

// TestListLinksForOtherOrigins: a browser on another origin reads a list's
// Link header, whose URLs are absolute on the host the request named, and
// every header it needs is exposed to it.
func TestListLinksForOtherOrigins(t *testing.T) {
	e := newListEnv(t)
	for _, tc := range []struct {
		target string
		header []string
		want   string // the first link
	}{
		{"/posts?limit=5", []string{"Host", "api.example:8080"}, "<http://api.example:8080/posts?limit=5&page=1>"},
		{"/categories/cs?limit=5", []string{"Host", "API.example"}, "<http://api.example/categories/cs?limit=5&page=1>"},
		{"/tags/alpha?limit=2&lang=en", []string{"Host", "api.example", "X-Forwarded-Proto", "https"}, "<https://api.example/tags/alpha?lang=en&limit=2&page=1>"},
		{"/posts?limit=5", []string{"Host", "evil_example"}, "<http://localhost/posts?limit=5&page=1>"},
	} {
		resp, _ := e.ok(t, tc.target, append([]string{"Origin", "https://blog.example"}, tc.header...)...)
		link := resp.Header.Get("Link")
		if !strings.HasPrefix(link, tc.want+`; rel="first"`) || !strings.Contains(link, `rel="last"`) {
			t.Errorf("GET %s %v: Link %q, want it to start with %s", tc.target, tc.header, link, tc.want)
		}
		exposed := strings.Split(resp.Header.Get("Access-Control-Expose-Headers"), ",")
		for i := range exposed {
			exposed[i] = http.CanonicalHeaderKey(strings.TrimSpace(exposed[i]))
		}
		for _, h := range []string{"ETag", "Link", "Content-Language", "Last-Modified", "X-Request-Id", "Retry-After"} {
			if !slices.Contains(exposed, http.CanonicalHeaderKey(h)) {
				t.Errorf("GET %s: %s not in Access-Control-Expose-Headers %q", tc.target, h, exposed)
			}
			if h != "Retry-After" && resp.Header.Get(h) == "" {
				t.Errorf("GET %s: no %s header", tc.target, h)
			}
		}
	}
}

// TestCategoriesFromPublishedSite: the categories and their counts are the
// published site's: a run the server is not told of changes none of them,
// and its Publish changes them all at once.
func TestCategoriesFromPublishedSite(t *testing.T) {
	e := newOpsEnv(t, server.Config{}, opsContent)
	categories := func() map[string]int {
		t.Helper()
		resp, body := e.do(t, "GET", "/categories")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/categories: %d %s", resp.StatusCode, body)
		}
		counts := map[string]int{}
		for _, c := range listDecode[api.CategoriesResponse](t, body).Categories {
			counts[c.Slug] = c.Count
		}
		return counts
	}
	if got := categories(); !reflect.DeepEqual(got, map[string]int{"cs": 2}) {
		t.Fatalf("categories %v, want cs with 2 posts", got)
	}
	e.write(t, "cs/delta.ko.md", opsPost("델타"))
	e.write(t, "go/gamma.ko.md", opsPost("감마"))
	sum, err := e.ix.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := categories(); !reflect.DeepEqual(got, map[string]int{"cs": 2}) {
		t.Errorf("before the run is published: categories %v, want cs with 2 posts", got)
	}
	if resp, _ := e.do(t, "GET", "/categories/go"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("before the run is published: /categories/go %d, want 404", resp.StatusCode)
	}
	e.srv.Publish(context.Background(), server.Update{Site: sum.Site, Run: server.IndexRun{Generation: sum.Generation, Changed: sum.Changed, Posts: sum.Posts}})
	if got := categories(); !reflect.DeepEqual(got, map[string]int{"cs": 3, "go": 1}) {
		t.Errorf("after Publish: categories %v, want cs 3, go 1", got)
	}
	resp, body := e.do(t, "GET", "/categories/go")
	if one := listDecode[api.CategoryResponse](t, body); resp.StatusCode != http.StatusOK || one.Category.Count != 1 ||
		!reflect.DeepEqual(one.Category.Counts, api.LangCounts{{Lang: "ko", Count: 1}, {Lang: "en", Count: 0}}) {
		t.Errorf("after Publish: /categories/go %d %s", resp.StatusCode, body)
	}
}
