package content_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/geul-dev/geul/internal/content"
)

func TestParseSite(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want content.Site
	}{
		{"empty file", "", content.Site{Languages: []string{"ko", "en"}, Title: map[string]string{}, Description: map[string]string{}}},
		{"languages only", "languages: [en, ko, pt-br]\n", content.Site{Languages: []string{"en", "ko", "pt-br"}, Title: map[string]string{}, Description: map[string]string{}}},
		{
			"everything",
			"languages:\n  - ko\n  - en\nbaseURL: https://example.com/\ntitle:\n  ko: 글\n  en: Geul\ndescription:\n  ko: 기술 블로그\n  en: A tech blog\nunknown: ignored\n",
			content.Site{Languages: []string{"ko", "en"}, BaseURL: "https://example.com/", Title: map[string]string{"ko": "글", "en": "Geul"},
				Description: map[string]string{"ko": "기술 블로그", "en": "A tech blog"}},
		},
		{
			"title and description strings belong to the default language",
			"title: Geul\ndescription: Notes\nlanguages: [en, ko]\n",
			content.Site{Languages: []string{"en", "ko"}, Title: map[string]string{"en": "Geul"}, Description: map[string]string{"en": "Notes"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := content.ParseSite([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseSiteBad(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
	}{
		{"broken YAML", "languages: [ko, en\n", 1},
		{"broken YAML later", "baseURL: x\nlanguages:\n  - ko\n - en\n", 4},
		{"languages not a list", "languages: ko\n", 1},
		{"empty languages", "baseURL: x\nlanguages: []\n", 2},
		{"bad language code", "languages:\n  - ko\n  - English\n", 3},
		{"language twice", "languages:\n  - ko\n  - en\n  - ko\n", 4},
		{"not a map", "- ko\n- en\n", 1},
		{"title as a list", "title: [a]\n", 1},
		{"description as a list", "title: t\ndescription:\n  - a\n", 3},
		{"description with a bad language", "description:\n  Korean: 글\n", 2},
		{"invalid UTF-8", "baseURL: x\ntitle: \xff\n", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site, err := content.ParseSite([]byte(tc.src))
			asError(t, err, "site.yaml", tc.line)
			// The defaults let the indexer go on.
			if !reflect.DeepEqual(site.Languages, []string{"ko", "en"}) {
				t.Errorf("Languages = %v, want the defaults", site.Languages)
			}
		})
	}
}

func TestParseCategory(t *testing.T) {
	src := "name: {ko: 컴퓨터 공학, en: Computer Science}\ndescription:\n  en: Bits\norder: 2\nextra: ignored\n"
	c, err := content.ParseCategory("cs/_category.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &content.Category{
		Slug:        "cs",
		Name:        map[string]string{"ko": "컴퓨터 공학", "en": "Computer Science"},
		Description: map[string]string{"en": "Bits"},
		Order:       2,
		Path:        "cs/_category.yaml",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v, want %+v", c, want)
	}

	c, err = content.ParseCategory("empty/_category.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Slug != "empty" || c.Name == nil || len(c.Name) != 0 || c.Description == nil {
		t.Errorf("empty file: %+v", c)
	}
}

func TestParseCategoryBad(t *testing.T) {
	for _, tc := range []struct {
		name, path, src string
		line            int
		reason          string
	}{
		{"broken YAML", "cs/_category.yaml", "name:\n  ko: a\n en: b\n", 3, "bad YAML"},
		{"name as a string", "cs/_category.yaml", "order: 1\nname: CS\n", 2, "map of language"},
		{"order not a number", "cs/_category.yaml", "order: first\n", 1, "whole number"},
		{"bad folder name", "Computer_Science/_category.yaml", "name: {en: CS}\n", 0, "bad category folder name"},
		{"not a category file", "cs/category.yaml", "", 0, "not a category file"},
		{"invalid UTF-8", "cs/_category.yaml", "name: {en: \xfe}\n", 1, "invalid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := content.ParseCategory(tc.path, []byte(tc.src))
			if c != nil {
				t.Errorf("got a Category with the error")
			}
			e := asError(t, err, tc.path, tc.line)
			if !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", e.Reason, tc.reason)
			}
		})
	}
}
