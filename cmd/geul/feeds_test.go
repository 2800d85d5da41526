package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/testutil"
)

// feedPost is one post of the generated feed test site.
type feedPost struct {
	cat, name string
	langs     []string        // files written
	drafts    map[string]bool // languages whose file is a draft
	date      string
	updated   string
}

func (p feedPost) id() string { return p.cat + "/" + p.name }

func (p feedPost) published(lang string) bool {
	return slices.Contains(p.langs, lang) && !p.drafts[lang]
}

func (p feedPost) when(t *testing.T) time.Time {
	t.Helper()
	return parseTestDate(t, p.date)
}

func parseTestDate(t *testing.T, s string) time.Time {
	t.Helper()
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d
	}
	d, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("test date %q: %v", s, err)
	}
	return d
}

func feedTitle(p feedPost, lang string) string {
	if lang == "ko" {
		return fmt.Sprintf("%s: 파이썬 & <동시성>", p.name)
	}
	return fmt.Sprintf("%s: Python & <Concurrency>", p.name)
}

func feedDescription(p feedPost, lang string) string {
	if lang == "ko" {
		return "설명 " + p.name
	}
	return "About " + p.name
}

// feedMarker is a phrase only the post's body in lang contains.
func feedMarker(p feedPost, lang string) string {
	if lang == "ko" {
		return "본문-" + p.name + "-한국어"
	}
	return "body-" + p.name + "-english"
}

// feedSite is 24 bilingual posts, a Korean-only post, a post whose English
// file is a draft, a draft post, a category holding only a draft, and a
// category without posts.
func feedSite() []feedPost {
	var posts []feedPost
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 24; i++ {
		p := feedPost{cat: "cs", name: fmt.Sprintf("p%02d", i), langs: []string{"ko", "en"},
			date: start.AddDate(0, 0, 7*i).Format(time.DateOnly)}
		if i%2 == 0 {
			p.cat = "go"
		}
		switch i {
		case 5:
			p.updated = "2024-12-01"
		case 7:
			p.date = "2024-02-19T09:30:00+09:00"
		}
		posts = append(posts, p)
	}
	return append(posts,
		feedPost{cat: "essay", name: "ko-only", langs: []string{"ko"}, date: "2025-03-01", updated: "2025-03-05T10:00:00+09:00"},
		feedPost{cat: "cs", name: "half-draft", langs: []string{"ko", "en"}, drafts: map[string]bool{"en": true}, date: "2025-02-01"},
		feedPost{cat: "go", name: "secret", langs: []string{"ko", "en"}, drafts: map[string]bool{"ko": true, "en": true}, date: "2025-06-01"},
		feedPost{cat: "hidden", name: "plan", langs: []string{"ko"}, drafts: map[string]bool{"ko": true}, date: "2025-05-01"},
	)
}

func writeFeedSite(t *testing.T, dir, siteYAML string, posts []feedPost) {
	t.Helper()
	write := func(rel, data string) { testutil.WriteFile(t, dir, rel, data) }
	write("site.yaml", siteYAML)
	write("cs/_category.yaml", "name: {ko: 컴퓨터 공학, en: Computer Science}\norder: 1\n")
	write("go/_category.yaml", "name: {ko: 고 언어, en: Go}\norder: 2\n")
	write("empty/_category.yaml", "name: {ko: 빈 분류, en: Empty}\n")
	for _, p := range posts {
		for _, lang := range p.langs {
			var b strings.Builder
			fmt.Fprintf(&b, "---\ntitle: %q\ndescription: %q\ndate: %s\n", feedTitle(p, lang), feedDescription(p, lang), p.date)
			if p.updated != "" {
				fmt.Fprintf(&b, "updated: %s\n", p.updated)
			}
			fmt.Fprintf(&b, "tags: [feeds, %s]\n", p.cat)
			if p.drafts[lang] {
				b.WriteString("draft: true\n")
			}
			fmt.Fprintf(&b, "---\n\n## 개요 %s\n\n%s 단락입니다. A & B < C.\n\n```go\nx := a[b[0]]> 1 // ]]> inside code\n```\n", p.name, feedMarker(p, lang))
			write(fmt.Sprintf("%s/%s.%s.md", p.cat, p.name, lang), b.String())
		}
	}
}

