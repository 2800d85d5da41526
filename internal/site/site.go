// Package site holds the snapshot of a site that one index generation
// publishes: its settings from site.yaml, its languages and their
// Accept-Language matcher, its categories with their post counts. The indexer builds one per run (index.Summary.Site)
// and a read-only server one per release; the server keeps the current one
// and only reads it, so a request sees one generation's site whole.
package site

import (
	"encoding/json"
	"fmt"
	"slices"

	"golang.org/x/text/language"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/store"
)

// Snapshot is one generation's site. It is immutable: build a new one for a
// change.
type Snapshot struct {
	generation int64
	settings   content.Site
	tags       []language.Tag // settings.Languages as tags, in the same order
	matcher    language.Matcher
	cats       []api.Category // as GET /categories lists them, without the Local fields
	bySlug     map[string]int // index in cats
}

// Category is one of the site's categories with its post counts, as the
// index stored them.
type Category struct {
	Slug              string
	Order             int
	Name, Description api.Localized
	Count             int            // its posts
	Langs             map[string]int // its posts with a body, by language
}

// DecodeCategories reads the categories as the store lists them (see
// store.Store.Categories), in their order.
func DecodeCategories(infos []store.CategoryInfo) ([]Category, error) {
	out := make([]Category, len(infos))
	for i, ci := range infos {
		var data struct {
			Name        api.Localized `json:"name"`
			Description api.Localized `json:"description"`
		}
		if err := json.Unmarshal(ci.Data, &data); err != nil {
			return nil, fmt.Errorf("category %s: stored data: %w", ci.Slug, err)
		}
		out[i] = Category{Slug: ci.Slug, Order: ci.Order, Name: data.Name, Description: data.Description, Count: ci.Count, Langs: ci.Langs}
	}
	return out, nil
}

// New is the snapshot of generation gen of a site with these settings
// (site.yaml as written, its base URL unresolved) and categories (by order,
// then slug). Settings without languages get content's default ones.
func New(gen int64, settings content.Site, cats []Category) *Snapshot {
	if len(settings.Languages) == 0 {
		settings.Languages = content.DefaultSite().Languages
	}
	settings.Languages = slices.Clone(settings.Languages)
	s := &Snapshot{generation: gen, settings: settings, tags: make([]language.Tag, len(settings.Languages))}
	for i, l := range settings.Languages {
		s.tags[i] = language.Make(l)
	}
	s.matcher = language.NewMatcher(s.tags)
	s.cats, s.bySlug = make([]api.Category, len(cats)), make(map[string]int, len(cats))
	for i, c := range cats {
		s.cats[i] = s.category(c)
		s.bySlug[c.Slug] = i
	}
	return s
}

// category is c in the API's shape: counts in the site's language order,
// no Local fields.
func (s *Snapshot) category(c Category) api.Category {
	out := api.Category{Slug: c.Slug, Name: c.Name, Description: c.Description,
		Order: c.Order, Count: c.Count, Counts: make(api.LangCounts, 0, len(s.settings.Languages))}
	if out.Name == nil {
		out.Name = api.Localized{}
	}
	if out.Description == nil {
		out.Description = api.Localized{}
	}
	for _, l := range s.settings.Languages {
		out.Counts = append(out.Counts, api.LangCount{Lang: l, Count: c.Langs[l]})
	}
	return out
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

// Categories are the site's categories as GET /categories lists them, by
// order then slug, LocalName and LocalDescription left empty. Read them
// only: their slices are shared.
func (s *Snapshot) Categories() []api.Category { return s.cats }

// Category is the category slug, as Categories has it; false when the site
// has none by that slug.
func (s *Snapshot) Category(slug string) (api.Category, bool) {
	i, ok := s.bySlug[slug]
	if !ok {
		return api.Category{}, false
	}
	return s.cats[i], true
}
