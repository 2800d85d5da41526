package api

// ListResponse is the body of a paginated list of posts: GET /posts,
// GET /categories/{category} and GET /tags/{tag} (the latter two add their
// category or tag). Items are post objects without content and html, keys in
// the post object's order, trimmed further when the request gave fields.
type ListResponse struct {
	Posts []PostItem `json:"posts"`
	Meta  ListMeta   `json:"meta"`
}

// ListMeta is what a list says about itself.
type ListMeta struct {
	Pagination Pagination `json:"pagination"`
}

// Pagination places a page in its list. A page past the end is an empty page
// whose prev points at the last page that has posts.
type Pagination struct {
	// Page is the page served, counting from 1.
	Page int `json:"page"`
	// Limit is the number of posts per page after the cap of 100.
	Limit int `json:"limit"`
	// Pages is the number of pages, at least 1 (an empty list has one empty page).
	Pages int `json:"pages"`
	// Total is the number of posts in the list across every page.
	Total int `json:"total"`
	// Prev is the previous page's number, null on the first page.
	Prev *int `json:"prev"`
	// Next is the next page's number, null on the last page and past it.
	Next *int `json:"next"`
}

// Category is a category as GET /categories lists it.
type Category struct {
	Slug        string    `json:"slug"`
	Name        Localized `json:"name" swaggertype:"object,string"`
	Description Localized `json:"description" swaggertype:"object,string"`
	// Order is the category's order key from _category.yaml (0 when absent);
	// categories are listed by it, then by slug.
	Order int `json:"order"`
	// Count is the number of posts in the category: the total of its list.
	Count int `json:"count"`
	// Counts is, per site language in the site's order, the number of the
	// category's posts that have a body in that language; the others are
	// served in a fallback language.
	Counts LangCounts `json:"counts" swaggertype:"object,integer"`
	// LocalName is Name in the language of the request (lang, else
	// Accept-Language, else the site's default), else in the first site
	// language that has one; "" when the category has no name.
	LocalName string `json:"localName"`
	// LocalDescription is Description in the same language, as LocalName.
	LocalDescription string `json:"localDescription"`
}

// CategoriesResponse is the body of GET /categories.
type CategoriesResponse struct {
	Categories []Category `json:"categories"`
}

// CategoryResponse is the body of GET /categories/{category}: the category and
// one page of its posts.
type CategoryResponse struct {
	Category Category   `json:"category"`
	Posts    []PostItem `json:"posts"`
	Meta     ListMeta   `json:"meta"`
}

// Tag is a tag with the number of posts that carry it.
type Tag struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// TagsResponse is the body of GET /tags: every tag, most used first, then by name.
type TagsResponse struct {
	Tags []Tag `json:"tags"`
}

// TagResponse is the body of GET /tags/{tag}: the tag and one page of its posts.
type TagResponse struct {
	Tag   Tag        `json:"tag"`
	Posts []PostItem `json:"posts"`
	Meta  ListMeta   `json:"meta"`
}

// LangCount is one language's number of a LangCounts value.
type LangCount struct {
	Lang  string
	Count int
}

// LangCounts is a number per language. Like Localized it marshals as a JSON
// object whose keys keep the slice's order (the site's language order).
type LangCounts []LangCount

// Get returns the count of lang, or 0.
func (l LangCounts) Get(lang string) int {
	for _, c := range l {
		if c.Lang == lang {
			return c.Count
		}
	}
	return 0
}

// MarshalJSON writes the object in slice order.
func (l LangCounts) MarshalJSON() ([]byte, error) {
	return marshalOrdered(len(l), func(i int) (string, any) { return l[i].Lang, l[i].Count })
}

// UnmarshalJSON reads the object keeping its key order.
func (l *LangCounts) UnmarshalJSON(data []byte) error {
	out := LangCounts{}
	null, err := unmarshalOrdered(data, "lang counts", func(lang string, n int) {
		out = append(out, LangCount{Lang: lang, Count: n})
	})
	if err != nil {
		return err
	}
	if null {
		out = nil
	}
	*l = out
	return nil
}
