package feeds

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// The default link templates follow the original blog's page address,
// /blog/cs/multiprocessing-and-multithreading-in-python, with the language as
// a query parameter.
const (
	DefaultPostURL     = "{base}/blog/{slug}?lang={lang}"
	DefaultCategoryURL = "{base}/blog/{category}?lang={lang}"
)

// NormalizeBase checks an absolute http(s) URL without query or fragment and
// drops its trailing slashes.
func NormalizeBase(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("base URL %q: want http:// or https://, a host and an optional path, no query or fragment", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// Template is a link pattern such as "{base}/blog/{slug}?lang={lang}".
type Template struct {
	parts []tplPart
	uses  map[string]bool
}

// tplPart is literal text, or a placeholder when name is set.
type tplPart struct{ lit, name string }

// Uses reports whether the template has the placeholder {name}.
func (t Template) Uses(name string) bool { return t.uses[name] }

// ParsePostURL reads a post link template: {base}, {lang}, {slug}
// (category/name), {category} and {name}; DefaultPostURL when raw is empty.
func ParsePostURL(raw string) (Template, error) {
	if raw == "" {
		raw = DefaultPostURL
	}
	t, err := parseTemplate("post URL", raw, "base", "lang", "slug", "category", "name")
	if err == nil && !t.uses["slug"] && !t.uses["name"] {
		err = fmt.Errorf("post URL %q: it needs {slug}, or {category} and {name}", raw)
	}
	return t, err
}

// ParseCategoryURL reads a category link template: {base}, {lang} and
// {category}; DefaultCategoryURL when raw is empty.
func ParseCategoryURL(raw string) (Template, error) {
	if raw == "" {
		raw = DefaultCategoryURL
	}
	t, err := parseTemplate("category URL", raw, "base", "lang", "category")
	if err == nil && !t.uses["category"] {
		err = fmt.Errorf("category URL %q: it needs {category}", raw)
	}
	return t, err
}

// parseTemplate splits raw into literals and the placeholders names allows,
// and checks that it expands to an absolute http(s) URL.
func parseTemplate(what, raw string, names ...string) (Template, error) {
	t := Template{uses: map[string]bool{}}
	rest := raw
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			t.parts = append(t.parts, tplPart{lit: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: rest[:i]})
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return t, fmt.Errorf("%s %q: unclosed {", what, raw)
		}
		name := rest[i+1 : i+j]
		if !slices.Contains(names, name) {
			return t, fmt.Errorf("%s %q: unknown placeholder {%s}; it may use {%s}", what, raw, name, strings.Join(names, "}, {"))
		}
		t.parts = append(t.parts, tplPart{name: name})
		t.uses[name] = true
		rest = rest[i+j+1:]
	}
	sample := t.expand(func(string) string { return "x" })
	if t.uses["base"] {
		sample = t.expand(func(n string) string {
			if n == "base" {
				return "https://example.com"
			}
			return "x"
		})
	}
	if u, err := url.Parse(sample); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return t, fmt.Errorf("%s %q: it must give an absolute http(s) URL; start it with {base}", what, raw)
	}
	return t, nil
}

// expand fills in the placeholders. Every value geul puts in (slugs,
// languages, the base URL) is already safe in a URL.
func (t Template) expand(get func(name string) string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name != "" {
			b.WriteString(get(p.name))
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// Links makes the absolute links of one document.
type Links struct {
	Base           string
	Post, Category Template
}

// PostURL is the public link of post id (category/name) in lang.
func (l Links) PostURL(id, lang string) string {
	cat, name, _ := strings.Cut(id, "/")
	return l.Post.expand(func(n string) string {
		switch n {
		case "base":
			return l.Base
		case "lang":
			return lang
		case "slug":
			return id
		case "category":
			return cat
		case "name":
			return name
		}
		return ""
	})
}

// CategoryURL is the public link of category slug in lang.
func (l Links) CategoryURL(slug, lang string) string {
	return l.Category.expand(func(n string) string {
		switch n {
		case "base":
			return l.Base
		case "lang":
			return lang
		case "category":
			return slug
		}
		return ""
	})
}
