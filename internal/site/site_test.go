package site_test

import (
	"reflect"
	"testing"

	"golang.org/x/text/language"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"
)

func TestSnapshot(t *testing.T) {
	langs := []string{"en", "ko"}
	s := site.New(7, content.Site{Languages: langs}, nil)
	langs[0] = "fr" // the snapshot keeps its own copy
	if s.Default() != "en" || s.Generation() != 7 {
		t.Fatalf("default %q, generation %d", s.Default(), s.Generation())
	}
	if lang, _, conf := s.Match(language.MustParse("ko-KR")); lang != "ko" || conf == language.No {
		t.Errorf("ko-KR matched %q (%v)", lang, conf)
	}
	if got := site.New(0, content.Site{}, nil).Languages(); len(got) != 2 || got[0] != "ko" {
		t.Errorf("no languages: got %q, want content's defaults", got)
	}
}

func TestSnapshotCategories(t *testing.T) {
	infos := []store.CategoryInfo{
		{CategoryRecord: store.CategoryRecord{Slug: "web", Order: 1, Data: []byte(`{"name":{"ko":"웹","en":"Web"}}`)}, Count: 3, Langs: map[string]int{"ko": 3, "en": 1}},
		{CategoryRecord: store.CategoryRecord{Slug: "empty", Order: 2, Data: []byte(`{}`)}, Langs: map[string]int{}},
	}
	cats, err := site.DecodeCategories(infos)
	if err != nil {
		t.Fatal(err)
	}
	s := site.New(3, content.Site{Languages: []string{"en", "ko"}}, cats)
	want := []api.Category{
		{Slug: "web", Order: 1, Count: 3, Name: api.Localized{{Lang: "ko", Text: "웹"}, {Lang: "en", Text: "Web"}}, Description: api.Localized{},
			Counts: api.LangCounts{{Lang: "en", Count: 1}, {Lang: "ko", Count: 3}}},
		{Slug: "empty", Order: 2, Name: api.Localized{}, Description: api.Localized{}, Counts: api.LangCounts{{Lang: "en"}, {Lang: "ko"}}},
	}
	if got := s.Categories(); !reflect.DeepEqual(got, want) {
		t.Errorf("categories\n%+v, want\n%+v", got, want)
	}
	if c, ok := s.Category("empty"); !ok || !reflect.DeepEqual(c, want[1]) {
		t.Errorf("Category(empty): %+v %v", c, ok)
	}
	if _, ok := s.Category("none"); ok {
		t.Error("Category(none) found")
	}
	if _, err := site.DecodeCategories([]store.CategoryInfo{{CategoryRecord: store.CategoryRecord{Slug: "bad", Data: []byte(`{`)}}}); err == nil {
		t.Error("broken stored data decoded")
	}
}
