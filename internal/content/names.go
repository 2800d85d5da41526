package content

import (
	"fmt"
	"strings"
)

const (
	// SiteFile is the optional site configuration at the content root.
	SiteFile = "site.yaml"
	// CategoryFile is the optional description of a category folder.
	CategoryFile = "_category.yaml"
	// bundleIndex is the base name of a bundle's post files: <slug>/index.<lang>.md.
	bundleIndex = "index"
)

// MaxSlug is the longest slug or category name, in bytes.
const MaxSlug = 200

// ValidSlug reports whether s is a slug or category name: 1 to MaxSlug
// lower-case ASCII letters, digits and "-". The rule keeps URLs stable and
// identical on case-insensitive file systems; the API answers 400 to a path
// that breaks it.
func ValidSlug(s string) bool {
	if s == "" || len(s) > MaxSlug {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// slugProblem explains why s is not a valid slug, naming what it is.
func slugProblem(what, s string) string {
	if len(s) > MaxSlug {
		return fmt.Sprintf("bad %s %.40q...: at most %d characters are allowed", what, s, MaxSlug)
	}
	return fmt.Sprintf("bad %s %q: only lower-case ASCII letters, digits and \"-\" are allowed", what, s)
}

// validLang reports whether s looks like a language code as used in file
// names: lower-case letters, digits and "-", starting with a letter and not
// ending with "-" (ko, en, pt-br, zh-hant).
func validLang(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' || len(s) > 35 {
		return false
	}
	return ValidSlug(s)
}

// hidden reports whether a file or folder is hidden (".git", ".DS_Store");
// hidden names are never content.
func hidden(name string) bool {
	return strings.HasPrefix(name, ".")
}

// splitPostName splits "<slug>.<lang>.md" at its last two dots. ok is false
// for names that do not have that shape at all, which are not post files.
func splitPostName(name string) (slug, lang string, ok bool) {
	base, found := strings.CutSuffix(name, ".md")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 {
		return "", "", false
	}
	return base[:i], base[i+1:], true
}

// isFlat reports whether a post path is <category>/<slug>.<lang>.md rather
// than a bundle's <category>/<slug>/index.<lang>.md.
func isFlat(path string) bool {
	return strings.Count(path, "/") == 1
}

// splitPostPath returns the category, slug and language a post path stands
// for, or why it is not a valid post path.
func splitPostPath(path string) (category, slug, lang, problem string) {
	parts := strings.Split(path, "/")
	var name string
	switch len(parts) {
	case 2:
		category, name = parts[0], parts[1]
		s, l, ok := splitPostName(name)
		if !ok {
			return "", "", "", "not a post file: want <category>/<slug>.<lang>.md or <category>/<slug>/index.<lang>.md"
		}
		slug, lang = s, l
	case 3:
		category, slug, name = parts[0], parts[1], parts[2]
		s, l, ok := splitPostName(name)
		if !ok || s != bundleIndex {
			return "", "", "", "not a post file: want <category>/<slug>.<lang>.md or <category>/<slug>/index.<lang>.md"
		}
		lang = l
	default:
		return "", "", "", "not a post file: want <category>/<slug>.<lang>.md or <category>/<slug>/index.<lang>.md"
	}
	switch {
	case !ValidSlug(category):
		return "", "", "", slugProblem("category folder name", category)
	case !ValidSlug(slug):
		return "", "", "", slugProblem("slug", slug)
	case !validLang(lang):
		return "", "", "", fmt.Sprintf("bad language %q in file name: want a code like ko or en", lang)
	}
	return category, slug, lang, ""
}

// PostIDOf returns the post id ("category/slug") a path names, when it is a
// valid post file's path or the path of a file in a bundle.
func PostIDOf(path string) (string, bool) {
	category, slug, _, problem := splitPostPath(path)
	if problem != "" {
		id, _, ok := BundleFileOf(path)
		return id, ok
	}
	return category + "/" + slug, true
}
