package api

// JSONFeedVersion is the version URL of the JSON Feed format geul serves.
const JSONFeedVersion = "https://jsonfeed.org/version/1.1"

// JSONFeed is the body of GET /feed.json: a JSON Feed 1.1 document
// (https://jsonfeed.org/version/1.1) of the newest posts in one language.
type JSONFeed struct {
	// Version is always JSONFeedVersion.
	Version string `json:"version"`
	Title   string `json:"title"`
	// HomePageURL is the site's home page: the base URL.
	HomePageURL string `json:"home_page_url,omitempty"`
	// FeedURL is where this feed is published: the base URL, /feed.json and
	// the language.
	FeedURL     string `json:"feed_url,omitempty"`
	Description string `json:"description,omitempty"`
	// Language is the feed's language, a site language.
	Language string         `json:"language,omitempty"`
	Authors  []JSONFeedUser `json:"authors,omitempty"`
	Items    []JSONFeedItem `json:"items"`
}

// JSONFeedItem is one post of a JSON Feed.
type JSONFeedItem struct {
	// ID is the post's public URL, which is also URL.
	ID    string `json:"id"`
	URL   string `json:"url,omitempty"`
	Title string `json:"title,omitempty"`
	// ContentHTML is the post's body rendered to HTML, in full.
	ContentHTML string `json:"content_html"`
	// Summary is the post's description.
	Summary string `json:"summary,omitempty"`
	// DatePublished is the post's date in RFC 3339.
	DatePublished string `json:"date_published,omitempty"`
	// DateModified is the post's updated date in RFC 3339, else its date.
	DateModified string `json:"date_modified,omitempty"`
	// Tags are the post's category name, then its tags.
	Tags     []string `json:"tags,omitempty"`
	Language string   `json:"language,omitempty"`
}

// JSONFeedUser is an author of a JSON Feed.
type JSONFeedUser struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}
