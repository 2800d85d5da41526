package server

import (
	"bytes"
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/store"
)

// Hits per search answer.
const (
	defaultSearchLimit = 10
	maxSearchLimit     = 50
)

// searchBufSize fits an answer of the default size without growing.
const searchBufSize = 16 << 10

// handleSearch finds posts by their text.
//
//	@Summary		Search posts
//	@Description	Finds the posts whose title, description and body text (not markup; code included) in the language hold every term of q, best first (bm25: title over description over body, then newest). A term of 3 characters or more with Hangul (or another script written without spaces between words: Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan) matches anywhere, inside words too (프로세 finds 프로세스, Executor는 finds ThreadPoolExecutor는). Any other term matches the start of words: 병목 finds 병목이, 풀 finds 풀을, goroutine finds goroutines, sync.WaitGroup finds sync.WaitGroup. Text between double quotes is one term, spaces included; no term matches across a line break. Nothing in q is query syntax. Each hit is the list item plus a snippet: HTML-escaped text with the matches in <mark></mark>. The newest 500 matches are ranked; meta.capped says when more matched. A quoted phrase with a short word the index cannot place (two characters at either end, one in the middle: "병목 현상", "할 수 있습니다") is looked for among the newest 2,000 posts that may hold it, and meta.capped says so when there were more. Drafts are never found.
//	@Tags			search
//	@ID				searchPosts
//	@Produce		json
//	@Param			q			query		string	true	"the words to find, at most 256 characters and 12 terms"
//	@Param			lang		query		string	false	"language searched and of the items (a site language; default: Accept-Language, else the site's default); a post without a body in it is searched in the language it falls back to"
//	@Param			category	query		string	false	"only posts of this category"
//	@Param			limit		query		int		false	"hits to return, capped at 50"	default(10)	minimum(1)
//	@Success		200			{object}	api.SearchResponse
//	@Header			200			{string}	ETag	"strong validator of the body"
//	@Failure		400			{object}	api.Problem
//	@Router			/search [get]
func (s *Server) handleSearch(c echo.Context) error {
	params := c.QueryParams()
	raw := c.QueryParam("q")
	if strings.TrimSpace(raw) == "" {
		return invalidf("q is required: the words to search for")
	}
	terms, err := store.ParseQuery(raw)
	if err != nil {
		if errors.Is(err, store.ErrBadQuery) {
			return invalidf("q: %s", strings.TrimPrefix(err.Error(), store.ErrBadQuery.Error()+": "))
		}
		return err
	}
	lang, err := s.pickLang(c)
	if err != nil {
		return err
	}
	limit, err := positiveParam(c, "limit", defaultSearchLimit)
	if err != nil {
		return err
	}
	limit = min(limit, maxSearchLimit)
	q := store.SearchQuery{Terms: terms, Lang: lang, Limit: limit}
	if params.Has("category") {
		cat := c.QueryParam("category")
		if !content.ValidSlug(cat) {
			return invalidf("malformed category %q: slugs are lower-case ASCII letters, digits and '-'", cat)
		}
		q.Category = cat
	}
	res, err := s.store.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	body, err := searchBody(raw, lang, limit, res)
	if err != nil {
		return err
	}
	return s.writeJSON(c, body, lang)
}

// searchBody encodes a search answer. Each hit is the stored list item as it
// is, the snippet spliced in before its closing brace.
func searchBody(raw, lang string, limit int, res store.SearchResult) ([]byte, error) {
	b := make([]byte, 0, searchBufSize)
	query, err := api.Encode(strings.Join(strings.Fields(raw), " "))
	if err != nil {
		return nil, err
	}
	b = append(b, `{"query":`...)
	b = append(b, query[:len(query)-1]...)
	b = append(b, `,"hits":[`...)
	for i, h := range res.Hits {
		item := h.Item
		if len(item) < 2 || item[len(item)-1] != '}' {
			return nil, errors.New("search: stored item of " + h.PostID + " is not a JSON object")
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, item[:len(item)-1]...)
		snip, err := api.Encode(h.Snippet)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(item[1:len(item)-1])) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"snippet":`...)
		b = append(b, snip[:len(snip)-1]...)
		b = append(b, '}')
	}
	meta, err := api.Encode(api.SearchMeta{Total: res.Total, Capped: res.Capped, Limit: limit, Lang: lang})
	if err != nil {
		return nil, err
	}
	b = append(b, `],"meta":`...)
	b = append(b, meta[:len(meta)-1]...)
	return append(b, "}\n"...), nil
}
