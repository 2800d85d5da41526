package content_test

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/content"
)

func parseAll(t *testing.T, files map[string]string) []*content.File {
	t.Helper()
	var out []*content.File
	for _, p := range slices.Sorted(maps.Keys(files)) {
		out = append(out, mustParse(t, p, files[p]))
	}
	return out
}

func assemble(t *testing.T, site content.Site, files map[string]string) (map[string]*content.Post, []string) {
	t.Helper()
	posts, errs := content.Assemble(site, parseAll(t, files))
	for _, e := range errs {
		t.Log(e)
	}
	out := map[string]*content.Post{}
	for _, p := range posts {
		out[p.ID()] = p
	}
	return out, errorsAt(errs)
}

func TestAssembleExample(t *testing.T) {
	posts, errs := assemble(t, content.DefaultSite(), map[string]string{
		"cs/multiprocessing-and-multithreading-in-python.ko.md": examplePost,
	})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	p := posts["cs/multiprocessing-and-multithreading-in-python"]
	if p == nil {
		t.Fatalf("posts = %v", posts)
	}
	if p.Category != "cs" || p.Slug != "multiprocessing-and-multithreading-in-python" {
		t.Errorf("Category %q Slug %q", p.Category, p.Slug)
	}
	if p.Title["en"] != "Multiprocessing and Multithreading in Python" || p.Description["en"] != "How Multiprocessing and Multithreading Work in Python" {
		t.Errorf("English from the Korean file's maps: %v %v", p.Title, p.Description)
	}
	if p.Date != "2025-02-21" || !reflect.DeepEqual(p.Langs, []string{"ko"}) || len(p.Files) != 1 || p.Files["ko"] == nil {
		t.Errorf("Date %q Langs %v Files %v", p.Date, p.Langs, p.Files)
	}
	if p.Tags == nil {
		t.Error("Tags is nil; want [] so that it serves as an empty list")
	}
}

func TestAssembleTitleMerge(t *testing.T) {
	for _, tc := range []struct {
		name  string
		site  content.Site
		files map[string]string
		title map[string]string
		desc  map[string]string
	}{
		{
			name: "own string beats another file's map",
			files: map[string]string{
				"cs/a.ko.md": "---\ntitle: {ko: 한국어, en: From Korean}\ndate: 2025-01-01\n---\n",
				"cs/a.en.md": "---\ntitle: English\n---\n",
			},
			title: map[string]string{"ko": "한국어", "en": "English"},
			desc:  map[string]string{},
		},
		{
			name: "own map entry beats another file's string-less map",
			files: map[string]string{
				"cs/a.ko.md": "---\ntitle: 한국어\ndate: 2025-01-01\n---\n",
				"cs/a.en.md": "---\ntitle: {en: English, ko: 영어 파일에서}\n---\n",
			},
			title: map[string]string{"ko": "한국어", "en": "English"},
			desc:  map[string]string{},
		},
		{
			name: "description map from another file",
			files: map[string]string{
				"cs/a.ko.md": "---\ntitle: 한국어\ndescription: {ko: 설명, en: Description}\ndate: 2025-01-01\n---\n",
				"cs/a.en.md": "---\ntitle: English\n---\n",
			},
			title: map[string]string{"ko": "한국어", "en": "English"},
			desc:  map[string]string{"ko": "설명", "en": "Description"},
		},
		{
			name: "a language with no file: the first file in site order",
			site: content.Site{Languages: []string{"ko", "en", "ja"}},
			files: map[string]string{
				"cs/a.ko.md": "---\ntitle: {ko: K, ja: from ko}\ndate: 2025-01-01\n---\n",
				"cs/a.en.md": "---\ntitle: {en: E, ja: from en}\n---\n",
			},
			title: map[string]string{"ko": "K", "en": "E", "ja": "from ko"},
			desc:  map[string]string{},
		},
		{
			name: "site order decides, not file names",
			site: content.Site{Languages: []string{"en", "ko", "ja"}},
			files: map[string]string{
				"cs/a.ko.md": "---\ntitle: {ko: K, ja: from ko}\ndate: 2025-01-01\n---\n",
				"cs/a.en.md": "---\ntitle: {en: E, ja: from en}\n---\n",
			},
			title: map[string]string{"ko": "K", "en": "E", "ja": "from en"},
			desc:  map[string]string{},
		},
		{
			name: "title only in the second language is enough",
			files: map[string]string{
				"cs/a.ko.md": "---\ndate: 2025-01-01\n---\n",
				"cs/a.en.md": "---\ntitle: English\n---\n",
			},
			title: map[string]string{"en": "English"},
			desc:  map[string]string{},
		},
		{
			name: "a draft's title does not leak",
			files: map[string]string{
				"cs/a.ko.md": "---\ntitle: 한국어\ndate: 2025-01-01\n---\n",
				"cs/a.en.md": "---\ntitle: {en: Secret, ko: Secret}\ndraft: true\n---\n",
			},
			title: map[string]string{"ko": "한국어"},
			desc:  map[string]string{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			posts, errs := assemble(t, tc.site, tc.files)
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			p := posts["cs/a"]
			if p == nil {
				t.Fatal("post cs/a missing")
			}
			if !reflect.DeepEqual(p.Title, tc.title) {
				t.Errorf("Title = %v, want %v", p.Title, tc.title)
			}
			if !reflect.DeepEqual(p.Description, tc.desc) {
				t.Errorf("Description = %v, want %v", p.Description, tc.desc)
			}
		})
	}
}

