package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// PostFields is a post object trimmed by the fields query parameter (the
// PostFields and PostItemFields schemas of openapi.yaml): slug and the keys
// asked for. Unlike a Post, it tells a key that did not come from one that
// came empty.
type PostFields struct {
	// Slug is the post's slug, category/slug: it is always kept.
	Slug string
	// Raw holds every key that came, slug included, with its JSON value.
	Raw map[string]json.RawMessage
}

// Has reports whether key came.
func (p *PostFields) Has(key string) bool {
	_, ok := p.Raw[key]
	return ok
}

// Keys are the keys that came, sorted.
func (p *PostFields) Keys() []string {
	keys := make([]string, 0, len(p.Raw))
	for k := range p.Raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Decode decodes the value of key into v; a key that did not come is an
// error.
func (p *PostFields) Decode(key string, v any) error {
	raw, ok := p.Raw[key]
	if !ok {
		return fmt.Errorf("geul: post %s: key %q did not come", p.Slug, key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("geul: post %s: key %q: %w", p.Slug, key, err)
	}
	return nil
}

// Post decodes the keys that came into a Post; the others stay zero.
func (p *PostFields) Post() (Post, error) {
	var out Post
	b, err := json.Marshal(p.Raw)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return Post{}, fmt.Errorf("geul: post %s: %w", p.Slug, err)
	}
	return out, nil
}

// UnmarshalJSON reads a trimmed post object.
func (p *PostFields) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		return fmt.Errorf("geul: a trimmed post is null")
	}
	var slug string
	if s, ok := raw["slug"]; !ok || json.Unmarshal(s, &slug) != nil {
		return fmt.Errorf("geul: a trimmed post without its slug: %.80s", bytes.TrimSpace(data))
	}
	*p = PostFields{Slug: slug, Raw: raw}
	return nil
}

// MarshalJSON writes the keys that came.
func (p PostFields) MarshalJSON() ([]byte, error) { return json.Marshal(p.Raw) }

// PostFieldsResponse is the body of GET /posts/{category}/{slug} with fields.
type PostFieldsResponse struct {
	Post PostFields `json:"post"`
}

// ListFieldsResponse is the body of GET /posts with fields.
type ListFieldsResponse struct {
	Posts []PostFields `json:"posts"`
	Meta  ListMeta     `json:"meta"`
}

// PostFields calls GET /posts/{category}/{slug}?fields=: the post trimmed to
// slug and fields. slug is the post's slug as the API gives it
// (category/slug). opts may be nil.
func (c *Client) PostFields(ctx context.Context, slug string, fields []string, opts *PostOptions) (*PostFieldsResponse, error) {
	path, err := postPath(slug)
	if err != nil {
		return nil, err
	}
	q := opts.query()
	q.Set("fields", fieldsParam(fields))
	return getJSON[PostFieldsResponse](ctx, c, path, q)
}

// PostsFields calls GET /posts?fields=: one page of the list, every item
// trimmed to slug and fields. Category and tag lists are GET /posts with
// ListOptions.Category or Tag. opts may be nil.
func (c *Client) PostsFields(ctx context.Context, fields []string, opts *ListOptions) (*ListFieldsResponse, error) {
	q := opts.query()
	q.Set("fields", fieldsParam(fields))
	return getJSON[ListFieldsResponse](ctx, c, "/posts", q)
}

// fieldsParam is the fields query parameter of keys; slug alone when none,
// since an empty parameter would keep every key.
func fieldsParam(keys []string) string {
	if p := strings.Join(keys, ","); strings.Trim(p, ", ") != "" {
		return p
	}
	return "slug"
}

// postPath is the route of a post from its slug, category/slug.
func postPath(slug string) (string, error) {
	cat, name, ok := strings.Cut(slug, "/")
	if !ok || cat == "" || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("geul: post slug %q: want category/slug, as the API gives it", slug)
	}
	return "/posts/" + url.PathEscape(cat) + "/" + url.PathEscape(name), nil
}
