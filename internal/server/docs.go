package server

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/geul-dev/geul/internal/repr"

	"github.com/labstack/echo/v4"
	swaggerfiles "github.com/swaggo/files/v2"
	"go.yaml.in/yaml/v3"

	"github.com/geul-dev/geul"
)

// The general information of geul's OpenAPI document, read by swag (make docs).
//
//	@title						geul
//	@version					1
//	@description				geul serves a folder of markdown posts as a JSON API. Every error is an RFC 9457 problem (application/problem+json). Every GET also answers HEAD and, with If-None-Match or If-Modified-Since, 304 Not Modified. Bodies of 1 KB or more are sent as br or gzip when Accept-Encoding allows.
//	@license.name				See the repository
//	@BasePath					/
//	@tag.name					posts
//	@tag.description			Posts and lists of posts.
//	@tag.name					meta
//	@tag.description			Health and the API's own description.
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				The admin token (GEUL_ADMIN_TOKEN) as a bearer token: Authorization: Bearer TOKEN.

// docsCSP lets Swagger UI run: its script and styles come from geul itself,
// never from another origin. Every other answer keeps the strict policy.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// docsPage loads Swagger UI from /docs/ over /openapi.json. Paths are relative
// so the page also works behind a proxy that mounts geul under a prefix; the
// start script is a file, not inline, so the CSP needs no 'unsafe-inline' for
// scripts. It is served at /docs; docsPageInDir is the same page for /docs/,
// where relative paths start one level down.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>geul API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/geul-docs.js"></script>
</body>
</html>
`

var docsPageInDir = strings.ReplaceAll(docsPage, `"docs/`, `"`)

// docsScript starts Swagger UI. The document's URL is relative to the page,
// which is /docs or /docs/.
const docsScript = `window.ui = SwaggerUIBundle({
  url: location.pathname.endsWith("/") ? "../openapi.json" : "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
`

// spec is the OpenAPI document as served: the embedded YAML, its JSON form,
// and their ETags, computed once.
var spec = sync.OnceValues(func() (*specForms, error) {
	var doc any
	if err := yaml.Unmarshal(geul.OpenAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml as json: %w", err)
	}
	return &specForms{
		yaml: geul.OpenAPIYAML, yamlTag: repr.ETag(geul.OpenAPIYAML),
		json: js, jsonTag: repr.ETag(js),
	}, nil
})

type specForms struct {
	yaml, json       []byte
	yamlTag, jsonTag string
}

// handleOpenAPIYAML godoc
//
//	@Summary		The OpenAPI document
//	@Description	The OpenAPI 3 document of this API, as YAML: the file openapi.yaml of the repository, generated from the code by make docs.
//	@Tags			meta
//	@ID				getOpenAPIYAML
//	@Produce		application/yaml
//	@Success		200	{object}	object	"the document"
//	@Router			/openapi.yaml [get]
func (s *Server) handleOpenAPIYAML(c echo.Context) error {
	sp, err := spec()
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", sp.yamlTag)
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", sp.yaml)
}

// handleOpenAPIJSON godoc
//
//	@Summary		The OpenAPI document as JSON
//	@Description	The same document as /openapi.yaml, as JSON.
//	@Tags			meta
//	@ID				getOpenAPIJSON
//	@Produce		json
//	@Success		200	{object}	object	"the document"
//	@Router			/openapi.json [get]
func (s *Server) handleOpenAPIJSON(c echo.Context) error {
	sp, err := spec()
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", sp.jsonTag)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, sp.json)
}

// handleDocs godoc
//
//	@Summary		Swagger UI
//	@Description	An HTML page that shows the OpenAPI document with Swagger UI and lets a reader try each route. It loads nothing from another origin. /docs/ serves the same page.
//	@Tags			meta
//	@ID				getDocs
//	@Produce		html
//	@Success		200	{string}	string	"the page"
//	@Router			/docs [get]
func (s *Server) handleDocs(c echo.Context) error {
	c.Response().Header().Set("Content-Security-Policy", docsCSP)
	return c.Blob(http.StatusOK, echo.MIMETextHTMLCharsetUTF8, []byte(docsPage))
}

// docsFiles are Swagger UI's files that the page uses, with their ETags.
var docsFiles = sync.OnceValue(func() map[string]docsFile {
	out := map[string]docsFile{}
	add := func(name string, body []byte) {
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[name] = docsFile{body: body, etag: repr.ETag(body), contentType: ct}
	}
	for _, name := range []string{"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"} {
		if b, err := fs.ReadFile(swaggerfiles.FS, name); err == nil {
			add(name, b)
		}
	}
	add("geul-docs.js", []byte(docsScript))
	return out
})

type docsFile struct {
	body        []byte
	etag        string
	contentType string
}

// handleDocsInDir serves /docs's page at /docs/.
func (s *Server) handleDocsInDir(c echo.Context) error {
	c.Response().Header().Set("Content-Security-Policy", docsCSP)
	return c.Blob(http.StatusOK, echo.MIMETextHTMLCharsetUTF8, []byte(docsPageInDir))
}

// handleDocsFile serves the files of Swagger UI that /docs loads.
func (s *Server) handleDocsFile(c echo.Context) error {
	name := c.Param("file")
	f, ok := docsFiles()[name]
	if !ok {
		return notFoundf("no file %q in /docs", name)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("ETag", f.etag)
	return c.Blob(http.StatusOK, f.contentType, f.body)
}
