package server

import (
	"context"
	"encoding/xml"
	"fmt"
	"github.com/geul-dev/geul/internal/store"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// sitemapMaxURLs is the sitemap protocol's limit of URLs in one file. A site
// with more gets a sitemap index at /sitemap.xml whose files are
// /sitemap.xml?page=N.
const sitemapMaxURLs = 50000

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

// sitemapModel is every URL of the sitemap, built once per generation and
// cut into files.
type sitemapModel struct {
	base string
	urls []smURL

	mu    sync.Mutex
	files map[int]*feedDoc // rendered files by page
}

// size estimates the bytes m holds with every file rendered: its strings,
// about as much again for their markup, and the structures around them.
func (m *sitemapModel) size() int {
	n := len(m.base)
	for _, u := range m.urls {
		n += 3*(len(u.Loc)+len(u.LastMod)) + 64
		for _, l := range u.Links {
			n += 3*(len(l.Href)+len(l.Hreflang)+len(l.Rel)) + 48
		}
	}
	return n
}

// buildSitemapModel lists one URL per post per language it has a body in,
// each with its language alternates and an x-default (the default language,
// else the post's first), then one URL per category that has posts, in the
// default language with an alternate per site language.
func (s *Server) buildSitemapModel(ctx context.Context, r docRequest) (*sitemapModel, error) {
	def := r.langs[0]
	sm, err := s.store.Sitemap(ctx, def)
	if err != nil {
		return nil, err
	}
	m := &sitemapModel{base: r.links.base, files: map[int]*feedDoc{}, urls: make([]smURL, 0, len(sm.Posts)*len(r.langs)+len(sm.Categories))}
	perLang := r.links.post.uses["lang"]
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
			m.urls = append(m.urls, smURL{Loc: r.links.postURL(p.ID, def), LastMod: lastmod, mod: mod})
			continue
		}
		alts := make([]smLink, 0, len(p.Langs)+1)
		for _, l := range p.Langs {
			alts = append(alts, smLink{Rel: "alternate", Hreflang: l, Href: r.links.postURL(p.ID, l)})
		}
		xdef := p.Langs[0]
		for _, l := range p.Langs {
			if l == def {
				xdef = def
			}
		}
		alts = append(alts, smLink{Rel: "alternate", Hreflang: "x-default", Href: r.links.postURL(p.ID, xdef)})
		for _, l := range p.Langs {
			m.urls = append(m.urls, smURL{Loc: r.links.postURL(p.ID, l), LastMod: lastmod, Links: alts, mod: mod})
		}
	}
	for _, cat := range sm.Categories {
		u := smURL{Loc: r.links.categoryURL(cat, def), LastMod: catLastMod[cat], mod: catMod[cat]}
		if r.links.cat.uses["lang"] {
			for _, l := range r.langs {
				u.Links = append(u.Links, smLink{Rel: "alternate", Hreflang: l, Href: r.links.categoryURL(cat, l)})
			}
			u.Links = append(u.Links, smLink{Rel: "alternate", Hreflang: "x-default", Href: u.Loc})
		}
		m.urls = append(m.urls, u)
	}
	return m, nil
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

// file returns page (0: the whole sitemap, or the index when it needs more
// than one file) of m, rendering it on first use. page is at most the number
// of files.
func (m *sitemapModel) file(page, limit int) (*feedDoc, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.files[page]; d != nil {
		return d, nil
	}
	pages := max(1, (len(m.urls)+limit-1)/limit)
	var v any
	if page == 0 && pages > 1 {
		idx := smIndex{NS: nsSitemap, Sitemaps: make([]smRef, 0, pages)}
		for p := 1; p <= pages; p++ {
			var mod time.Time
			lastmod := ""
			for _, u := range m.urls[(p-1)*limit : min(p*limit, len(m.urls))] {
				if u.LastMod != "" && (lastmod == "" || u.mod.After(mod)) {
					mod, lastmod = u.mod, u.LastMod
				}
			}
			idx.Sitemaps = append(idx.Sitemaps, smRef{Loc: m.base + "/sitemap.xml?page=" + strconv.Itoa(p), LastMod: lastmod})
		}
		v = idx
	} else {
		urls := m.urls
		if page > 0 {
			urls = urls[(page-1)*limit : min(page*limit, len(urls))]
		}
		v = smURLSet{NS: nsSitemap, NSXHTML: nsXHTML, URLs: urls}
	}
	body, err := xmlDoc(v)
	if err != nil {
		return nil, fmt.Errorf("sitemap page %d: %w", page, err)
	}
	d := &feedDoc{body: body, etag: store.ETag(body)}
	m.files[page] = d
	return d, nil
}

// handleSitemap serves the sitemap.
//
//	@Summary		Sitemap
//	@Description	Every post once per language it has a body in, with xhtml:link alternates for each of its languages and x-default (the default language), and lastmod from updated, else date; then every category that has posts. Drafts never appear. Past 50,000 URLs /sitemap.xml is a sitemap index of /sitemap.xml?page=N.
//	@Tags			feeds
//	@ID				getSitemap
//	@Produce		application/xml
//	@Param			page	query		int		false	"file of a sitemap index, from 1"	minimum(1)
//	@Success		200		{string}	string	"sitemap or sitemap index"
//	@Failure		400		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Router			/sitemap.xml [get]
func (s *Server) handleSitemap(c echo.Context) error {
	page := 0
	if c.QueryParams().Has("page") {
		var err error
		if page, err = positiveParam(c, "page", 1); err != nil {
			return err
		}
	}
	v, err := s.document(c, "sitemap-model", "", func(ctx context.Context, r docRequest) (any, error) {
		return s.buildSitemapModel(ctx, r)
	})
	if err != nil {
		return err
	}
	m := v.(*sitemapModel)
	limit := s.feeds.sitemapLimit
	if pages := max(1, (len(m.urls)+limit-1)/limit); page > pages {
		return notFoundf("no sitemap page %d: there are %d", page, pages)
	}
	doc, err := m.file(page, limit)
	if err != nil {
		return err
	}
	return writeDoc(c, mimeSitemap, doc)
}
