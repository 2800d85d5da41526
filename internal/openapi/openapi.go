// Package openapi turns the Swagger 2 document that swag writes from geul's
// annotations (docs/swagger.json) into the OpenAPI 3 document geul publishes
// (openapi.yaml), and applies the rules every route shares, so annotations
// only say what is particular to a route, and clients generated from the
// document (openapi-typescript, say) read well:
//
//   - Schemas have their Go type's plain name (Post, not api.Post); two
//     types of one name are an error.
//   - operationIds are verbNoun in lowerCamel (getPost, listPosts), from
//     @ID or else from the method and path, and unique.
//   - Error responses (4xx, 5xx) are application/problem+json.
//   - Every GET also answers HEAD, with the GET's status and headers and no
//     body: the info description says so once, and no HEAD operation is
//     written. Every GET answers 304 Not Modified for If-None-Match and
//     If-Modified-Since, with ETag, Last-Modified and Cache-Control on its
//     200; except event streams, admin routes and operations annotated
//     "@x-uncached true", whose answers are Cache-Control: no-store and
//     carry no validators.
//   - Objects are closed (additionalProperties: false) unless they are maps,
//     so a field the document does not name fails the contract test.
//   - Every field is required (swag's --requiredByDefault) unless its Go
//     field is omitempty; a Go pointer field is nullable (null when absent).
//   - A Go type whose doc comment holds the line //geul:fields is trimmed by
//     the fields query parameter: it gets a second schema, NameFields, whose
//     only required key is slug, and an operation that takes fields answers
//     anyOf the full shape and the trimmed one.
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
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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

// fieldsDirective marks, in a Go type's doc comment, an object that the
// fields query parameter trims to the keys asked for. Such a type gets a
// second schema, its name plus "Fields", whose only required key is
// alwaysKept; operations that take fields answer either shape.
const fieldsDirective = "//geul:fields"

// alwaysKept is the key the fields query parameter never drops (see
// parseFields in internal/server): a trimmed object still names its post.
const alwaysKept = "slug"

// problemType is the media type of every error body (RFC 9457).
const problemType = "application/problem+json"

// Convert returns the OpenAPI 3 document, as YAML, of the Swagger 2 document
// swagger (JSON). srcDirs are the Go package folders swag read; their struct
// types tell which fields are pointers and which objects fields= trims.
func Convert(swagger []byte, srcDirs ...string) ([]byte, error) {
	types, err := readTypes(srcDirs)
	if err != nil {
		return nil, err
	}
	swagger, swagName, err := plainNames(swagger)
	if err != nil {
		return nil, err
	}
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
	if doc.Components == nil {
		doc.Components = &openapi3.Components{}
	}
	trimmed := map[string]bool{}
	for name, ref := range doc.Components.Schemas {
		if ref.Value == nil {
			continue
		}
		closeObjects(ref.Value, map[*openapi3.Schema]bool{})
		t := types[swagName[name]]
		trimmed[name] = t.trimmed
		for prop := range t.pointers {
			if p, ok := ref.Value.Properties[prop]; ok {
				ref.Value.Properties[prop] = nullable(p)
			}
		}
	}
	bearer(doc)
	ids := map[string]string{}
	for _, path := range doc.Paths.Keys() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			problems(op)
			if op.OperationID == "" {
				op.OperationID = operationID(method, path)
			}
			if err := checkOperationID(op.OperationID, method+" "+path, ids); err != nil {
				return nil, err
			}
			if err := fieldsShapes(doc.Components.Schemas, op, trimmed); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
		}
		if get := item.Get; get != nil && !uncached(path, get) {
			conditional(get)
		}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the converted document is invalid: %w", err)
	}
	return marshalYAML(doc)
}