const feedSiteYAML = "languages: [ko, en]\ntitle:\n  ko: 개발 블로그\n  en: Dev Blog\n"

// wantFeed is the posts a feed in lang must carry, newest first.
func wantFeed(t *testing.T, posts []feedPost, lang string) []feedPost {
	t.Helper()
	var out []feedPost
	for _, p := range posts {
		if p.published(lang) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b feedPost) int { return b.when(t).Compare(a.when(t)) })
	return out[:min(20, len(out))]
}

func defaultPostURL(base string) func(feedPost, string) string {
	return func(p feedPost, lang string) string { return base + "/blog/" + p.id() + "?lang=" + lang }
}

// getOK fetches path and checks the status and Content-Type.
func getOK(t *testing.T, a *app, path, contentType string) []byte {
	t.Helper()
	resp, body := a.get(t, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Type"); got != contentType {
		t.Errorf("GET %s: Content-Type %q, want %q", path, got, contentType)
	}
	return body
}

// wellFormed reads a whole XML document token by token.
func wellFormed(t *testing.T, name string, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	n := 0
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML after %d tokens: %v", name, n, err)
		}
		n++
	}
	if !bytes.HasPrefix(doc, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("%s: no XML declaration: %.60q", name, doc)
	}
}

// checkFeed checks a parsed feed against the posts it must carry.
func checkFeed(t *testing.T, kind string, f *gofeed.Feed, lang, title, base string, want []feedPost, postURL func(feedPost, string) string) {
	t.Helper()
	if f.Language != lang {
		t.Errorf("%s: language %q, want %q", kind, f.Language, lang)
	}
	if f.Title != title {
		t.Errorf("%s: title %q, want %q", kind, f.Title, title)
	}
	if f.Link != base+"/" {
		t.Errorf("%s: link %q, want %q", kind, f.Link, base+"/")
	}
	if !strings.HasPrefix(f.FeedLink, base+"/") || !strings.HasSuffix(f.FeedLink, "?lang="+lang) {
		t.Errorf("%s: feed link %q, want under %s with ?lang=%s", kind, f.FeedLink, base, lang)
	}
	if len(f.Items) != len(want) {
		t.Fatalf("%s: %d items, want %d", kind, len(f.Items), len(want))
	}
	for i, it := range f.Items {
		p := want[i]
		if u := postURL(p, lang); it.Link != u {
			t.Errorf("%s item %d: link %q, want %q", kind, i, it.Link, u)
		}
		if it.Title != feedTitle(p, lang) {
			t.Errorf("%s item %d: title %q, want %q", kind, i, it.Title, feedTitle(p, lang))
		}
		if it.Description != feedDescription(p, lang) {
			t.Errorf("%s item %d: description %q, want %q", kind, i, it.Description, feedDescription(p, lang))
		}
		if it.PublishedParsed == nil || !it.PublishedParsed.Equal(p.when(t)) {
			t.Errorf("%s item %d (%s): published %v, want %v", kind, i, p.name, it.PublishedParsed, p.when(t))
		}
		if kind != "rss" { // RSS has no updated date of its own
			wantUpd := p.when(t)
			if p.updated != "" {
				wantUpd = parseTestDate(t, p.updated)
			}
			if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(wantUpd) {
				t.Errorf("%s item %d (%s): updated %v, want %v", kind, i, p.name, it.UpdatedParsed, wantUpd)
			}
		}
		for _, s := range []string{feedMarker(p, lang), "<h2", "개요 " + p.name, "A &amp; B &lt; C", "]]&gt; inside code"} {
			if !strings.Contains(it.Content, s) {
				t.Errorf("%s item %d (%s): content lacks %q: %.300s", kind, i, p.name, s, it.Content)
			}
		}
		if len(it.Categories) == 0 || !slices.Contains(it.Categories, "feeds") {
			t.Errorf("%s item %d: categories %q, want the category and the tags", kind, i, it.Categories)
		}
	}
}

