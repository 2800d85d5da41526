// Package openapi turns the Swagger 2 document that swag writes from geul's
// annotations (docs/swagger.json) into the OpenAPI 3 document geul publishes
// (openapi.yaml), and applies the rules every route shares, so annotations
// only say what is particular to a route:
//
//   - Error responses (4xx, 5xx) are application/problem+json.
//   - Every GET also answers HEAD (the same responses, without bodies) and
//     304 Not Modified for If-None-Match and If-Modified-Since, with ETag,
//     Last-Modified and Cache-Control on its 200; except event streams, admin
//     routes and operations annotated "@x-uncached true", whose answers are
//     Cache-Control: no-store and carry no validators.
//   - Objects are closed (additionalProperties: false) unless they are maps,
//     so a field the document does not name fails the contract test.
//   - A Go pointer field is nullable: it is null in JSON when absent.
//   - Objects that the fields query parameter trims require only slug.
//   - The admin API key in Authorization becomes an HTTP bearer scheme.
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// Version is the OpenAPI version of the document.
const Version = "3.0.3"

// trimmed are the schemas the fields query parameter can trim to slug plus
// the asked keys: every other key may be absent.
var trimmed = map[string]bool{"api.Post": true, "api.PostItem": true}

// problemType is the media type of every error body (RFC 9457).
const problemType = "application/problem+json"

// Convert returns the OpenAPI 3 document, as YAML, of the Swagger 2 document
// swagger (JSON). srcDirs are the Go package folders swag read; their struct
// types tell which fields are pointers.
func Convert(swagger []byte, srcDirs ...string) ([]byte, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(swagger, &doc2); err != nil {
		return nil, fmt.Errorf("read swagger: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert to openapi 3: %w", err)
	}
	doc.OpenAPI = Version
	if c := doc.Info.Contact; c != nil && c.Name == "" && c.URL == "" && c.Email == "" {
		doc.Info.Contact = nil // swag writes an empty one
	}
	ptrs, err := pointerFields(srcDirs)
	if err != nil {
		return nil, err
	}
	if doc.Components == nil {
		doc.Components = &openapi3.Components{}
	}
	for name, ref := range doc.Components.Schemas {
		if ref.Value == nil {
			continue
		}
		closeObjects(ref.Value, map[*openapi3.Schema]bool{})
		if trimmed[name] {
			ref.Value.Required = []string{"slug"}
		}
		for prop := range ptrs[name] {
			if p, ok := ref.Value.Properties[prop]; ok {
				ref.Value.Properties[prop] = nullable(p)
			}
		}
	}
	bearer(doc)
	for _, path := range doc.Paths.Keys() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			problems(op)
			if op.OperationID == "" {
				op.OperationID = operationID(method, path)
			}
		}
		if get := item.Get; get != nil {
			if !uncached(path, get) {
				conditional(get)
			}
			item.Head = head(get)
		}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the converted document is invalid: %w", err)
	}
	return marshalYAML(doc)
}

// operationID names an operation whose annotation gave no @ID, from its
// method and path: GET /tags/{tag} is getTagsByTag, GET /feed.xml getFeedXml.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") {
			b.WriteString("By")
			seg = strings.Trim(seg, "{}")
		}
		for _, word := range strings.FieldsFunc(seg, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

// closeObjects sets additionalProperties: false on every object schema that
// lists properties and says nothing of others, nested ones included. Maps
// (additionalProperties given) stay open.
func closeObjects(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
		no := false
		s.AdditionalProperties.Has = &no
	}
	for _, p := range s.Properties {
		if p.Ref == "" {
			closeObjects(p.Value, seen)
		}
	}
	if s.Items != nil && s.Items.Ref == "" {
		closeObjects(s.Items.Value, seen)
	}
	for _, sub := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
		if sub.Ref == "" {
			closeObjects(sub.Value, seen)
		}
	}
}