// plainNames renames swag's definitions from "pkg.Type" to "Type", the names
// a generated client shows (TypeScript's components["schemas"]["Post"]), and
// every reference to them. It returns the document and each plain name's
// swag name. Two types whose plain names meet are an error, not a guess.
func plainNames(swagger []byte) ([]byte, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(swagger))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, nil, fmt.Errorf("read swagger: %w", err)
	}
	defs, _ := root["definitions"].(map[string]any)
	plainOf := map[string]string{}
	swagName := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		plain := name[strings.LastIndex(name, ".")+1:]
		if other, ok := swagName[plain]; ok {
			return nil, nil, fmt.Errorf("schemas %s and %s would both be named %s: rename one type", other, name, plain)
		}
		swagName[plain] = name
		plainOf[name] = plain
	}
	renamed := make(map[string]any, len(defs))
	for name, d := range defs {
		renamed[plainOf[name]] = d
	}
	if defs != nil {
		root["definitions"] = renamed
	}
	const prefix = "#/definitions/"
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && strings.HasPrefix(ref, prefix) {
				if plain, ok := plainOf[strings.TrimPrefix(ref, prefix)]; ok {
					v["$ref"] = prefix + plain
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(root)
	out, err := json.Marshal(root)
	if err != nil {
		return nil, nil, fmt.Errorf("read swagger: %w", err)
	}
	return out, swagName, nil
}

// operationID names an operation whose annotation gave no @ID, in the
// style of the others (verb, then noun, lowerCamel), from its method and
// path: GET /tags/{tag} is getTagsByTag, GET /highlight.css getHighlightCSS,
// GET / getIndex. An @ID reads better; this keeps a new route in style.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") {
			b.WriteString("By")
			seg = strings.Trim(seg, "{}")
		}
		for _, word := range strings.FieldsFunc(seg, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
			if acronyms[word] {
				b.WriteString(strings.ToUpper(word))
				continue
			}
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	if path == "/" {
		b.WriteString("Index")
	}
	return b.String()
}

// acronyms are written in capitals inside an operationId, as Go does.
var acronyms = map[string]bool{"css": true, "html": true, "json": true, "xml": true, "yaml": true, "rss": true, "api": true, "id": true, "url": true}

// operationIDStyle is the one style of operationIds: a lower-case verb, then
// a noun in CamelCase (getPost, listPosts, searchPosts, getFeedRSS).
var operationIDStyle = regexp.MustCompile(`^[a-z]+[A-Z][A-Za-z0-9]*$`)

// checkOperationID holds id to the style and to uniqueness; seen maps each
// id given so far to its operation.
func checkOperationID(id, what string, seen map[string]string) error {
	if !operationIDStyle.MatchString(id) {
		return fmt.Errorf("%s: operationId %q is not verbNoun in lowerCamel (getPost, listPosts): fix its @ID", what, id)
	}
	if other, ok := seen[id]; ok {
		return fmt.Errorf("%s: operationId %q is %s's already", what, id, other)
	}
	seen[id] = what
	return nil
}

// fieldsShapes documents the answers of an operation that takes the fields
// query parameter: its 200 is either the full shape or the shape where every
// trimmed object (see fieldsDirective) is its Fields schema. A client that
// sends no fields reads the first member of the anyOf, whose keys are all
// required; one that sends fields reads the second. (anyOf, not oneOf: a
// trimmed answer that asked for every key is both.)
func fieldsShapes(schemas openapi3.Schemas, op *openapi3.Operation, trimmed map[string]bool) error {
	if op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "fields") == nil {
		return nil
	}
	ok := op.Responses.Status(200)
	if ok == nil || ok.Value == nil {
		return nil
	}
	mt := ok.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Ref == "" {
		return fmt.Errorf("takes fields but its 200 is no schema reference")
	}
	full := mt.Schema
	partial := fieldsVariant(schemas, full, trimmed)
	if partial.Ref == full.Ref {
		return fmt.Errorf("takes fields but %s holds no object marked %s", full.Ref, fieldsDirective)
	}
	mt.Schema = &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{full, partial}}}
	if d := ok.Value.Description; d != nil {
		text := strings.TrimSuffix(strings.TrimSpace(*d), ".")
		text += ". Without fields: " + refName(full.Ref) + ", every key present. With fields: " + refName(partial.Ref) + ", only " + alwaysKept + " and the keys asked for."
		ok.Value.Description = &text
	}
	return nil
}

const schemaPrefix = "#/components/schemas/"

func refName(ref string) string { return strings.TrimPrefix(ref, schemaPrefix) }