func TestAssembleDatesTagsDrafts(t *testing.T) {
	posts, errs := assemble(t, content.DefaultSite(), map[string]string{
		"cs/a.ko.md": "---\ntitle: K\ndate: 2025-02-21\ntags: [go, 웹]\n---\n",
		"cs/a.en.md": "---\ntitle: E\ndate: 2025-03-01\nupdated: 2025-04-01\ntags: [web, go, web]\n---\n",
		"cs/b.en.md": "---\ntitle: E\ndate: 2025-03-01\n---\n",
		"cs/b.ko.md": "---\ntitle: K\ndraft: true\ndate: 2024-01-01\n---\n",
		"cs/c.ko.md": "---\ntitle: K\ndraft: true\n---\n",
		"cs/c.en.md": "---\ndraft: true\n---\n",
		"cs/d.ko.md": "---\ntitle: K\ndraft: false\ndate: 2025-01-01\n---\n",
	})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if got := slices.Sorted(maps.Keys(posts)); !reflect.DeepEqual(got, []string{"cs/a", "cs/b", "cs/d"}) {
		t.Errorf("posts = %v (an all-draft post must be left out silently)", got)
	}
	a := posts["cs/a"]
	if a.Date != "2025-02-21" || !a.Time.Equal(time.Date(2025, 2, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a: Date %q Time %v, want the default language's", a.Date, a.Time)
	}
	if a.Updated != "2025-04-01" {
		t.Errorf("a: Updated %q, want the English file's (the only one)", a.Updated)
	}
	if want := []string{"go", "웹", "web"}; !reflect.DeepEqual(a.Tags, want) {
		t.Errorf("a: Tags %q, want %q", a.Tags, want)
	}
	if !reflect.DeepEqual(a.Langs, []string{"ko", "en"}) {
		t.Errorf("a: Langs %v", a.Langs)
	}
	b := posts["cs/b"]
	if b.Date != "2025-03-01" || b.Files["ko"] != nil || !reflect.DeepEqual(b.Langs, []string{"en"}) {
		t.Errorf("b: Date %q Files %v Langs %v, want the draft Korean file left out", b.Date, b.Files, b.Langs)
	}
}

func TestAssembleDuplicateSlug(t *testing.T) {
	flat := mustParse(t, "cs/a.ko.md", "---\ntitle: flat\ndate: 2025-01-01\n---\n")
	bundle := mustParse(t, "cs/a/index.ko.md", "---\ntitle: bundle\ndate: 2025-01-01\n---\n")
	en := mustParse(t, "cs/a/index.en.md", "---\ntitle: en\n---\n")
	for _, files := range [][]*content.File{
		{flat, bundle, en},
		{bundle, en, flat},
		{en, bundle, flat, flat},
	} {
		posts, errs := content.Assemble(content.DefaultSite(), files)
		if len(posts) != 1 || posts[0].Files["ko"] != flat || posts[0].Files["en"] != en {
			t.Fatalf("posts = %+v, want the flat file to win", posts)
		}
		if got := errorsAt(errs); !reflect.DeepEqual(got, []string{"cs/a/index.ko.md:0"}) {
			t.Errorf("errors = %v, want the bundle file reported", got)
		}
	}

	// A draft winner still wins: the served version does not flip with the
	// draft flag, and the duplicate is reported.
	draft := mustParse(t, "cs/b.ko.md", "---\ntitle: flat\ndate: 2025-01-01\ndraft: true\n---\n")
	other := mustParse(t, "cs/b/index.ko.md", "---\ntitle: bundle\ndate: 2025-01-01\n---\n")
	posts, errs := content.Assemble(content.DefaultSite(), []*content.File{other, draft})
	if len(posts) != 0 {
		t.Errorf("posts = %+v", posts)
	}
	if got := errorsAt(errs); !reflect.DeepEqual(got, []string{"cs/b/index.ko.md:0"}) {
		t.Errorf("errors = %v", got)
	}
}

func TestAssembleMissingTitleOrDate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		errs  []string
	}{
		{
			name:  "no title anywhere: on the default-language file, line 1",
			files: map[string]string{"cs/a.ko.md": "---\ndate: 2025-01-01\n---\n", "cs/a.en.md": "---\ndate: 2025-01-01\n---\n"},
			errs:  []string{"cs/a.ko.md:1"},
		},
		{
			name:  "empty title: at the key's line",
			files: map[string]string{"cs/a.ko.md": "---\ndate: 2025-01-01\ntitle: ''\n---\n"},
			errs:  []string{"cs/a.ko.md:3"},
		},
		{
			name:  "null title map entries: at the key's line",
			files: map[string]string{"cs/a.ko.md": "---\ndate: 2025-01-01\ntitle:\n  ko:\n---\n"},
			errs:  []string{"cs/a.ko.md:3"},
		},
		{
			name:  "no date anywhere",
			files: map[string]string{"cs/a.ko.md": "---\ntitle: K\n---\n", "cs/a.en.md": "---\ntitle: E\n---\n"},
			errs:  []string{"cs/a.ko.md:1"},
		},
		{
			name:  "empty date: at the key's line",
			files: map[string]string{"cs/a.ko.md": "---\ntitle: K\ndate:\n---\n"},
			errs:  []string{"cs/a.ko.md:3"},
		},
		{
			name:  "neither: both reported",
			files: map[string]string{"cs/a.ko.md": "---\ntags: [x]\n---\n"},
			errs:  []string{"cs/a.ko.md:1", "cs/a.ko.md:1"},
		},
		{
			name:  "no default-language file: on the first file in site order",
			files: map[string]string{"cs/a.en.md": "---\ntitle: E\n---\n"},
			errs:  []string{"cs/a.en.md:1"},
		},
		{
			name:  "default-language file is a draft: on the first non-draft file",
			files: map[string]string{"cs/a.ko.md": "---\ntitle: K\ndate: 2025-01-01\ndraft: true\n---\n", "cs/a.en.md": "---\ntitle: E\n---\n"},
			errs:  []string{"cs/a.en.md:1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"cs/good.ko.md": "---\ntitle: K\ndate: 2025-01-01\n---\n"}
			for p, s := range tc.files {
				files[p] = s
			}
			posts, errs := assemble(t, content.DefaultSite(), files)
			if len(posts) != 1 || posts["cs/good"] == nil {
				t.Errorf("posts = %v, want only cs/good", posts)
			}
			if !reflect.DeepEqual(errs, tc.errs) {
				t.Errorf("errors = %v, want %v", errs, tc.errs)
			}
		})
	}
}

func TestAssembleSorted(t *testing.T) {
	post := "---\ntitle: T\ndate: 2025-01-01\n---\n"
	files := parseAll(t, map[string]string{
		"z/a.ko.md": post, "a/z.ko.md": post, "a/b/index.en.md": post, "m/m.en.md": post, "a/b-c.ko.md": post,
	})
	slices.Reverse(files)
	posts, errs := content.Assemble(content.Site{}, files)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var ids []string
	for _, p := range posts {
		ids = append(ids, p.ID())
	}
	if want := []string{"a/b", "a/b-c", "a/z", "m/m", "z/a"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("IDs = %v, want %v", ids, want)
	}
}