// nullable makes a property accept null. A $ref cannot carry nullable beside
// it in OpenAPI 3.0, so a referenced schema is wrapped in allOf.
func nullable(p *openapi3.SchemaRef) *openapi3.SchemaRef {
	if p.Ref == "" {
		p.Value.Nullable = true
		return p
	}
	return &openapi3.SchemaRef{Value: &openapi3.Schema{
		AllOf:    openapi3.SchemaRefs{{Ref: p.Ref, Value: p.Value}},
		Nullable: true,
	}}
}

// problems makes every error response an RFC 9457 problem.
func problems(op *openapi3.Operation) {
	for code, r := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil || n < 400 || r.Value == nil {
			continue
		}
		var schema *openapi3.SchemaRef
		for _, mt := range r.Value.Content {
			if mt.Schema != nil {
				schema = mt.Schema
				break
			}
		}
		if schema == nil {
			schema = &openapi3.SchemaRef{Ref: "#/components/schemas/api.Problem"}
		}
		r.Value.Content = openapi3.Content{problemType: &openapi3.MediaType{Schema: schema}}
	}
}

// isStream reports whether an operation answers an event stream, which has no
// validators and no 304.
func isStream(op *openapi3.Operation) bool {
	if ok := op.Responses.Status(200); ok != nil && ok.Value != nil {
		return ok.Value.Content.Get("text/event-stream") != nil
	}
	return false
}

// uncached reports whether a GET's answers are no-store, without validators:
// the represent middleware of internal/server gives none to such answers.
func uncached(path string, op *openapi3.Operation) bool {
	if v, ok := op.Extensions["x-uncached"].(bool); ok && v {
		return true
	}
	return path == "/admin" || strings.HasPrefix(path, "/admin/") || isStream(op)
}

// conditional documents what the represent middleware gives every GET: the
// validators, Cache-Control, and 304 for a conditional request.
func conditional(op *openapi3.Operation) {
	hasParam := func(name string) bool {
		for _, p := range op.Parameters {
			if p.Value != nil && p.Value.In == openapi3.ParameterInHeader && strings.EqualFold(p.Value.Name, name) {
				return true
			}
		}
		return false
	}
	for _, h := range []struct{ name, desc string }{
		{"If-None-Match", "ETags the client holds; a match answers 304 without a body."},
		{"If-Modified-Since", "An HTTP date; an answer not modified since then is 304 without a body. If-None-Match wins when both are sent."},
	} {
		if !hasParam(h.name) {
			p := openapi3.NewHeaderParameter(h.name).WithDescription(h.desc).WithSchema(openapi3.NewStringSchema())
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: p})
		}
	}
	headers := map[string]string{
		"ETag":          "Strong entity tag of the body.",
		"Last-Modified": "When the content last changed.",
		"Cache-Control": "How long caches may keep the answer.",
	}
	if ok := op.Responses.Status(200); ok != nil && ok.Value != nil {
		if ok.Value.Headers == nil {
			ok.Value.Headers = openapi3.Headers{}
		}
		for name, desc := range headers {
			if _, has := ok.Value.Headers[name]; !has {
				ok.Value.Headers[name] = header(desc)
			}
		}
	}
	if op.Responses.Value("304") == nil {
		nm := openapi3.NewResponse().WithDescription("Not Modified: the client's copy is current. No body.")
		nm.Headers = openapi3.Headers{"ETag": header(headers["ETag"])}
		op.Responses.Set("304", &openapi3.ResponseRef{Value: nm})
	}
}

func header(desc string) *openapi3.HeaderRef {
	return &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Description: desc, Schema: openapi3.NewStringSchema().NewRef(),
	}}}
}

// head is the HEAD operation of a GET: the same parameters and responses,
// without bodies.
func head(get *openapi3.Operation) *openapi3.Operation {
	op := *get
	if op.OperationID != "" {
		op.OperationID = "head" + strings.TrimPrefix(strings.TrimPrefix(op.OperationID, "get"), "Get")
	}
	op.Summary = strings.TrimSpace("Headers only: " + get.Summary)
	op.Description = "The headers the GET sends, without its body."
	op.Responses = openapi3.NewResponsesWithCapacity(get.Responses.Len())
	for code, r := range get.Responses.Map() {
		if r.Value == nil {
			continue
		}
		v := *r.Value
		v.Content = nil
		op.Responses.Set(code, &openapi3.ResponseRef{Value: &v})
	}
	return &op
}

