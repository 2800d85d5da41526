// Package site holds the snapshot of a site that one index generation
// publishes: its settings from site.yaml, its languages and their
// Accept-Language matcher. The indexer builds one per run (index.Summary.Site)
// and a read-only server one per release; the server keeps the current one
// and only reads it, so a request sees one generation's site whole.
package site

import (
	"slices"

	"golang.org/x/text/language"

	"github.com/geul-dev/geul/internal/content"
)

// Snapshot is one generation's site. It is immutable: build a new one for a
// change.
type Snapshot struct {
	generation int64
	settings   content.Site
	tags       []language.Tag // settings.Languages as tags, in the same order
	matcher    language.Matcher
}

// New is the snapshot of generation gen of a site with these settings
// (site.yaml as written, its base URL unresolved). Settings without languages
// get content's default ones.
func New(gen int64, settings content.Site) *Snapshot {
	if len(settings.Languages) == 0 {
		settings.Languages = content.DefaultSite().Languages
	}
	settings.Languages = slices.Clone(settings.Languages)
	s := &Snapshot{generation: gen, settings: settings, tags: make([]language.Tag, len(settings.Languages))}
	for i, l := range settings.Languages {
		s.tags[i] = language.Make(l)
	}
	s.matcher = language.NewMatcher(s.tags)
	return s
}

// Generation is the index generation the snapshot was taken at; 0 before the
// first run.
func (s *Snapshot) Generation() int64 { return s.generation }

// Settings are site.yaml's settings. Their maps are shared: read them only.
func (s *Snapshot) Settings() content.Site { return s.settings }

// Languages are the site's languages, the default first. Read them only.
func (s *Snapshot) Languages() []string { return s.settings.Languages }

// Default is the site's default language, whose body a post falls back to.
func (s *Snapshot) Default() string { return s.settings.Languages[0] }

// Fallbacks is the order in which a body or a text is looked for in lang:
// see content.Site.Fallbacks.
func (s *Snapshot) Fallbacks(lang string) []string { return s.settings.Fallbacks(lang) }

// Match is the site language that best matches tags (Accept-Language's,
// or a lang parameter's), with how sure the match is, and the language's own
// tag.
func (s *Snapshot) Match(tags ...language.Tag) (lang string, site language.Tag, conf language.Confidence) {
	_, i, conf := s.matcher.Match(tags...)
	return s.settings.Languages[i], s.tags[i], conf
}