func TestFeeds(t *testing.T) {
	posts := feedSite()
	dir := t.TempDir()
	writeFeedSite(t, dir, feedSiteYAML+"baseURL: https://ignored.example\n", posts)
	const base = "https://blog.example"
	a := startApp(t, dir, map[string]string{"GEUL_BASE_URL": base + "/"})
	postURL := defaultPostURL(base)
	titles := map[string]string{"ko": "개발 블로그", "en": "Dev Blog"}

	kinds := []struct {
		kind, path, contentType string
	}{
		{"rss", "/feed.xml", "application/rss+xml; charset=utf-8"},
		{"atom", "/atom.xml", "application/atom+xml; charset=utf-8"},
		{"json", "/feed.json", "application/feed+json; charset=utf-8"},
	}
	for _, k := range kinds {
		for _, lang := range []string{"ko", "en", ""} {
			name := k.kind + "/" + lang
			t.Run(name, func(t *testing.T) {
				path := k.path
				if lang != "" {
					path += "?lang=" + lang
				}
				body := getOK(t, a, path, k.contentType)
				if k.kind == "json" {
					if !json.Valid(body) {
						t.Fatalf("not JSON: %.200s", body)
					}
				} else {
					wellFormed(t, name, body)
				}
				f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("parse: %v\n%.500s", err, body)
				}
				wantLang := lang
				if wantLang == "" {
					wantLang = "ko" // the default language
				}
				want := wantFeed(t, posts, wantLang)
				checkFeed(t, k.kind, f, wantLang, titles[wantLang], base, want, postURL)
				// Korean is written as UTF-8, not as character references.
				if wantLang == "ko" {
					for _, s := range []string{"개발 블로그", "파이썬 &amp; &lt;동시성&gt;", "본문-p24-한국어"} {
						if k.kind == "json" {
							s = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
						}
						if !bytes.Contains(body, []byte(s)) {
							t.Errorf("body lacks %q as written", s)
						}
					}
				}
				for _, p := range posts {
					if !p.published(wantLang) && bytes.Contains(body, []byte(p.id()+"?")) {
						t.Errorf("%s, not published in %s, is in the feed", p.id(), wantLang)
					}
				}
			})
		}
	}

	t.Run("json feed fields", func(t *testing.T) {
		var f api.JSONFeed
		if err := json.Unmarshal(getOK(t, a, "/feed.json?lang=en", "application/feed+json; charset=utf-8"), &f); err != nil {
			t.Fatal(err)
		}
		if f.Version != "https://jsonfeed.org/version/1.1" || f.FeedURL != base+"/feed.json?lang=en" || f.HomePageURL != base+"/" {
			t.Errorf("version %q feed_url %q home_page_url %q", f.Version, f.FeedURL, f.HomePageURL)
		}
		it := f.Items[0]
		if it.ID != it.URL || it.Language != "en" || it.DatePublished != "2024-06-17T00:00:00Z" || it.Tags[0] != "Go" {
			t.Errorf("first item: %+v", it)
		}
	})

	t.Run("rss and atom dates", func(t *testing.T) {
		rss := getOK(t, a, "/feed.xml?lang=ko", "application/rss+xml; charset=utf-8")
		for _, s := range []string{"<pubDate>Sat, 01 Mar 2025 00:00:00 +0000</pubDate>", "<lastBuildDate>Wed, 05 Mar 2025 10:00:00 +0900</lastBuildDate>", "<language>ko</language>"} {
			if !bytes.Contains(rss, []byte(s)) {
				t.Errorf("rss lacks %s", s)
			}
		}
		atom := getOK(t, a, "/atom.xml?lang=ko", "application/atom+xml; charset=utf-8")
		for _, s := range []string{`xml:lang="ko"`, "<published>2025-03-01T00:00:00Z</published>", "<updated>2025-03-05T10:00:00+09:00</updated>", "<published>2024-02-19T09:30:00+09:00</published>"} {
			if !bytes.Contains(atom, []byte(s)) {
				t.Errorf("atom lacks %s", s)
			}
		}
	})

	t.Run("unknown lang", func(t *testing.T) {
		for _, k := range kinds {
			for _, q := range []string{"?lang=fr", "?lang=en-", "?lang=%3Cx%3E"} {
				resp, body := a.get(t, k.path+q)
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("GET %s%s: %d %s %s, want a 400 problem", k.path, q, resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
			}
		}
	})

	t.Run("conditional and head", func(t *testing.T) {
		resp, body := a.get(t, "/feed.xml?lang=ko")
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Content-Language") != "ko" {
			t.Fatalf("ETag %q Content-Language %q", etag, resp.Header.Get("Content-Language"))
		}
		if resp, _ := a.get(t, "/feed.xml?lang=ko", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
		}
		if resp, _ := a.get(t, "/feed.xml?lang=ko", "Accept-Encoding", "gzip"); resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
		}
		req, _ := http.NewRequest(http.MethodHead, a.URL+"/sitemap.xml", nil)
		hresp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		hresp.Body.Close()
		if hresp.StatusCode != http.StatusOK || hresp.Header.Get("Content-Type") != "application/xml; charset=utf-8" {
			t.Errorf("HEAD /sitemap.xml: %d %s", hresp.StatusCode, hresp.Header.Get("Content-Type"))
		}
		_ = body
	})

	t.Run("sitemap", func(t *testing.T) {
		body := getOK(t, a, "/sitemap.xml", "application/xml; charset=utf-8")
		wellFormed(t, "sitemap", body)
		checkSitemap(t, body, posts, base, postURL)
		if !bytes.Contains(body, []byte(`xmlns:xhtml="http://www.w3.org/1999/xhtml"`)) || !bytes.Contains(body, []byte("<xhtml:link ")) {
			t.Errorf("sitemap lacks the xhtml prefix: %.400s", body)
		}
	})
}

