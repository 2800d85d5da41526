// Package feeds renders the feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) and the
// sitemap of a site: pure functions from the site's settings and the posts the
// index stored to bytes. The server reads the posts, caches what these build
// once per index generation, and serves it.
//
// Feeds and the sitemap link to the public site, not to the API, so they need
// the site's address (Links.Base) and the shape of its pages (the Post and
// Category templates). A template without {lang} means one page serves every
// language: the sitemap then lists it once, without alternates. The feeds'
// own self links are {base}/feed.xml, {base}/atom.xml and {base}/feed.json
// with ?lang=: the feeds and the sitemap are meant to be published under the
// site's address (a search engine takes only the URLs of a sitemap's own host).
package feeds

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/store"
)

// Size is the number of posts a feed carries.
const Size = 20

// Content types of the feeds and the sitemap.
const (
	MIMERSS     = "application/rss+xml; charset=utf-8"
	MIMEAtom    = "application/atom+xml; charset=utf-8"
	MIMEJSON    = "application/feed+json; charset=utf-8"
	MIMESitemap = "application/xml; charset=utf-8"
)

// Site is what the feeds take from site.yaml: title and description per
// language.
type Site struct {
	Title, Description map[string]string
}

// Doc is what one document is built from.
type Doc struct {
	Lang  string
	Langs []string // site languages, the default first
	Site  Site
	Links Links
}

// defaultTitle names a site whose site.yaml has no title. Never the host
// name: a feed reader shows it as the site's name.
const defaultTitle = "geul"

// title is site.yaml's title in the document's language, else in the first
// site language that has one, else defaultTitle.
func (d Doc) title() string {
	if t := d.siteText(d.Site.Title); t != "" {
		return t
	}
	return defaultTitle
}

// description is site.yaml's description as title picks the title, else the
// title.
func (d Doc) description() string {
	if s := d.siteText(d.Site.Description); s != "" {
		return s
	}
	return d.title()
}

// siteText is the text of a site.yaml map in the document's language, else
// in the first site language that has one.
func (d Doc) siteText(m map[string]string) string {
	if t := m[d.Lang]; t != "" {
		return t
	}
	for _, l := range d.Langs {
		if t := m[l]; t != "" {
			return t
		}
	}
	return ""
}

func (d Doc) selfURL(path string) string { return d.Links.Base + path + "?lang=" + d.Lang }

func (d Doc) homeURL() string { return d.Links.Base + "/" }

// item is a post as every feed format needs it.
type item struct {
	url                string
	title, summary     string
	html               string
	category           string // the category's name in the feed's language
	categorySlug       string
	tags               []string
	published, updated time.Time
}

// storedPost is the part of a stored payload the feeds read.
type storedPost struct {
	Post struct {
		Slug         string        `json:"slug"`
		CategorySlug string        `json:"categorySlug"`
		Title        api.Localized `json:"title"`
		Date         string        `json:"date"`
		Category     api.Localized `json:"category"`
		Description  api.Localized `json:"description"`
		HTML         string        `json:"html"`
		Tags         []string      `json:"tags"`
		Updated      *string       `json:"updated"`
	} `json:"post"`
}

