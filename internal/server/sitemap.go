package server

import (
	"context"
	"sync"

	"github.com/geul-dev/geul/internal/feeds"
	"github.com/geul-dev/geul/internal/repr"

	"github.com/labstack/echo/v4"
)

// sitemapDoc is a site's sitemap, built once per generation, with the
// files rendered so far.
type sitemapDoc struct {
	sm *feeds.Sitemap

	mu    sync.Mutex
	files map[int]*feedDoc // rendered files by page
}

func (d *sitemapDoc) size() int { return d.sm.Size() }

// file returns page of the sitemap (see feeds.Sitemap.Page), rendering it on
// first use.
func (d *sitemapDoc) file(page, limit int) (*feedDoc, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f := d.files[page]; f != nil {
		return f, nil
	}
	body, err := d.sm.Page(page, limit)
	if err != nil {
		return nil, err
	}
	f := &feedDoc{body: body, etag: repr.ETag(body)}
	d.files[page] = f
	return f, nil
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
	v, err := s.document(c, "sitemap-model", "", func(ctx context.Context, d feeds.Doc) (any, error) {
		sm, err := s.store.Sitemap(ctx, d.Langs[0])
		if err != nil {
			return nil, err
		}
		return &sitemapDoc{sm: feeds.NewSitemap(d, sm), files: map[int]*feedDoc{}}, nil
	})
	if err != nil {
		return err
	}
	m := v.(*sitemapDoc)
	limit := s.feeds.sitemapLimit
	if pages := m.sm.Pages(limit); page > pages {
		return notFoundf("no sitemap page %d: there are %d", page, pages)
	}
	doc, err := m.file(page, limit)
	if err != nil {
		return err
	}
	return writeDoc(c, feeds.MIMESitemap, doc)
}