// fieldsVariant returns the reference to ref's shape under fields: a trimmed
// object's Fields schema, an object holding some (in a property or an
// array's items) as a copy named with "Fields" that refers to them, else ref
// itself. It adds the schemas it makes to schemas.
func fieldsVariant(schemas openapi3.Schemas, ref *openapi3.SchemaRef, trimmed map[string]bool) *openapi3.SchemaRef {
	name := refName(ref.Ref)
	orig := schemas[name]
	if ref.Ref == "" || orig == nil || orig.Value == nil {
		return ref
	}
	if trimmed[name] {
		vname := name + "Fields"
		if schemas[vname] == nil {
			v := *orig.Value
			v.Required = []string{alwaysKept}
			v.Description = strings.TrimSpace("The " + name + " object as the fields query parameter trims it: " + alwaysKept + " and the keys asked for. " + orig.Value.Description)
			schemas[vname] = &openapi3.SchemaRef{Value: &v}
		}
		return &openapi3.SchemaRef{Ref: schemaPrefix + vname, Value: schemas[vname].Value}
	}
	props := openapi3.Schemas{}
	changed := false
	for k, p := range orig.Value.Properties {
		np := p
		switch {
		case p.Ref != "":
			np = fieldsVariant(schemas, p, trimmed)
		case p.Value != nil && p.Value.Items != nil && p.Value.Items.Ref != "":
			if items := fieldsVariant(schemas, p.Value.Items, trimmed); items.Ref != p.Value.Items.Ref {
				arr := *p.Value
				arr.Items = items
				np = &openapi3.SchemaRef{Value: &arr}
			}
		}
		changed = changed || np != p
		props[k] = np
	}
	if !changed {
		return ref
	}
	vname := strings.TrimSuffix(name, "Response") + "FieldsResponse"
	if !strings.HasSuffix(name, "Response") {
		vname = name + "Fields"
	}
	if schemas[vname] == nil {
		v := *orig.Value
		v.Properties = props
		schemas[vname] = &openapi3.SchemaRef{Value: &v}
	}
	return &openapi3.SchemaRef{Ref: schemaPrefix + vname, Value: schemas[vname].Value}
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
			schema = &openapi3.SchemaRef{Ref: schemaPrefix + "Problem"}
		}
		r.Value.Content = openapi3.Content{problemType: &openapi3.MediaType{Schema: schema}}
	}
}

// isStream reports whether an operation answers an event stream, which has no
// validators and no 304.
func isStream(op *openapi3.Operation) bool {
	if ok := op.Responses.Status(200); ok != nil && ok.Value != nil {
		// Looked up by its own key: Content.Get would match a */* answer too.
		_, stream := ok.Value.Content["text/event-stream"]
		return stream
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

// goType is what the generator reads from a Go struct type of srcDirs.
type goType struct {
	// pointers are the JSON names of its pointer fields, embedded structs'
	// included: null in JSON when absent.
	pointers map[string]bool
	// trimmed tells that its doc comment carries fieldsDirective.
	trimmed bool
}

// readTypes maps each schema name swag gives a struct ("pkg.Type") to what
// its Go declaration says.
func readTypes(dirs []string) (map[string]goType, error) {
	structs := map[string][]structField{} // "pkg.Type"
	out := map[string]goType{}
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
			f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution|parser.ParseComments)
			if err != nil {
				return nil, fmt.Errorf("read types: %w", err)
			}
			pkg := f.Name.Name
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.TYPE {
					continue
				}
				for _, spec := range gd.Specs {
					ts := spec.(*ast.TypeSpec)
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					key := pkg + "." + ts.Name.Name
					structs[key] = structFields(pkg, st)
					doc := ts.Doc
					if doc == nil && len(gd.Specs) == 1 {
						doc = gd.Doc
					}
					if hasDirective(doc, fieldsDirective) {
						out[key] = goType{trimmed: true}
					}
				}
			}
		}
	}
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
		t := out[name]
		t.pointers = map[string]bool{}
		collect(name, t.pointers, 0)
		out[name] = t
	}
	return out, nil
}

// structField is one JSON field of a struct, or an embedded struct whose
// fields are flattened into it.
type structField struct {
	json     string
	pointer  bool
	embedded string // the embedded struct's "pkg.Type"
}

// structFields lists the JSON fields of st, declared in package pkg.
func structFields(pkg string, st *ast.StructType) []structField {
	var fs []structField
	for _, fl := range st.Fields.List {
		tag := ""
		if fl.Tag != nil {
			tag, _ = strconv.Unquote(fl.Tag.Value)
		}
		jsonName, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
		_, isPtr := fl.Type.(*ast.StarExpr)
		if len(fl.Names) == 0 {
			if id, ok := fl.Type.(*ast.Ident); ok && jsonName == "" {
				fs = append(fs, structField{embedded: pkg + "." + id.Name})
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
			fs = append(fs, structField{json: jn, pointer: isPtr})
		}
	}
	return fs
}

// hasDirective reports whether a doc comment holds the line directive.
func hasDirective(doc *ast.CommentGroup, directive string) bool {
	if doc == nil {
		return false
	}
	for _, c := range doc.List {
		if strings.TrimSpace(c.Text) == directive {
			return true
		}
	}
	return false
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
