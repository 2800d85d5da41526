package store_test

import (
	"context"
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

// listPost is a post row as the list tests write it.
type listPost struct {
	id, title string
	day       int // days after 2020-01-01
	langs     []string
	tags      []string
}

// listPosts has ties in date (b, c and d share a day) and titles out of date
// order, over categories x and y.
var listPosts = []listPost{
	{"x/a", "delta", 1, []string{"ko", "en"}, []string{"go", "db"}},
	{"x/b", "alpha", 5, []string{"ko"}, []string{"go"}},
	{"y/c", "charlie", 5, []string{"ko", "en"}, []string{"db"}},
	{"x/d", "bravo", 5, []string{"en"}, nil},
	{"y/e", "echo", 9, []string{"ko"}, []string{"go", "web"}},
	{"y/f", "가나다", 3, []string{"ko"}, []string{"go"}},
}

func openListStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range listPosts {
		cat, slug, _ := strings.Cut(p.id, "/")
		rec := store.PostRecord{
			ID: p.id, Category: cat, Slug: slug, Title: p.title,
			Time: base.AddDate(0, 0, p.day), Modified: base, Date: base.AddDate(0, 0, p.day).Format(time.DateOnly),
			Langs: p.langs, Fingerprint: "fp", Tags: p.tags,
		}
		for _, lang := range []string{"ko", "en"} {
			item := fmt.Sprintf(`{"slug":%q,"lang":%q}`, p.id, lang)
			rec.Payloads = append(rec.Payloads, store.Payload{Lang: lang, Served: lang, ETag: `"e"`, Body: []byte(`{"post":` + item + `}`), Item: []byte(item)})
		}
		if err := tx.PutPost(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	cats := []store.CategoryRecord{
		{Slug: "y", Order: 1, Data: []byte(`{"name":{"ko":"와이"},"description":{}}`)},
		{Slug: "x", Order: 1, Data: []byte(`{"name":{"ko":"엑스"},"description":{}}`)},
		{Slug: "empty", Order: 0, Data: []byte(`{"name":{},"description":{}}`)},
	}
	if err := tx.PutCategories(ctx, cats); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tx.Commit(ctx, store.RunInfo{At: base}); err != nil {
		t.Fatal(err)
	}
	return st
}

// itemIDs returns the slugs of a page's items, checking each is in lang.
func itemIDs(t *testing.T, page store.ListPage, lang string) []string {
	t.Helper()
	out := []string{}
	for _, it := range page.Items {
		s := string(it)
		id, _, _ := strings.Cut(strings.TrimPrefix(s, `{"slug":"`), `"`)
		if !strings.HasSuffix(s, `"lang":"`+lang+`"}`) {
			t.Errorf("item %s is not the %s item", s, lang)
		}
		out = append(out, id)
	}
	return out
}

func TestList(t *testing.T) {
	st := openListStore(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		q     store.ListQuery
		total int
		want  []string
	}{
		{"newest", store.ListQuery{Lang: "ko", Limit: 10}, 6, []string{"y/e", "x/b", "x/d", "y/c", "y/f", "x/a"}},
		{"oldest", store.ListQuery{Lang: "en", Sort: store.SortOldest, Limit: 10}, 6, []string{"x/a", "y/f", "y/c", "x/d", "x/b", "y/e"}},
		{"title", store.ListQuery{Lang: "ko", Sort: store.SortTitle, Limit: 10}, 6, []string{"x/b", "x/d", "y/c", "x/a", "y/e", "y/f"}},
		{"title desc", store.ListQuery{Lang: "ko", Sort: store.SortTitleDesc, Limit: 10}, 6, []string{"y/f", "y/e", "x/a", "y/c", "x/d", "x/b"}},
		{"page 2 of 4", store.ListQuery{Lang: "ko", Offset: 4, Limit: 4}, 6, []string{"y/f", "x/a"}},
		{"middle", store.ListQuery{Lang: "ko", Offset: 1, Limit: 2}, 6, []string{"x/b", "x/d"}},
		{"past the end", store.ListQuery{Lang: "ko", Offset: 6, Limit: 4}, 6, []string{}},
		{"category", store.ListQuery{Lang: "ko", Category: "x", Limit: 10}, 3, []string{"x/b", "x/d", "x/a"}},
		{"category by title", store.ListQuery{Lang: "ko", Category: "y", Sort: store.SortTitle, Limit: 10}, 3, []string{"y/c", "y/e", "y/f"}},
		{"tag", store.ListQuery{Lang: "ko", Tag: "go", Limit: 10}, 4, []string{"y/e", "x/b", "y/f", "x/a"}},
		{"tag oldest", store.ListQuery{Lang: "ko", Tag: "go", Sort: store.SortOldest, Offset: 1, Limit: 2}, 4, []string{"y/f", "x/b"}},
		{"tag and category", store.ListQuery{Lang: "en", Tag: "go", Category: "y", Limit: 10}, 2, []string{"y/e", "y/f"}},
		{"unknown tag", store.ListQuery{Lang: "ko", Tag: "nope", Limit: 10}, 0, []string{}},
		{"unknown category", store.ListQuery{Lang: "ko", Category: "nope", Limit: 10}, 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := st.List(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != tt.total {
				t.Errorf("total %d, want %d", page.Total, tt.total)
			}
			if got := itemIDs(t, page, tt.q.Lang); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if page.Items == nil {
				t.Errorf("items nil, want an empty list")
			}
		})
	}
}

func TestCategoryAndTagPages(t *testing.T) {
	st := openListStore(t)
	ctx := context.Background()
	info, page, err := st.CategoryPage(ctx, "x", store.ListQuery{Lang: "en", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if info.Slug != "x" || info.Count != 3 || !reflect.DeepEqual(info.Langs, map[string]int{"ko": 2, "en": 2}) {
		t.Errorf("category x: %+v", info)
	}
	if got := itemIDs(t, page, "en"); page.Total != 3 || !slices.Equal(got, []string{"x/b", "x/d"}) {
		t.Errorf("category x: total %d items %v", page.Total, got)
	}
	info, page, err = st.CategoryPage(ctx, "empty", store.ListQuery{Lang: "ko", Limit: 2})
	if err != nil || info.Count != 0 || len(info.Langs) != 0 || page.Total != 0 || len(page.Items) != 0 {
		t.Errorf("category empty: %+v %+v %v", info, page, err)
	}
	if _, _, err := st.CategoryPage(ctx, "nope", store.ListQuery{Lang: "ko", Limit: 2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown category: err %v, want ErrNotFound", err)
	}

	tag, page, err := st.TagPage(ctx, "db", store.ListQuery{Lang: "ko", Limit: 1, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tag.Count != 2 || page.Total != 2 || !slices.Equal(itemIDs(t, page, "ko"), []string{"x/a"}) {
		t.Errorf("tag db: %+v, items %v", tag, itemIDs(t, page, "ko"))
	}
	if _, _, err := st.TagPage(ctx, "nope", store.ListQuery{Lang: "ko", Limit: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown tag: err %v, want ErrNotFound", err)
	}
}

func TestCategoriesAndTags(t *testing.T) {
	st := openListStore(t)
	ctx := context.Background()
	cats, err := st.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cats {
		got = append(got, fmt.Sprintf("%s:%d:ko%d:en%d", c.Slug, c.Count, c.Langs["ko"], c.Langs["en"]))
	}
	if want := []string{"empty:0:ko0:en0", "x:3:ko2:en2", "y:3:ko3:en1"}; !slices.Equal(got, want) {
		t.Errorf("categories %v, want %v", got, want)
	}
	tags, err := st.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.TagInfo{{Name: "go", Count: 4}, {Name: "db", Count: 2}, {Name: "web", Count: 1}}
	if !reflect.DeepEqual(tags, want) {
		t.Errorf("tags %v, want %v", tags, want)
	}
}

// TestTagPagesEveryWay checks every page of every tag, alone and within a
// category, in every order, against the untagged list filtered by hand: a tag's
// page is found by walking an index or by sorting the tag's posts depending on
// the page and the tag's size, and both must agree with the plain order.
func TestTagPagesEveryWay(t *testing.T) {
	st := openListStore(t)
	ctx := context.Background()
	tagged := map[string][]string{}
	for _, p := range listPosts {
		for _, tag := range p.tags {
			tagged[tag] = append(tagged[tag], p.id)
		}
	}
	for _, sort := range []store.Sort{store.SortNewest, store.SortOldest, store.SortTitle, store.SortTitleDesc} {
		for _, cat := range []string{"", "x", "y"} {
			full, err := st.List(ctx, store.ListQuery{Lang: "ko", Sort: sort, Category: cat, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for tag, ids := range tagged {
				var want []string
				for _, id := range itemIDs(t, full, "ko") {
					if slices.Contains(ids, id) {
						want = append(want, id)
					}
				}
				for limit := 1; limit <= 7; limit++ {
					for offset := 0; offset <= 6; offset++ {
						q := store.ListQuery{Lang: "ko", Sort: sort, Category: cat, Tag: tag, Offset: offset, Limit: limit}
						page, err := st.List(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						w := want[min(offset, len(want)):min(offset+limit, len(want))]
						if got := itemIDs(t, page, "ko"); !slices.Equal(got, w) || page.Total != len(want) {
							t.Errorf("%+v: got %v of %d, want %v of %d", q, got, page.Total, w, len(want))
						}
					}
				}
			}
		}
	}
}
