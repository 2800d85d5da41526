package api

// Index is the body of GET /: what this API serves and where, so that a
// client, or a person with curl, finds every part of it from the root.
type Index struct {
	// Name is "geul".
	Name string `json:"name"`
	// Description says in a sentence what the API is.
	Description string `json:"description"`
	// Languages are the site's languages, the default first: the values of
	// every lang parameter.
	Languages []string `json:"languages"`
	// Links are the paths of the API's routes, from its root.
	Links IndexLinks `json:"links"`
}

// IndexLinks are the routes GET / points at, as paths from the API's root;
// a path with {braces} is a template.
type IndexLinks struct {
	// Posts lists posts, a page at a time: /posts.
	Posts string `json:"posts"`
	// Post is one post: /posts/{category}/{slug}.
	Post string `json:"post"`
	// Categories lists the categories: /categories.
	Categories string `json:"categories"`
	// Category is one category and its posts: /categories/{category}.
	Category string `json:"category"`
	// Tags lists the tags: /tags.
	Tags string `json:"tags"`
	// Tag is one tag and its posts: /tags/{tag}.
	Tag string `json:"tag"`
	// Search finds posts by their text: /search?q={q}.
	Search string `json:"search"`
	// RSS, Atom and JSONFeed are the feeds: /feed.xml, /atom.xml, /feed.json.
	RSS      string `json:"rss"`
	Atom     string `json:"atom"`
	JSONFeed string `json:"jsonFeed"`
	// Sitemap is the sitemap: /sitemap.xml.
	Sitemap string `json:"sitemap"`
	// HighlightCSS is the stylesheet of highlighted code in post html:
	// /highlight.css.
	HighlightCSS string `json:"highlightCSS"`
	// Changes and Events follow the index: /changes?since={generation},
	// /events (Server-Sent Events).
	Changes string `json:"changes"`
	Events  string `json:"events"`
	// Docs is Swagger UI over the API's description: /docs/.
	Docs string `json:"docs"`
	// OpenAPIJSON and OpenAPIYAML are the API's description:
	// /openapi.json, /openapi.yaml.
	OpenAPIJSON string `json:"openapiJSON"`
	OpenAPIYAML string `json:"openapiYAML"`
	// Healthz and Readyz are liveness and readiness: /healthz, /readyz.
	Healthz string `json:"healthz"`
	Readyz  string `json:"readyz"`
}
