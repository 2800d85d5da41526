// Package api holds the JSON types geul serves and a small typed Go client for them.
// It is the one public package of geul: frontends, scripts and apps written in Go
// may import it.
package api

// LocalizedText is one language's text of a Localized value.
type LocalizedText struct {
	Lang string
	Text string
}

// Localized is text per language. It marshals as a JSON object whose keys keep the
// slice's order (the site's language order), which the original page payload
// depends on: {"ko": ..., "en": ...}, never sorted.
type Localized []LocalizedText

// Get returns the text for lang, or "".
func (l Localized) Get(lang string) string {
	for _, t := range l {
		if t.Lang == lang {
			return t.Text
		}
	}
	return ""
}

// In is l's text in lang, else in the first of langs that has one, else the
// first text l has: geul's one rule for a text missing in a language.
func (l Localized) In(lang string, langs []string) string {
	if t := l.Get(lang); t != "" {
		return t
	}
	for _, sl := range langs {
		if t := l.Get(sl); t != "" {
			return t
		}
	}
	for _, t := range l {
		if t.Text != "" {
			return t.Text
		}
	}
	return ""
}

// MarshalJSON writes the object in slice order.
func (l Localized) MarshalJSON() ([]byte, error) {
	return marshalOrdered(len(l), func(i int) (string, any) { return l[i].Lang, l[i].Text })
}

// UnmarshalJSON reads the object keeping its key order.
func (l *Localized) UnmarshalJSON(data []byte) error {
	out := Localized{}
	null, err := unmarshalOrdered(data, "localized", func(lang, text string) {
		out = append(out, LocalizedText{Lang: lang, Text: text})
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

// Heading is one entry of a post's table of contents.
type Heading struct {
	Level int    `json:"level"`
	ID    string `json:"id"`
	Text  string `json:"text"`
}

// PostRef points at another post: a neighbour or a related post.
type PostRef struct {
	Slug  string    `json:"slug"`
	Title Localized `json:"title" swaggertype:"object,string"`
	Date  string    `json:"date"`
}

// Post is the post object. Its first seven keys, in this order, are the ones the
// original blog page carried; every later key was added by geul. Keys are only
// ever added, never renamed or reshaped.
//
// The fields query parameter trims it to slug and the keys asked for; see
// PostFields.
//
//geul:fields
type Post struct {
	Slug         string    `json:"slug"`
	CategorySlug string    `json:"categorySlug"`
	Title        Localized `json:"title" swaggertype:"object,string"`
	Date         string    `json:"date"`
	Category     Localized `json:"category" swaggertype:"object,string"`
	Description  Localized `json:"description" swaggertype:"object,string"`
	// Content is the markdown body, byte for byte as written.
	Content string `json:"content"`
	// HTML is Content rendered by goldmark.
	HTML string `json:"html"`
	PostMeta
	// Files lists the files beside a bundle post (images and other files
	// its html links to), by name; empty for a post without a bundle. It
	// comes last: lists do not carry it.
	Files []PostFile `json:"files"`
}

// PostFile is a file of a post's bundle, served at URL.
type PostFile struct {
	// Name is the file's path inside the post's folder, e.g. "diagram.png"
	// or "images/a.png".
	Name string `json:"name"`
	// URL is where geul serves the file: /posts/{category}/{slug}/{name},
	// absolute when the site has a base URL. The post's html links to it.
	URL string `json:"url"`
	// Type is the Content-Type the file is served with.
	Type string `json:"type"`
	// Bytes is the file's size.
	Bytes int64 `json:"bytes"`
	// Width and Height are the pixel size of png, jpeg, gif and webp images;
	// absent for other files.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// PostMeta is what the post object carries after its body: the fields geul added.
type PostMeta struct {
	// Lang is the language whose body was served; it differs from the requested
	// language when the post has no body in that language.
	Lang string `json:"lang"`
	// Translations lists the languages that have a body.
	Translations   []string       `json:"translations"`
	TOC            []Heading      `json:"toc"`
	Tags           []string       `json:"tags"`
	Updated        *string        `json:"updated"`
	ReadingMinutes int            `json:"readingMinutes"`
	Extra          map[string]any `json:"extra"`
	Prev           *PostRef       `json:"prev"`
	Next           *PostRef       `json:"next"`
	Related        []PostRef      `json:"related"`
}

// PostItem is a post as lists carry it: the post object without content, html
// and files, keys in the same order. The fields query parameter trims it like Post.
//
//geul:fields
type PostItem struct {
	Slug         string    `json:"slug"`
	CategorySlug string    `json:"categorySlug"`
	Title        Localized `json:"title" swaggertype:"object,string"`
	Date         string    `json:"date"`
	Category     Localized `json:"category" swaggertype:"object,string"`
	Description  Localized `json:"description" swaggertype:"object,string"`
	PostMeta
}

// Item returns p as a list item.
func (p *Post) Item() PostItem {
	return PostItem{
		Slug: p.Slug, CategorySlug: p.CategorySlug, Title: p.Title, Date: p.Date,
		Category: p.Category, Description: p.Description, PostMeta: p.PostMeta,
	}
}

// PostResponse is the body of GET /posts/{category}/{slug}.
type PostResponse struct {
	Post Post `json:"post"`
}

// Health is the body of GET /healthz and GET /readyz.
type Health struct {
	// Status is "ok" on /healthz and "ready" on /readyz.
	Status string `json:"status"`
	// Release is the content hash of the release served, on /readyz once
	// ready.
	Release string `json:"release,omitempty"`
	// Detail, on /readyz, says what is wrong while the last good index goes
	// on being served: index runs failing (since when, and why), the
	// database file deleted or replaced, the index served read-only.
	Detail string `json:"detail,omitempty"`
}

// Problem is an RFC 9457 problem details body, served as application/problem+json.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
}
