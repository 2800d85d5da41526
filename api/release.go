package api

import "time"

// Release names the index release a server answers from: a database built by
// geul index (or published by geul serve --publish) and served by any number
// of replicas. Replicas serving the same hash answer byte for byte alike.
type Release struct {
	// Hash is the release's content hash (sha256, hex): the same content
	// built by the same geul gives the same hash.
	Hash string `json:"hash"`
	// BuiltAt is when the release was built.
	BuiltAt time.Time `json:"builtAt"`
	// Modified is the release clock: the Last-Modified of answers that have
	// none of their own (lists, feeds, search).
	Modified time.Time `json:"modified"`
}