type sitemapDoc struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		Links   []struct {
			Rel      string `xml:"rel,attr"`
			Hreflang string `xml:"hreflang,attr"`
			Href     string `xml:"href,attr"`
		} `xml:"http://www.w3.org/1999/xhtml link"`
	} `xml:"url"`
}

func checkSitemap(t *testing.T, body []byte, posts []feedPost, base string, postURL func(feedPost, string) string) {
	t.Helper()
	var doc sitemapDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("sitemap: %v", err)
	}
	got := map[string]int{}
	for i, u := range doc.URLs {
		got[u.Loc] = i
	}
	n := 0
	for _, p := range posts {
		var langs []string
		for _, l := range []string{"ko", "en"} {
			if p.published(l) {
				langs = append(langs, l)
			}
		}
		for _, l := range []string{"ko", "en"} {
			loc := postURL(p, l)
			i, ok := got[loc]
			if !slices.Contains(langs, l) {
				if ok {
					t.Errorf("sitemap lists %s, which has no published %s file", loc, l)
				}
				continue
			}
			n++
			if !ok {
				t.Errorf("sitemap lacks %s", loc)
				continue
			}
			u := doc.URLs[i]
			wantMod := p.date
			if p.updated != "" {
				wantMod = p.updated
			}
			if u.LastMod != wantMod {
				t.Errorf("%s: lastmod %q, want %q", loc, u.LastMod, wantMod)
			}
			var alts []string
			for _, a := range u.Links {
				if a.Rel != "alternate" {
					t.Errorf("%s: link rel %q", loc, a.Rel)
				}
				alts = append(alts, a.Hreflang+"="+a.Href)
			}
			var want []string
			for _, al := range langs {
				want = append(want, al+"="+postURL(p, al))
			}
			want = append(want, "x-default="+postURL(p, langs[0]))
			if strings.Join(alts, " ") != strings.Join(want, " ") {
				t.Errorf("%s: alternates\n%v, want\n%v", loc, alts, want)
			}
		}
	}
	for _, cat := range []struct{ slug, lastmod string }{{"cs", "2025-02-01"}, {"go", "2024-06-17"}, {"essay", "2025-03-05T10:00:00+09:00"}} {
		loc := base + "/blog/" + cat.slug + "?lang=ko"
		i, ok := got[loc]
		if !ok {
			t.Errorf("sitemap lacks category %s", loc)
			continue
		}
		n++
		if u := doc.URLs[i]; u.LastMod != cat.lastmod || len(u.Links) != 3 {
			t.Errorf("category %s: lastmod %q (want %q), %d alternates (want ko, en, x-default)", cat.slug, u.LastMod, cat.lastmod, len(u.Links))
		}
	}
	if len(doc.URLs) != n {
		t.Errorf("sitemap has %d URLs, want %d", len(doc.URLs), n)
	}
	for _, s := range []string{"secret", "hidden", "empty"} {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("sitemap mentions %q", s)
		}
	}
}

