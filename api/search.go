package api

import (
	"context"
	"net/url"
	"strconv"
)

// SearchResponse is the body of GET /search.
type SearchResponse struct {
	// Query is the q parameter with its runs of whitespace made one space.
	Query string      `json:"query"`
	Hits  []SearchHit `json:"hits"`
	Meta  SearchMeta  `json:"meta"`
}

// SearchHit is one post found: its list item in the searched language, plus
// a snippet of the text that matched.
type SearchHit struct {
	PostItem
	// Snippet is an excerpt of the matching text as HTML: the text is escaped
	// and every match is wrapped in <mark></mark>, the only markup it holds.
	Snippet string `json:"snippet"`
}

// SearchMeta describes a search's matches.
type SearchMeta struct {
	// Total is how many posts match, counted up to the 500 a search ranks.
	Total int `json:"total"`
	// Capped is true when the count stopped at that bound: more posts may
	// match, and the hits are the best of the newest 500 matches.
	Capped bool `json:"capped"`
	// Limit is the most hits one answer holds, after the cap of 50.
	Limit int `json:"limit"`
	// Lang is the language searched: each post's text in it, or in the
	// language its payload falls back to.
	Lang string `json:"lang"`
}

// SearchOptions are the optional query parameters of Client.Search.
type SearchOptions struct {
	// Lang is a site language; empty lets the server pick (Accept-Language,
	// else the site's default).
	Lang string
	// Category keeps only that category's posts.
	Category string
	// Limit is the number of hits, capped at 50 by the server; zero leaves the
	// server's default (10).
	Limit int
}

// Search finds the posts whose text holds every term of q, best first.
func (c *Client) Search(ctx context.Context, q string, opts *SearchOptions) (*SearchResponse, error) {
	v := url.Values{}
	v.Set("q", q)
	if opts != nil {
		set(v, "lang", opts.Lang)
		set(v, "category", opts.Category)
		if opts.Limit != 0 {
			v.Set("limit", strconv.Itoa(opts.Limit))
		}
	}
	return getJSON[SearchResponse](ctx, c, "/search", v)
}
