package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"
)

// served is what the server answers for, swapped whole by Publish: one
// generation's site, and the release it was sealed as with the cache keys
// of every post (see cachekeys.go), worked out once per release rather than
// per request. A request never sees the site of one run with the release
// of another.
type served struct {
	site *site.Snapshot
	rel  store.Release         // zero before the first release
	keys map[string]keyHeaders // by post id
}

// Update is what the server is told of an index run, whoever ran it (start,
// watcher, admin), once the run is over: committed and sealed.
type Update struct {
	// Run is what the run did: it moves the metrics and /readyz, and a new
	// generation is announced to the event clients.
	Run IndexRun
	// Site is the site the run leaves served; nil when the run failed
	// (Run.Err), and the site served stays.
	Site *site.Snapshot
	// Release is the release the run was sealed as; zero when it was not
	// sealed, and the release served stays. /readyz and /admin/status name
	// it, and its clock is the Last-Modified of answers without their own.
	Release store.Release
}

// Publish makes what an index run left the state the server answers for,
// in one step, then reports the run. Call it after every run, failed ones
// too.
func (s *Server) Publish(ctx context.Context, u Update) {
	if u.Site != nil {
		if err := s.publish(ctx, u.Site, u.Release); err != nil {
			s.log.ErrorContext(ctx, "release not loaded", "err", err)
		}
	}
	s.observeRun(ctx, u.Run)
}

// publish swaps in snap and rel (zero: the release served stays). A new
// release's cache keys are read from the store first; when that fails snap
// is published with the release served before, and the error returned.
func (s *Server) publish(ctx context.Context, snap *site.Snapshot, rel store.Release) error {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	old := s.state.Load()
	next := &served{site: snap, rel: old.rel, keys: old.keys}
	var err error
	if rel.Hash != "" && rel.Hash != old.rel.Hash {
		var keys map[string]keyHeaders
		if keys, err = s.releaseKeys(ctx); err == nil {
			next.rel, next.keys = rel, keys
		}
	}
	s.state.Store(next)
	s.feeds.setSite(snap, s.log)
	return err
}

// releaseKeys are the cache keys of every post the store holds, from their
// tags.
func (s *Server) releaseKeys(ctx context.Context) (map[string]keyHeaders, error) {
	tags, err := s.store.PostTags(ctx)
	if err != nil {
		return nil, fmt.Errorf("load release: %w", err)
	}
	keys := make(map[string]keyHeaders, len(tags))
	for id, ts := range tags {
		keys[id] = newKeyHeaders(postCacheKeys(id, ts))
	}
	return keys, nil
}

// release returns the release served, zero before the first.
func (s *Server) release() store.Release { return s.state.Load().rel }

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
// site of its sealed languages, settings and categories, and the release
// itself.
func (s *Server) PublishStored(ctx context.Context) error {
	rel, err := s.store.Release(ctx)
	if err == nil {
		err = s.publishStored(ctx, rel)
	}
	if err != nil {
		return fmt.Errorf("publish stored release: %w", err)
	}
	return nil
}

// publishStored publishes rel, the release the store holds, with the site
// it was sealed with.
func (s *Server) publishStored(ctx context.Context, rel store.Release) error {
	snap, err := releaseSite(ctx, s.store, rel)
	if err != nil {
		return err
	}
	return s.publish(ctx, snap, rel)
}

// releaseSite is the snapshot of the site in the release st holds: its
// languages as sealed, site.yaml and the categories as the index kept them.
func releaseSite(ctx context.Context, st *store.Store, rel store.Release) (*site.Snapshot, error) {
	var settings content.Site
	raw, err := st.SiteMeta(ctx)
	if err == nil && raw != nil {
		err = json.Unmarshal(raw, &settings)
	}
	if err != nil {
		return nil, fmt.Errorf("release site: %w", err)
	}
	settings.Languages = rel.Languages
	gen, err := st.Generation(ctx)
	if err != nil {
		return nil, fmt.Errorf("release site: %w", err)
	}
	infos, err := st.Categories(ctx)
	if err != nil {
		return nil, fmt.Errorf("release site: %w", err)
	}
	cats, err := site.DecodeCategories(infos)
	if err != nil {
		return nil, fmt.Errorf("release site: %w", err)
	}
	return site.New(gen, settings, cats), nil
}
