package server

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/store"
)

// Page sizes of every paginated list.
const (
	defaultLimit = 15
	maxLimit     = 100
)

// sorts are the values of the sort query parameter.
var sorts = map[string]store.Sort{
	"-date":  store.SortNewest,
	"date":   store.SortOldest,
	"title":  store.SortTitle,
	"-title": store.SortTitleDesc,
}

// listRequest is what every paginated list reads from its query.
type listRequest struct {
	lang   string
	page   int
	limit  int
	fields fieldSet
	query  store.ListQuery
}

// parseList reads lang, page, limit, sort and fields.
func (s *Server) parseList(c echo.Context) (listRequest, error) {
	var r listRequest
	var err error
	if r.lang, err = s.pickLang(c); err != nil {
		return r, err
	}
	if r.page, err = positiveParam(c, "page", 1); err != nil {
		return r, err
	}
	if r.limit, err = positiveParam(c, "limit", defaultLimit); err != nil {
		return r, err
	}
	r.limit = min(r.limit, maxLimit)
	sort := store.SortNewest
	if c.QueryParams().Has("sort") {
		v := c.QueryParam("sort")
		var ok bool
		if sort, ok = sorts[v]; !ok {
			return r, invalidf("unknown sort %q: sort is -date (newest first, the default), date, title or -title", v)
		}
	}
	if r.fields, err = parseFields(c, itemKeys); err != nil {
		return r, err
	}
	offset := math.MaxInt // a page too far to compute is past the end
	if r.page-1 <= math.MaxInt/r.limit {
		offset = (r.page - 1) * r.limit
	}
	r.query = store.ListQuery{Lang: r.lang, Sort: sort, Offset: offset, Limit: r.limit}
	return r, nil
}

// positiveParam reads a whole number of at least 1; absent, it is def. A
// number too large for an int is the largest int: a page past any end, or a
// limit past the cap.
func positiveParam(c echo.Context, name string, def int) (int, error) {
	if !c.QueryParams().Has(name) {
		return def, nil
	}
	v := c.QueryParam(name)
	n, err := strconv.Atoi(v)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
		return math.MaxInt, nil
	}
	if err != nil || n < 1 {
		return 0, invalidf("%s %q: want a whole number from 1", name, v)
	}
	return n, nil
}

// pagination places page in a list of total posts.
func pagination(page, limit, total int) api.Pagination {
	pages := max(1, (total+limit-1)/limit)
	p := api.Pagination{Page: page, Limit: limit, Pages: pages, Total: total}
	if page > 1 {
		prev := min(page-1, pages)
		p.Prev = &prev
	}
	if page < pages {
		next := page + 1
		p.Next = &next
	}
	return p
}

// setLinks sends the first, previous, next and last pages as Link headers
// (RFC 8288), the request's other query parameters kept. The URLs are
// absolute, on the request's own scheme and host: they name this API's
// pages, which a client on another origin resolves against the API, not
// against its own page. (The configured base URL is the public site's.)
func setLinks(c echo.Context, p api.Pagination) {
	u := c.Request().URL
	q := u.Query()
	prefix := requestOrigin(c) + u.EscapedPath() + "?"
	var links []string
	link := func(page *int, rel string) {
		if page == nil {
			return
		}
		q.Set("page", strconv.Itoa(*page))
		links = append(links, "<"+prefix+q.Encode()+`>; rel="`+rel+`"`)
	}
	first, last := 1, p.Pages
	link(&first, "first")
	link(p.Prev, "prev")
	link(p.Next, "next")
	link(&last, "last")
	c.Response().Header().Set("Link", strings.Join(links, ", "))
}

// appendList appends `"posts":[...],"meta":{...}` of one page: the stored item
// bytes as they are, or trimmed to the asked fields.
func appendList(b []byte, r listRequest, page store.ListPage) ([]byte, api.Pagination, error) {
	b = append(b, `"posts":[`...)
	for i, item := range page.Items {
		if i > 0 {
			b = append(b, ',')
		}
		if r.fields == nil {
			b = append(b, item...)
			continue
		}
		var err error
		if b, err = trimObject(b, item, r.fields); err != nil {
			return b, api.Pagination{}, err
		}
	}
	p := pagination(r.page, r.limit, page.Total)
	meta, err := api.Encode(api.ListMeta{Pagination: p})
	if err != nil {
		return b, p, err
	}
	b = append(b, `],"meta":`...)
	b = append(b, meta[:len(meta)-1]...) // without the encoder's newline
	return b, p, nil
}

// writeList finishes a list body begun in b and writes it with its Link headers.
func (s *Server) writeList(c echo.Context, b []byte, r listRequest, page store.ListPage) error {
	b, p, err := appendList(b, r, page)
	if err != nil {
		return err
	}
	b = append(b, "}\n"...)
	setLinks(c, p)
	return s.writeJSON(c, b, r.lang)
}

// listBufSize fits a page of the default size without growing.
const listBufSize = 32 << 10

// handleListPosts serves a page of every post.
//
//	@Summary		List posts
//	@Description	One page of the posts, newest first by default. Items are post objects without content and html. Drafts are never listed. Link headers point at the first, prev, next and last pages.
//	@Tags			posts
//	@ID				listPosts
//	@Produce		json
//	@Param			lang		query		string	false	"language of the items (a site language; default: Accept-Language, else the site's default)"
//	@Param			category	query		string	false	"only posts of this category"
//	@Param			tag			query		string	false	"only posts with this tag"
//	@Param			page		query		int		false	"page number from 1; a page past the end is empty"	default(1)	minimum(1)
//	@Param			limit		query		int		false	"posts per page, capped at 100"						default(15)	minimum(1)
//	@Param			sort		query		string	false	"-date: newest first; date: oldest first; title, -title: by the default-language title"	Enums(-date, date, title, -title)	default(-date)
//	@Param			fields		query		string	false	"comma-separated keys of the list item to keep; slug is always kept"
//	@Success		200			{object}	api.ListResponse
//	@Header			200			{string}	Link	"absolute URLs of the rel=first, prev, next and last pages"
//	@Header			200			{string}	ETag	"strong validator of the body"
//	@Failure		400			{object}	api.Problem
//	@Router			/posts [get]
func (s *Server) handleListPosts(c echo.Context) error {
	r, err := s.parseList(c)
	if err != nil {
		return err
	}
	if c.QueryParams().Has("category") {
		cat := c.QueryParam("category")
		if !content.ValidSlug(cat) {
			return invalidf("malformed category %q: slugs are lower-case ASCII letters, digits and '-'", cat)
		}
		r.query.Category = cat
	}
	if c.QueryParams().Has("tag") {
		if r.query.Tag, err = checkTag(c.QueryParam("tag")); err != nil {
			return err
		}
	}
	page, err := s.store.List(c.Request().Context(), r.query)
	if err != nil {
		return err
	}
	b := make([]byte, 0, listBufSize)
	b = append(b, '{')
	return s.writeList(c, b, r, page)
}