// TestFeedLinks checks where the base URL comes from when the command line
// gives none, and a post URL template.
func TestFeedLinks(t *testing.T) {
	posts := feedSite()[:3]

	t.Run("site.yaml baseURL", func(t *testing.T) {
		dir := t.TempDir()
		writeFeedSite(t, dir, feedSiteYAML+"baseURL: https://site.example/geul/\n", posts)
		a := startApp(t, dir, nil)
		f, err := gofeed.NewParser().Parse(bytes.NewReader(getOK(t, a, "/atom.xml?lang=en", "application/atom+xml; charset=utf-8")))
		if err != nil {
			t.Fatal(err)
		}
		checkFeed(t, "atom", f, "en", "Dev Blog", "https://site.example/geul", wantFeed(t, posts, "en"), defaultPostURL("https://site.example/geul"))
	})

	t.Run("request host and template", func(t *testing.T) {
		dir := t.TempDir()
		writeFeedSite(t, dir, feedSiteYAML, posts)
		a := startApp(t, dir, map[string]string{"GEUL_POST_URL": "{base}/{lang}/{category}/{name}", "GEUL_CATEGORY_URL": "{base}/c/{category}"})
		postURL := func(p feedPost, lang string) string { return a.URL + "/" + lang + "/" + p.cat + "/" + p.name }
		f, err := gofeed.NewParser().Parse(bytes.NewReader(getOK(t, a, "/feed.json?lang=ko", "application/feed+json; charset=utf-8")))
		if err != nil {
			t.Fatal(err)
		}
		checkFeed(t, "json", f, "ko", "개발 블로그", a.URL, wantFeed(t, posts, "ko"), postURL)

		var doc sitemapDoc
		if err := xml.Unmarshal(getOK(t, a, "/sitemap.xml", "application/xml; charset=utf-8"), &doc); err != nil {
			t.Fatal(err)
		}
		var locs []string
		for _, u := range doc.URLs {
			locs = append(locs, u.Loc)
		}
		if !slices.Contains(locs, a.URL+"/en/cs/p01") || !slices.Contains(locs, a.URL+"/c/go") || len(locs) != 3*2+2 {
			t.Errorf("sitemap locs %v", locs)
		}
		// A template without {lang}: one page per category, no alternates.
		if u := doc.URLs[len(doc.URLs)-1]; len(u.Links) != 0 {
			t.Errorf("category %s has alternates %v", u.Loc, u.Links)
		}
	})

	t.Run("bad settings", func(t *testing.T) {
		for _, args := range [][]string{
			{"--post-url", "{base}/blog/{slugg}"},
			{"--post-url", "{base}/blog/{lang}"},
			{"--post-url", "/blog/{slug}"},
			{"--category-url", "{base}/blog"},
			{"--base-url", "ftp://example.com"},
			{"--base-url", "https://example.com/?x=1"},
		} {
			var stderr bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--db", filepath.Join(t.TempDir(), "x.db")}, args...),
				func(string) string { return "" }, io.Discard, &stderr)
			if !errors.Is(err, errUsage) {
				t.Errorf("serve %v: %v, want a usage error", args, err)
			}
		}
	})
}

