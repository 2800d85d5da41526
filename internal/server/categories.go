package server

import (
	"net/url"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/site"
)

// maxTagBytes bounds a tag in a request; no stored tag is longer in practice,
// and a longer one is a mistake, not a lookup.
const maxTagBytes = 200

// checkTag accepts a tag as a lookup key: not empty, UTF-8, not huge.
func checkTag(tag string) (string, error) {
	if tag == "" || len(tag) > maxTagBytes || !utf8.ValidString(tag) {
		return "", invalidf("malformed tag %.64q: a tag is 1 to %d bytes of UTF-8", tag, maxTagBytes)
	}
	return tag, nil
}

// tagParam is the tag of the path. Echo matches the raw path when the request
// had escapes Go would write differently (%2F in "c%2Fc++", lower-case hex),
// and then hands out the parameter still escaped.
func tagParam(c echo.Context) (string, error) {
	tag := c.Param("tag")
	if c.Request().URL.RawPath != "" {
		t, err := url.PathUnescape(tag)
		if err != nil {
			return "", invalidf("malformed tag %.64q: %v", tag, err)
		}
		tag = t
	}
	return checkTag(tag)
}

// localCategory is c, a category of the site sn, with its local name and
// description in lang.
func localCategory(sn *site.Snapshot, c api.Category, lang string) api.Category {
	langs := sn.Languages()
	c.LocalName = c.Name.In(lang, langs)
	c.LocalDescription = c.Description.In(lang, langs)
	return c
}

// handleCategories lists every category.
//
//	@Summary		List categories
//	@Description	Every category with its name and description per language, its number of posts, and per language the number of its posts that have a body in it. Ordered by the category's order, then slug. Drafts are not counted.
//	@Tags			categories
//	@ID				listCategories
//	@Produce		json
//	@Param			lang	query		string	false	"language of localName and localDescription, a language tag matched to the site's (en-US is en; default: Accept-Language, else the site's default); name and description carry every language"
//	@Success		200		{object}	api.CategoriesResponse
//	@Failure		400		{object}	api.Problem
//	@Router			/categories [get]
func (s *Server) handleCategories(c echo.Context) error {
	lang, err := s.pickLang(c)
	if err != nil {
		return err
	}
	sn := s.site()
	cats := sn.Categories()
	resp := api.CategoriesResponse{Categories: make([]api.Category, len(cats))}
	for i, cat := range cats {
		resp.Categories[i] = localCategory(sn, cat, lang)
	}
	body, err := api.Encode(resp)
	if err != nil {
		return err
	}
	return s.writeJSON(c, body, lang)
}

// handleCategory serves a category and a page of its posts.
//
//	@Summary		A category and its posts
//	@Description	The category as GET /categories lists it, and one page of its posts, paginated and sorted as GET /posts.
//	@Tags			categories
//	@ID				getCategory
//	@Produce		json
//	@Param			category	path		string	true	"category slug"
//	@Param			lang		query		string	false	"language of the items (a site language; default: Accept-Language, else the site's default)"
//	@Param			page		query		int		false	"page number from 1; a page past the end is empty"	default(1)	minimum(1)
//	@Param			limit		query		int		false	"posts per page, capped at 100"						default(15)	minimum(1)
//	@Param			sort		query		string	false	"-date: newest first; date: oldest first; title, -title: by the default-language title"	Enums(-date, date, title, -title)	default(-date)
//	@Param			fields		query		string	false	"comma-separated keys of the list item to keep; slug is always kept"
//	@Success		200			{object}	api.CategoryResponse
//	@Header			200			{string}	Link	"absolute URLs of the rel=first, prev, next and last pages"
//	@Failure		400			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Router			/categories/{category} [get]
func (s *Server) handleCategory(c echo.Context) error {
	slug := c.Param("category")
	if !content.ValidSlug(slug) {
		return invalidf("malformed category %q: slugs are lower-case ASCII letters, digits and '-'", slug)
	}
	r, err := s.parseList(c)
	if err != nil {
		return err
	}
	sn := s.site()
	cat, ok := sn.Category(slug)
	if !ok {
		return notFoundf("no category %s", slug)
	}
	q := r.query
	q.Category = slug
	page, err := s.store.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	head, err := api.Encode(localCategory(sn, cat, r.lang))
	if err != nil {
		return err
	}
	b := make([]byte, 0, listBufSize)
	b = append(b, `{"category":`...)
	b = append(b, head[:len(head)-1]...)
	b = append(b, ',')
	return s.writeList(c, b, r, page)
}

// handleTags lists every tag.
//
//	@Summary		List tags
//	@Description	Every tag with the number of posts carrying it, most used first, then by name. Drafts are not counted.
//	@Tags			tags
//	@ID				listTags
//	@Produce		json
//	@Success		200	{object}	api.TagsResponse
//	@Router			/tags [get]
func (s *Server) handleTags(c echo.Context) error {
	tags, err := s.store.Tags(c.Request().Context())
	if err != nil {
		return err
	}
	resp := api.TagsResponse{Tags: make([]api.Tag, len(tags))}
	for i, t := range tags {
		resp.Tags[i] = api.Tag{Name: t.Name, Count: t.Count}
	}
	body, err := api.Encode(resp)
	if err != nil {
		return err
	}
	return s.writeJSON(c, body, "")
}

// handleTag serves a tag and a page of its posts.
//
//	@Summary		A tag and its posts
//	@Description	The tag with its count, and one page of the posts carrying it, paginated and sorted as GET /posts. A tag no published post carries is 404. Escape a tag in the path (c%2Fc%2B%2B for c/c++).
//	@Tags			tags
//	@ID				getTag
//	@Produce		json
//	@Param			tag		path		string	true	"tag, path-escaped"
//	@Param			lang	query		string	false	"language of the items (a site language; default: Accept-Language, else the site's default)"
//	@Param			page	query		int		false	"page number from 1; a page past the end is empty"	default(1)	minimum(1)
//	@Param			limit	query		int		false	"posts per page, capped at 100"						default(15)	minimum(1)
//	@Param			sort	query		string	false	"-date: newest first; date: oldest first; title, -title: by the default-language title"	Enums(-date, date, title, -title)	default(-date)
//	@Param			fields	query		string	false	"comma-separated keys of the list item to keep; slug is always kept"
//	@Success		200		{object}	api.TagResponse
//	@Header			200		{string}	Link	"absolute URLs of the rel=first, prev, next and last pages"
//	@Failure		400		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Router			/tags/{tag} [get]
func (s *Server) handleTag(c echo.Context) error {
	tag, err := tagParam(c)
	if err != nil {
		return err
	}
	r, err := s.parseList(c)
	if err != nil {
		return err
	}
	info, page, err := s.store.TagPage(c.Request().Context(), tag, r.query)
	if err != nil {
		if isNotFound(err) {
			return notFoundf("no post is tagged %q", tag)
		}
		return err
	}
	head, err := api.Encode(api.Tag{Name: info.Name, Count: info.Count})
	if err != nil {
		return err
	}
	b := make([]byte, 0, listBufSize)
	b = append(b, `{"tag":`...)
	b = append(b, head[:len(head)-1]...)
	b = append(b, ',')
	return s.writeList(c, b, r, page)
}
