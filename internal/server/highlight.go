package server

import (
	"errors"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/markdown"
	"github.com/geul-dev/geul/internal/repr"
)

// highlightCacheControl lets browsers and CDNs keep a stylesheet for a day:
// it changes only with a release of geul, and its ETag revalidates it then.
const highlightCacheControl = "public, max-age=86400, stale-while-revalidate=604800"

const mimeCSS = "text/css; charset=utf-8"

// highlightSheets are the stylesheets built so far, by lower-case style name
// ("" for the default light and dark pair). Only names chroma has are
// admitted, so the map holds at most one entry per chroma style (about 70,
// of a few KB each).
var highlightSheets = struct {
	sync.Mutex
	docs map[string]*feedDoc
}{docs: map[string]*feedDoc{}}

// highlightSheet returns the stylesheet of style, building it on first use.
func highlightSheet(style string) (*feedDoc, error) {
	key := strings.ToLower(style)
	highlightSheets.Lock()
	defer highlightSheets.Unlock() // building one takes well under a millisecond
	if d, ok := highlightSheets.docs[key]; ok {
		return d, nil
	}
	var body []byte
	var err error
	if key == "" {
		body, err = markdown.DefaultCSS()
	} else {
		body, err = markdown.CSS(key)
	}
	if err != nil {
		return nil, err
	}
	d := &feedDoc{body: body, etag: repr.ETag(body)}
	highlightSheets.docs[key] = d
	return d, nil
}

// handleHighlightCSS godoc
//
//	@Summary		Stylesheet of highlighted code
//	@Description	The CSS for the chroma classes that code blocks carry in a post's html. Without style: the github style, and github-dark inside @media (prefers-color-scheme: dark). With style: that chroma style alone. Link it from a page: <link rel="stylesheet" href="https://api.example/highlight.css">.
//	@Tags			meta
//	@ID				getHighlightCSS
//	@Produce		text/css
//	@Param			style	query		string	false	"a chroma style name, e.g. monokai or dracula (case-insensitive)"
//	@Success		200		{string}	string	"the stylesheet"
//	@Failure		400		{object}	api.Problem	"unknown style; the detail lists the styles"
//	@Router			/highlight.css [get]
func (s *Server) handleHighlightCSS(c echo.Context) error {
	style := c.QueryParam("style")
	d, err := highlightSheet(style)
	if errors.Is(err, markdown.ErrUnknownStyle) {
		return invalidf("unknown style %.64q: chroma has %s", style, strings.Join(markdown.StyleNames(), ", "))
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", highlightCacheControl)
	return writeDoc(c, mimeCSS, d)
}
