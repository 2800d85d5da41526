package content

import (
	"cmp"
	"slices"
	"time"
)

// Post is every language file of one post, merged.
type Post struct {
	// Category is the folder; Slug is without the category (see ID).
	Category, Slug string
	// Files holds the post's files by language; only non-draft files.
	Files map[string]*File
	// Langs lists the languages of Files: site languages in site order, then
	// languages the site does not list, sorted.
	Langs []string
	// Title and Description are merged: for language L, L's own file wins
	// (its plain string or its map's L entry), else the first file in Langs
	// order whose map has L. Never nil.
	Title, Description map[string]string
	// Date and Time come from the first file in Langs order that has a date
	// (the default language's file when present); Updated and UpdatedTime
	// likewise, independently.
	Date        string
	Time        time.Time
	Updated     string
	UpdatedTime time.Time
	// Tags is the union of the files' tags, deduplicated, in order of first
	// appearance in Langs order. Never nil, so it serves as [].
	Tags []string
	// Bundle lists the files beside a bundle post's index files, by Name.
	// Assemble leaves it empty: the indexer, which knows every file, fills it.
	Bundle []*BundleFile
}

// ID returns "category/slug", the post's slug in the API.
func (p *Post) ID() string {
	return p.Category + "/" + p.Slug
}

// Assemble groups files into posts, sorted by ID.
//
// Two files for the same category, slug and language (x.ko.md and
// x/index.ko.md) are a duplicate: the flat file wins, else the smaller path,
// so the winner is the same on every run whatever the order of files, and
// the loser is reported (Line 0). Duplicates are settled before drafts are
// dropped, so a draft winner hides the other file rather than letting the
// served version flip when the draft flag changes.
//
// Draft files are left out; a post whose every file is a draft is left out
// silently. A post without a title in any file, or without a date, is
// reported on its first file in Langs order (the default language's file
// when present), at the line of the empty key or line 1 when the key is
// absent, and left out.
func Assemble(site Site, files []*File) ([]*Post, []*Error) {
	langs := site.languages()
	var errs []*Error

	type key struct{ category, slug, lang string }
	winners := make(map[key]*File, len(files))
	for _, f := range files {
		if f == nil {
			continue
		}
		k := key{f.Category, f.Slug, f.Lang}
		old, ok := winners[k]
		switch {
		case !ok:
			winners[k] = f
		case old.Path == f.Path:
			// The same file given twice is the caller's repetition, not a
			// content problem.
		default:
			win, lose := old, f
			if beats(f, old) {
				win, lose = f, old
			}
			winners[k] = win
			errs = append(errs, errorf(lose.Path, 0, "duplicate slug: %s/%s in language %s is already defined by %s", f.Category, f.Slug, f.Lang, win.Path))
		}
	}

	groups := make(map[string][]*File)
	for _, f := range winners {
		if f.Draft {
			continue
		}
		id := f.Category + "/" + f.Slug
		groups[id] = append(groups[id], f)
	}

	rank := func(lang string) int {
		if i := slices.Index(langs, lang); i >= 0 {
			return i
		}
		return len(langs)
	}
	posts := make([]*Post, 0, len(groups))
	for _, fs := range groups {
		slices.SortFunc(fs, func(a, b *File) int {
			return cmp.Or(cmp.Compare(rank(a.Lang), rank(b.Lang)), cmp.Compare(a.Lang, b.Lang))
		})
		p, err := assemble(fs)
		if err != nil {
			errs = append(errs, err...)
			continue
		}
		posts = append(posts, p)
	}
	slices.SortFunc(posts, func(a, b *Post) int { return cmp.Compare(a.ID(), b.ID()) })
	SortErrors(errs)
	return posts, errs
}

// beats reports whether a wins a duplicate against b.
func beats(a, b *File) bool {
	if af, bf := isFlat(a.Path), isFlat(b.Path); af != bf {
		return af
	}
	return a.Path < b.Path
}

// assemble merges the non-draft files of one post, given in Langs order.
func assemble(files []*File) (*Post, []*Error) {
	first := files[0]
	p := &Post{
		Category:    first.Category,
		Slug:        first.Slug,
		Files:       make(map[string]*File, len(files)),
		Langs:       make([]string, 0, len(files)),
		Title:       merge(files, func(f *File) map[string]string { return f.Title }),
		Description: merge(files, func(f *File) map[string]string { return f.Description }),
		Tags:        []string{},
	}
	seen := map[string]bool{}
	for _, f := range files {
		p.Files[f.Lang] = f
		p.Langs = append(p.Langs, f.Lang)
		if p.Date == "" && f.Date != "" {
			p.Date, p.Time = f.Date, f.Time
		}
		if p.Updated == "" && f.Updated != "" {
			p.Updated, p.UpdatedTime = f.Updated, f.UpdatedTime
		}
		for _, t := range f.Tags {
			if !seen[t] {
				seen[t] = true
				p.Tags = append(p.Tags, t)
			}
		}
	}
	var errs []*Error
	if len(p.Title) == 0 {
		errs = append(errs, errorf(first.Path, keyLine(first.TitleLine), "missing title: no file of post %s has one", p.ID()))
	}
	if p.Date == "" {
		errs = append(errs, errorf(first.Path, keyLine(first.DateLine), "missing date: no file of post %s has one", p.ID()))
	}
	if errs != nil {
		return nil, errs
	}
	return p, nil
}

// keyLine is the line of a key, or 1, the front matter's opening line, when
// the key is absent (line 0).
func keyLine(line int) int {
	return max(line, 1)
}

// merge merges one localized field of files given in Langs order.
func merge(files []*File, field func(*File) map[string]string) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		for lang, s := range field(f) {
			if _, ok := out[lang]; !ok {
				out[lang] = s
			}
		}
	}
	// A language's own file has the last word over other files' maps.
	for _, f := range files {
		if s, ok := field(f)[f.Lang]; ok {
			out[f.Lang] = s
		}
	}
	return out
}
