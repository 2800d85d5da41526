package server

import (
	"context"
	"fmt"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/store"
)

// releaseState is what the server knows of the release it serves: its name
// and clock, and the cache keys of every post (see cachekeys.go), worked out
// once per release rather than per request.
type releaseState struct {
	rel  store.Release
	keys map[string]keyHeaders // by post id
}

// LoadRelease reads the release the store holds: /readyz and /admin/status
// name it, its clock is the Last-Modified of answers without their own, and
// its posts' tags give their cache keys. Call it after every index run; a
// run that left the release as it was costs one small query.
func (s *Server) LoadRelease(ctx context.Context) error {
	rel, err := s.store.Release(ctx)
	if err != nil {
		return fmt.Errorf("load release: %w", err)
	}
	if old := s.rel.Load(); old != nil && old.rel.Hash == rel.Hash {
		return nil
	}
	tags, err := s.store.PostTags(ctx)
	if err != nil {
		return fmt.Errorf("load release: %w", err)
	}
	rs := &releaseState{rel: rel, keys: make(map[string]keyHeaders, len(tags))}
	for id, ts := range tags {
		rs.keys[id] = newKeyHeaders(postCacheKeys(id, ts))
	}
	s.rel.Store(rs)
	return nil
}

// release returns the release served, zero before LoadRelease.
func (s *Server) release() store.Release {
	if rs := s.rel.Load(); rs != nil {
		return rs.rel
	}
	return store.Release{}
}

// apiRelease is the release in the public shape; nil before the first.
func (s *Server) apiRelease() *api.Release {
	rel := s.release()
	if rel.Hash == "" {
		return nil
	}
	return &api.Release{Hash: rel.Hash, BuiltAt: rel.BuiltAt, Modified: rel.Modified}
}

// defaultModified is the Last-Modified of an answer whose handler set none:
// the release clock, the same in every copy of a release; before a release
// is known, when this process first served these bytes.
func (s *Server) defaultModified(etag string) time.Time {
	if rel := s.release(); rel.Hash != "" {
		return rel.Modified
	}
	return s.reprs.firstSeen(etag)
}

// PublishStored serves the release the store holds as it is, when no index
// run of this process made it (one that failed leaves it as it was): the
// site of its sealed languages and settings, and the release itself.
func (s *Server) PublishStored(ctx context.Context) error {
	rel, err := s.store.Release(ctx)
	if err != nil {
		return fmt.Errorf("publish stored release: %w", err)
	}
	snap, err := releaseSite(ctx, s.store, rel)
	if err != nil {
		return fmt.Errorf("publish stored release: %w", err)
	}
	s.Publish(snap)
	return s.LoadRelease(ctx)
}