// items reads the posts of a feed from their stored payloads.
func items(d Doc, posts []store.FeedPost) ([]item, error) {
	out := make([]item, 0, len(posts))
	for _, p := range posts {
		var sp storedPost
		if err := json.Unmarshal(p.Body, &sp); err != nil {
			return nil, fmt.Errorf("feed %s: post %s: stored payload: %w", d.Lang, p.ID, err)
		}
		pp := sp.Post
		it := item{
			url:          d.Links.PostURL(p.ID, d.Lang),
			title:        pp.Title.In(d.Lang, d.Langs),
			summary:      pp.Description.In(d.Lang, d.Langs),
			html:         pp.HTML,
			category:     pp.Category.In(d.Lang, d.Langs),
			categorySlug: pp.CategorySlug,
			tags:         pp.Tags,
			published:    postDate(pp.Date),
		}
		if it.category == "" {
			it.category = pp.CategorySlug
		}
		it.updated = it.published
		if pp.Updated != nil {
			if u := postDate(*pp.Updated); !u.IsZero() {
				it.updated = u
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// postDate is a front matter date the indexer accepted; anything else is the
// zero time.
func postDate(s string) time.Time {
	t, _ := content.ParseDate(s)
	return t
}

// newest is the latest updated time of items, or the zero time.
func newest(items []item) time.Time {
	var t time.Time
	for _, it := range items {
		if it.updated.After(t) {
			t = it.updated
		}
	}
	return t
}

// RSS 2.0, with the content module for the full HTML and an atom:link to
// itself as the RSS Advisory Board recommends.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	NSAtom  string     `xml:"xmlns:atom,attr"`
	NSCont  string     `xml:"xmlns:content,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	Generator     string    `xml:"generator"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	Description string   `xml:"description,omitempty"`
	Content     cdata    `xml:"content:encoded"`
	PubDate     string   `xml:"pubDate"`
	Categories  []string `xml:"category"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName   xml.Name    `xml:"feed"`
	NS        string      `xml:"xmlns,attr"`
	Lang      string      `xml:"xml:lang,attr"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Link       atomLink       `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Summary    string         `xml:"summary,omitempty"`
	Content    atomContent    `xml:"content"`
	Categories []atomCategory `xml:"category"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Text string `xml:",cdata"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

// RSS renders the RSS 2.0 feed of posts, the newest first.
func RSS(d Doc, posts []store.FeedPost) ([]byte, error) {
	items, err := items(d, posts)
	if err != nil {
		return nil, err
	}
	ch := rssChannel{
		Title: d.title(), Link: d.homeURL(), Description: d.description(), Language: d.Lang, Generator: "geul",
		Self:  atomLink{Href: d.selfURL("/feed.xml"), Rel: "self", Type: "application/rss+xml"},
		Items: make([]rssItem, 0, len(items)),
	}
	if t := newest(items); !t.IsZero() {
		ch.LastBuildDate = t.Format(time.RFC1123Z)
	}
	for _, it := range items {
		ch.Items = append(ch.Items, rssItem{
			Title: it.title, Link: it.url, GUID: rssGUID{IsPermaLink: "true", Value: it.url},
			Description: it.summary, Content: cdata{xmlSafe(it.html)},
			PubDate:    it.published.Format(time.RFC1123Z),
			Categories: append([]string{it.category}, it.tags...),
		})
	}
	body, err := xmlDoc(rssDoc{
		Version: "2.0", NSAtom: "http://www.w3.org/2005/Atom", NSCont: "http://purl.org/rss/1.0/modules/content/",
		Channel: ch,
	})
	if err != nil {
		return nil, fmt.Errorf("rss %s: %w", d.Lang, err)
	}
	return body, nil
}

// Atom renders the Atom 1.0 feed of posts, the newest first.
func Atom(d Doc, posts []store.FeedPost) ([]byte, error) {
	items, err := items(d, posts)
	if err != nil {
		return nil, err
	}
	self := d.selfURL("/atom.xml")
	updated := newest(items)
	if updated.IsZero() {
		updated = time.Unix(0, 0).UTC() // an empty feed has no time of its own
	}
	feed := atomFeed{
		NS: "http://www.w3.org/2005/Atom", Lang: d.Lang, ID: self, Title: d.title(), Subtitle: d.siteText(d.Site.Description),
		Updated: updated.Format(time.RFC3339),
		Links: []atomLink{
			{Href: d.homeURL(), Rel: "alternate", Type: "text/html"},
			{Href: self, Rel: "self", Type: "application/atom+xml"},
		},
		// Atom needs an author; content files name none, so the site is.
		Author: atomPerson{Name: d.title()}, Generator: "geul",
		Entries: make([]atomEntry, 0, len(items)),
	}
	for _, it := range items {
		cats := []atomCategory{{Term: it.categorySlug, Label: it.category}}
		for _, t := range it.tags {
			cats = append(cats, atomCategory{Term: t})
		}
		feed.Entries = append(feed.Entries, atomEntry{
			ID: it.url, Title: it.title, Link: atomLink{Href: it.url, Rel: "alternate", Type: "text/html"},
			Published: it.published.Format(time.RFC3339), Updated: it.updated.Format(time.RFC3339),
			Summary: it.summary, Content: atomContent{Type: "html", Text: xmlSafe(it.html)},
			Categories: cats,
		})
	}
	body, err := xmlDoc(feed)
	if err != nil {
		return nil, fmt.Errorf("atom %s: %w", d.Lang, err)
	}
	return body, nil
}

// JSONFeed renders the JSON Feed 1.1 of posts, the newest first.
func JSONFeed(d Doc, posts []store.FeedPost) ([]byte, error) {
	items, err := items(d, posts)
	if err != nil {
		return nil, err
	}
	feed := api.JSONFeed{
		Version: api.JSONFeedVersion, Title: d.title(), Description: d.siteText(d.Site.Description), HomePageURL: d.homeURL(),
		FeedURL: d.selfURL("/feed.json"), Language: d.Lang,
		Items: make([]api.JSONFeedItem, 0, len(items)),
	}
	for _, it := range items {
		feed.Items = append(feed.Items, api.JSONFeedItem{
			ID: it.url, URL: it.url, Title: it.title, ContentHTML: it.html, Summary: it.summary,
			DatePublished: it.published.Format(time.RFC3339), DateModified: it.updated.Format(time.RFC3339),
			Tags: append([]string{it.category}, it.tags...), Language: d.Lang,
		})
	}
	body, err := api.Encode(feed)
	if err != nil {
		return nil, fmt.Errorf("json feed %s: %w", d.Lang, err)
	}
	return body, nil
}
