package feeds

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"time"

	"github.com/geul-dev/geul/internal/store"
)

// SitemapMaxURLs is the sitemap protocol's limit of URLs in one file. A site
// with more gets a sitemap index at /sitemap.xml whose files are
// /sitemap.xml?page=N.
const SitemapMaxURLs = 50000

const (
	nsSitemap = "http://www.sitemaps.org/schemas/sitemap/0.9"
	nsXHTML   = "http://www.w3.org/1999/xhtml"
)

type smURLSet struct {
	XMLName xml.Name `xml:"urlset"`
	NS      string   `xml:"xmlns,attr"`
	NSXHTML string   `xml:"xmlns:xhtml,attr"`
	URLs    []smURL  `xml:"url"`
}

type smURL struct {
	Loc     string   `xml:"loc"`
	LastMod string   `xml:"lastmod,omitempty"`
	Links   []smLink `xml:"xhtml:link"`
	mod     time.Time
}

// smLink is an alternate language version of a page.
type smLink struct {
	Rel      string `xml:"rel,attr"`
	Hreflang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

type smIndex struct {
	XMLName  xml.Name `xml:"sitemapindex"`
	NS       string   `xml:"xmlns,attr"`
	Sitemaps []smRef  `xml:"sitemap"`
}

type smRef struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// Sitemap is every URL of a site's sitemap, cut into files by Page.
type Sitemap struct {
	base string
	urls []smURL
}

// Size estimates the bytes s holds with every file rendered: its strings,
// about as much again for their markup, and the structures around them.
func (s *Sitemap) Size() int {
	n := len(s.base)
	for _, u := range s.urls {
		n += 3*(len(u.Loc)+len(u.LastMod)) + 64
		for _, l := range u.Links {
			n += 3*(len(l.Href)+len(l.Hreflang)+len(l.Rel)) + 48
		}
	}
	return n
}

// NewSitemap lists one URL per post per language it has a body in, each
// with its language alternates and an x-default (the default language, else
// the post's first), then one URL per category that has posts, in the
// default language with an alternate per site language. d.Lang is not used.
func NewSitemap(d Doc, sm store.Sitemap) *Sitemap {
	def := d.Langs[0]
	s := &Sitemap{base: d.Links.Base, urls: make([]smURL, 0, len(sm.Posts)*len(d.Langs)+len(sm.Categories))}
	perLang := d.Links.Post.Uses("lang")
	catMod := map[string]time.Time{}
	catLastMod := map[string]string{}
	for _, p := range sm.Posts {
		if len(p.Langs) == 0 {
			continue
		}
		lastmod, mod := sitemapDate(p.Date)
		if p.Updated != "" {
			if lm, t := sitemapDate(p.Updated); !t.IsZero() {
				lastmod, mod = lm, t
			}
		}
		if mod.After(catMod[p.Category]) || catLastMod[p.Category] == "" {
			catMod[p.Category], catLastMod[p.Category] = mod, lastmod
		}
		if !perLang {
			s.urls = append(s.urls, smURL{Loc: d.Links.PostURL(p.ID, def), LastMod: lastmod, mod: mod})
			continue
		}
		alts := postAlternates(d.Links, p.ID, p.Langs, def)
		for _, l := range p.Langs {
			s.urls = append(s.urls, smURL{Loc: d.Links.PostURL(p.ID, l), LastMod: lastmod, Links: alts, mod: mod})
		}
	}
	for _, cat := range sm.Categories {
		u := smURL{Loc: d.Links.CategoryURL(cat, def), LastMod: catLastMod[cat], mod: catMod[cat]}
		if d.Links.Category.Uses("lang") {
			for _, l := range d.Langs {
				u.Links = append(u.Links, smLink{Rel: "alternate", Hreflang: l, Href: d.Links.CategoryURL(cat, l)})
			}
			u.Links = append(u.Links, smLink{Rel: "alternate", Hreflang: "x-default", Href: u.Loc})
		}
		s.urls = append(s.urls, u)
	}
	return s
}

// postAlternates are a post's language versions and its x-default: the
// default language when the post has it, else its first.
func postAlternates(l Links, id string, langs []string, def string) []smLink {
	alts := make([]smLink, 0, len(langs)+1)
	for _, lang := range langs {
		alts = append(alts, smLink{Rel: "alternate", Hreflang: lang, Href: l.PostURL(id, lang)})
	}
	xdef := langs[0]
	for _, lang := range langs {
		if lang == def {
			xdef = def
		}
	}
	return append(alts, smLink{Rel: "alternate", Hreflang: "x-default", Href: l.PostURL(id, xdef)})
}

// sitemapDate is a front matter date as a W3C datetime (the date alone, or
// RFC 3339) and as a time.
func sitemapDate(s string) (string, time.Time) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return s, t
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Format(time.RFC3339), t
	}
	return "", time.Time{}
}

// Pages is the number of files of limit URLs s needs; at least one.
func (s *Sitemap) Pages(limit int) int { return max(1, (len(s.urls)+limit-1)/limit) }

// Page renders file page of s, at most Pages(limit): 0 is the whole sitemap,
// or the index of the files when it needs more than one.
func (s *Sitemap) Page(page, limit int) ([]byte, error) {
	pages := s.Pages(limit)
	var v any
	if page == 0 && pages > 1 {
		idx := smIndex{NS: nsSitemap, Sitemaps: make([]smRef, 0, pages)}
		for p := 1; p <= pages; p++ {
			var mod time.Time
			lastmod := ""
			for _, u := range s.urls[(p-1)*limit : min(p*limit, len(s.urls))] {
				if u.LastMod != "" && (lastmod == "" || u.mod.After(mod)) {
					mod, lastmod = u.mod, u.LastMod
				}
			}
			idx.Sitemaps = append(idx.Sitemaps, smRef{Loc: s.base + "/sitemap.xml?page=" + strconv.Itoa(p), LastMod: lastmod})
		}
		v = idx
	} else {
		urls := s.urls
		if page > 0 {
			urls = urls[(page-1)*limit : min(page*limit, len(urls))]
		}
		v = smURLSet{NS: nsSitemap, NSXHTML: nsXHTML, URLs: urls}
	}
	body, err := xmlDoc(v)
	if err != nil {
		return nil, fmt.Errorf("sitemap page %d: %w", page, err)
	}
	return body, nil
}