// bearer turns swag's API key in the Authorization header (Swagger 2 has no
// bearer scheme) into an HTTP bearer scheme.
func bearer(doc *openapi3.T) {
	for _, ref := range doc.Components.SecuritySchemes {
		s := ref.Value
		if s != nil && s.Type == "apiKey" && s.In == "header" && s.Name == "Authorization" {
			ref.Value = &openapi3.SecurityScheme{Type: "http", Scheme: "bearer", Description: s.Description}
		}
	}
}

// pointerFields maps each schema name swag gives a struct ("pkg.Type") to
// the JSON names of its pointer fields, embedded structs included.
func pointerFields(dirs []string) (map[string]map[string]bool, error) {
	type field struct {
		json     string
		pointer  bool
		embedded string // the embedded struct's type name
	}
	structs := map[string][]field{} // "pkg.Type"
	for _, dir := range dirs {
		fset := token.NewFileSet()
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("read types: %w", err)
			}
			f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
			if err != nil {
				return nil, fmt.Errorf("read types: %w", err)
			}
			pkg := f.Name.Name
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					return false
				}
				var fs []field
				for _, fl := range st.Fields.List {
					tag := ""
					if fl.Tag != nil {
						tag, _ = strconv.Unquote(fl.Tag.Value)
					}
					jsonName, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
					_, isPtr := fl.Type.(*ast.StarExpr)
					if len(fl.Names) == 0 {
						if id, ok := fl.Type.(*ast.Ident); ok && jsonName == "" {
							fs = append(fs, field{embedded: pkg + "." + id.Name})
						}
						continue
					}
					for _, id := range fl.Names {
						if !id.IsExported() || jsonName == "-" {
							continue
						}
						jn := jsonName
						if jn == "" {
							jn = id.Name
						}
						fs = append(fs, field{json: jn, pointer: isPtr})
					}
				}
				structs[pkg+"."+ts.Name.Name] = fs
				return false
			})
		}
	}
	out := map[string]map[string]bool{}
	var collect func(name string, into map[string]bool, depth int)
	collect = func(name string, into map[string]bool, depth int) {
		if depth > 8 {
			return
		}
		for _, f := range structs[name] {
			switch {
			case f.embedded != "":
				collect(f.embedded, into, depth+1)
			case f.pointer:
				into[f.json] = true
			}
		}
	}
	for name := range structs {
		m := map[string]bool{}
		collect(name, m, 0)
		if len(m) > 0 {
			out[name] = m
		}
	}
	return out, nil
}

// topOrder is the order of the document's first keys; the rest is sorted.
var topOrder = []string{"openapi", "info", "servers", "tags", "security", "paths", "components"}

// marshalYAML writes the document as block YAML, keys sorted below the top
// level, so that regenerating an unchanged API changes no byte.
func marshalYAML(doc *openapi3.T) ([]byte, error) {
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(js, &root); err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	plain(&root)
	m := root.Content[0]
	rank := func(k string) int {
		if i := slices.Index(topOrder, k); i >= 0 {
			return i
		}
		return len(topOrder)
	}
	type pair struct{ k, v *yaml.Node }
	var pairs []pair
	for i := 0; i+1 < len(m.Content); i += 2 {
		pairs = append(pairs, pair{m.Content[i], m.Content[i+1]})
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a.k.Value) - rank(b.k.Value) })
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p.k, p.v)
	}
	var buf bytes.Buffer
	buf.WriteString("# Generated by make docs from the swag annotations of internal/server and\n# the types of api/. Do not edit.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	return buf.Bytes(), nil
}

// plain drops the JSON styling (quoted strings, flow collections) the nodes
// kept from their JSON source, so the encoder picks YAML's plain forms.
func plain(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		plain(c)
	}
}
