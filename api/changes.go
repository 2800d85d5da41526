package api

// ChangedPost is one language of a post that changed.
type ChangedPost struct {
	// Slug is the post's slug, category/slug, as the post object carries it.
	Slug string `json:"slug"`
	// Lang is the language whose payload changed: GET /posts/{slug}?lang={lang}
	// fetches it again.
	Lang string `json:"lang"`
	// Generation is the last generation that changed it.
	Generation int64 `json:"generation"`
	// Keys are the cache keys the change invalidates (the Surrogate-Key and
	// Cache-Tag values of the answers it changed): purge them from a shared
	// cache.
	Keys []string `json:"keys"`
}

// Changes is the body of GET /changes?since=N and the data of each
// "generation" event of GET /events: the net changes after generation Since up
// to Generation. A post language created and deleted again within the span is
// not listed; one deleted and created again is updated.
//
// A client keeping a local copy stores Generation and asks with it next time.
type Changes struct {
	// Since is the generation the changes are counted from.
	Since int64 `json:"since"`
	// Generation is the current generation.
	Generation int64 `json:"generation"`
	// Created are post languages that did not exist at Since.
	Created []ChangedPost `json:"created"`
	// Updated are post languages whose payload changed.
	Updated []ChangedPost `json:"updated"`
	// Deleted are post languages no longer served.
	Deleted []ChangedPost `json:"deleted"`
}