// TestFeedsFollowTheIndex checks that a feed built once is rebuilt after an
// index run that changed posts or site.yaml.
func TestFeedsFollowTheIndex(t *testing.T) {
	posts := feedSite()[:3]
	dir := t.TempDir()
	writeFeedSite(t, dir, feedSiteYAML, posts)
	const token = "feeds-test-token-0123456789abcdef"
	a := startApp(t, dir, map[string]string{"GEUL_BASE_URL": "https://blog.example", "GEUL_ADMIN_TOKEN": token})
	parse := func() *gofeed.Feed {
		f, err := gofeed.NewParser().Parse(bytes.NewReader(getOK(t, a, "/feed.xml?lang=ko", "application/rss+xml; charset=utf-8")))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if f := parse(); len(f.Items) != 3 || f.Title != "개발 블로그" {
		t.Fatalf("before: %d items, title %q", len(f.Items), f.Title)
	}
	newer := feedPost{cat: "go", name: "fresh", langs: []string{"ko"}, date: "2026-01-01"}
	writeFeedSite(t, dir, "languages: [ko, en]\ntitle: 새 이름\n", append(posts, newer))
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/admin/reindex", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reindex: status %d\n%s", resp.StatusCode, a.stderr.String())
	}
	f := parse()
	if len(f.Items) != 4 || f.Items[0].Link != "https://blog.example/blog/go/fresh?lang=ko" || f.Title != "새 이름" {
		t.Errorf("after: %d items, first %q, title %q", len(f.Items), f.Items[0].Link, f.Title)
	}
}

// TestFeedSiteTitle: a feed's title and description come from site.yaml, a
// string or a map of language to string; without them the feed is named
// "geul", never after a host.
func TestFeedSiteTitle(t *testing.T) {
	posts := feedSite()[:2]
	paths := []string{"/feed.xml", "/atom.xml", "/feed.json"}
	for _, tc := range []struct {
		name, siteYAML string
		env            map[string]string
		// per language: title, description
		want map[string][2]string
	}{
		{"maps", "languages: [ko, en]\ntitle: {ko: 개발 블로그, en: Dev Blog}\ndescription: {ko: 파이썬과 동시성, en: Python and concurrency}\n", nil,
			map[string][2]string{"ko": {"개발 블로그", "파이썬과 동시성"}, "en": {"Dev Blog", "Python and concurrency"}}},
		{"strings belong to the default language", "languages: [ko, en]\ntitle: 개발 블로그\ndescription: 파이썬과 동시성\n", nil,
			map[string][2]string{"ko": {"개발 블로그", "파이썬과 동시성"}, "en": {"개발 블로그", "파이썬과 동시성"}}},
		{"no description", "languages: [ko, en]\ntitle: {en: Dev Blog}\n", nil,
			map[string][2]string{"ko": {"Dev Blog", ""}, "en": {"Dev Blog", ""}}},
		{"neither, with a base URL", "languages: [ko, en]\n", map[string]string{"GEUL_BASE_URL": "https://site.example"},
			map[string][2]string{"ko": {"geul", ""}, "en": {"geul", ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFeedSite(t, dir, tc.siteYAML, posts)
			a := startApp(t, dir, tc.env)
			for lang, want := range tc.want {
				for _, p := range paths {
					resp, body := a.get(t, p+"?lang="+lang)
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("GET %s: %d %s", p, resp.StatusCode, body)
					}
					f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					desc := want[1]
					if desc == "" && p == "/feed.xml" {
						desc = want[0] // RSS requires a description: the title stands in
					}
					if f.Title != want[0] || f.Description != desc {
						t.Errorf("%s?lang=%s: title %q, description %q; want %q, %q", p, lang, f.Title, f.Description, want[0], desc)
					}
					for _, host := range []string{"site.example", "127.0.0.1"} {
						if strings.Contains(f.Title+f.Description, host) {
							t.Errorf("%s?lang=%s: %q names the host", p, lang, f.Title)
						}
					}
				}
			}
		})
	}
}
