package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
)

// indexLinks are the paths GET / lists; each names a route of routes().
var indexLinks = api.IndexLinks{
	Posts: "/posts", Post: "/posts/{category}/{slug}",
	Categories: "/categories", Category: "/categories/{category}",
	Tags: "/tags", Tag: "/tags/{tag}",
	Search: "/search?q={q}",
	RSS:    "/feed.xml", Atom: "/atom.xml", JSONFeed: "/feed.json", Sitemap: "/sitemap.xml",
	HighlightCSS: "/highlight.css",
	Changes:      "/changes?since={generation}", Events: eventsPath,
	Docs: "/docs/", OpenAPIJSON: "/openapi.json", OpenAPIYAML: "/openapi.yaml",
	Healthz: "/healthz", Readyz: "/readyz",
}

// handleIndex godoc
//
//	@Summary		The API's index
//	@Description	What this API serves and where: its name, the site's languages and the path of each route from the root ({braces} mark a template). A client, or a person with curl, starts here.
//	@Tags			meta
//	@ID				getIndex
//	@Produce		json
//	@Success		200	{object}	api.Index
//	@Router			/ [get]
func (s *Server) handleIndex(c echo.Context) error {
	body, err := api.Encode(api.Index{
		Name:        "geul",
		Description: "A headless content API: markdown posts served as JSON, rendered once at index time.",
		Languages:   s.languages(),
		Links:       indexLinks,
	})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, body)
}
