package content

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Site is the content of site.yaml.
type Site struct {
	// Languages lists the site's languages; the first is the default, whose
	// body other languages fall back to. ["ko", "en"] when site.yaml is
	// absent or does not set it.
	Languages []string
	// BaseURL is the optional key baseURL, as written.
	BaseURL string
	// Title is the optional key title: a map of language to string, or a
	// string that belongs to the default language, as in front matter. The
	// feeds carry it.
	Title map[string]string
	// Description is the optional key description, read as Title: the feeds'
	// description (RSS and JSON Feed) and subtitle (Atom).
	Description map[string]string
}

// defaultLanguages are the languages of a site without site.yaml.
var defaultLanguages = []string{"ko", "en"}

// DefaultSite returns the site used when site.yaml is absent.
func DefaultSite() Site {
	return Site{Languages: append([]string(nil), defaultLanguages...), Title: map[string]string{}, Description: map[string]string{}}
}

// Fallbacks is the order in which geul looks for a post's body or a text in
// lang: lang, then the site's languages, the default first. Past them, what
// there is in another language serves.
func (s Site) Fallbacks(lang string) []string {
	return append([]string{lang}, s.languages()...)
}

// languages returns s.Languages, or the defaults for a zero Site, so that
// callers holding Site{} still get sensible behaviour.
func (s Site) languages() []string {
	if len(s.Languages) == 0 {
		return defaultLanguages
	}
	return s.Languages
}

// ParseSite parses site.yaml. Errors are *Error with Path "site.yaml" and
// the line of the problem; the returned Site is then DefaultSite(), so that
// a broken site.yaml still lets the indexer run (with default languages).
// Unknown keys are ignored, leaving room for settings read elsewhere.
func ParseSite(data []byte) (Site, error) {
	site, err := parseSite(data)
	if err != nil {
		return DefaultSite(), err
	}
	return site, nil
}

func parseSite(data []byte) (Site, *Error) {
	site := DefaultSite()
	if err := checkUTF8(SiteFile, data); err != nil {
		return site, err
	}
	doc, yerr := yamlDoc(data)
	if yerr != nil {
		return site, yamlError(SiteFile, 0, data, yerr)
	}
	r := newYAMLReader(SiteFile, 0, data)
	ps, err := r.topLevel(doc, "site.yaml")
	if err != nil {
		return site, err
	}
	// title and description are read last: a plain string belongs to the
	// default language, which languages may set after them.
	var titleN, descN *yaml.Node
	for _, p := range ps {
		switch p.key {
		case "languages":
			langs, err := r.languages(p.value)
			if err != nil {
				return site, err
			}
			if langs != nil {
				site.Languages = langs
			}
		case "baseURL":
			s, _, err := r.text(p.value, "baseURL")
			if err != nil {
				return site, err
			}
			site.BaseURL = strings.TrimSpace(s)
		case "title":
			titleN = p.value
		case "description":
			descN = p.value
		}
	}
	for _, f := range []struct {
		n   *yaml.Node
		key string
		to  *map[string]string
	}{{titleN, "title", &site.Title}, {descN, "description", &site.Description}} {
		if f.n == nil {
			continue
		}
		t, err := r.localized(f.n, f.key, site.Languages[0])
		if err != nil {
			return site, err
		}
		*f.to = t
	}
	return site, nil
}

// languages reads the languages list: codes, at least one, none twice.
func (r *yamlReader) languages(n *yaml.Node) ([]string, *Error) {
	v := resolve(n)
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, r.errf(n, "languages must be a list of language codes")
	}
	if len(v.Content) == 0 {
		return nil, r.errf(n, "languages must list at least one language")
	}
	langs := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		s, ok, err := r.text(c, "a language")
		if err != nil {
			return nil, err
		}
		s = strings.TrimSpace(s)
		if !ok || !validLang(s) {
			return nil, r.errf(c, "%q is not a language code (lower-case letters, digits and -, like ko or pt-br)", s)
		}
		for _, l := range langs {
			if l == s {
				return nil, r.errf(c, "language %q is listed twice", s)
			}
		}
		langs = append(langs, s)
	}
	return langs, nil
}

// topLevel returns the keys of a YAML document that must be a mapping; an
// empty document has no keys.
func (r *yamlReader) topLevel(doc *yaml.Node, what string) ([]pair, *Error) {
	if doc == nil || doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if isNull(resolve(root)) {
		return nil, nil
	}
	if m := resolve(root); m == nil || m.Kind != yaml.MappingNode {
		return nil, r.errf(root, "%s must be a map of keys to values", what)
	}
	return r.pairs(resolve(root), 0)
}

// Category is the content of <category>/_category.yaml.
type Category struct {
	// Slug is the folder name.
	Slug string
	// Name and Description map language to text; never nil.
	Name, Description map[string]string
	// Order sorts categories (ascending; the caller breaks ties by Slug).
	Order int
	// Path is "<category>/_category.yaml", or "" when the file is absent.
	Path string
}

// ParseCategory parses a category file; path is like "cs/_category.yaml"
// and gives the Slug. Name and description are maps of language to string
// (a category has no language of its own, so a plain string is an error).
// Unknown keys are ignored. Errors are *Error with the path and line.
//
// For a folder without the file the caller uses Category{Slug: folder,
// Name: map[string]string{}}.
func ParseCategory(path string, data []byte) (*Category, error) {
	c, err := parseCategory(path, data)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func parseCategory(path string, data []byte) (*Category, *Error) {
	slug, name, found := strings.Cut(path, "/")
	if !found || name != CategoryFile {
		return nil, errorf(path, 0, "not a category file: want <category>/%s", CategoryFile)
	}
	if !ValidSlug(slug) {
		return nil, errorf(path, 0, "%s", slugProblem("category folder name", slug))
	}
	if err := checkUTF8(path, data); err != nil {
		return nil, err
	}
	doc, yerr := yamlDoc(data)
	if yerr != nil {
		return nil, yamlError(path, 0, data, yerr)
	}
	r := newYAMLReader(path, 0, data)
	ps, err := r.topLevel(doc, CategoryFile)
	if err != nil {
		return nil, err
	}
	c := &Category{Slug: slug, Name: map[string]string{}, Description: map[string]string{}, Path: path}
	for _, p := range ps {
		switch p.key {
		case "name":
			if c.Name, err = r.localized(p.value, "name", ""); err != nil {
				return nil, err
			}
		case "description":
			if c.Description, err = r.localized(p.value, "description", ""); err != nil {
				return nil, err
			}
		case "order":
			v := resolve(p.value)
			if isNull(v) {
				continue
			}
			var order int
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Decode(&order) != nil {
				return nil, r.errf(p.value, "order must be a whole number")
			}
			c.Order = order
		}
	}
	return c, nil
}
