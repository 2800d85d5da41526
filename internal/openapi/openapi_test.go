package openapi_test

import (
	"bytes"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/openapi"
)

// convertCommitted converts the committed docs/swagger.json as make docs does.
func convertCommitted(t *testing.T) []byte {
	t.Helper()
	swagger, err := os.ReadFile("../../docs/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := openapi.Convert(swagger, "../../internal/server", "../../api")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestCommittedDocumentIsCurrent: openapi.yaml is what the generator makes of
// docs/swagger.json (make docs-check also reruns swag itself).
func TestCommittedDocumentIsCurrent(t *testing.T) {
	want, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := convertCommitted(t); !bytes.Equal(got, want) {
		t.Errorf("openapi.yaml is stale: run make docs")
	}
}

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(convertCommitted(t))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestObjectsAreClosed: an object schema with properties admits no others,
// so an undocumented field fails validation; maps stay open.
func TestObjectsAreClosed(t *testing.T) {
	doc := load(t)
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		if len(s.Properties) == 0 {
			continue
		}
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("%s: additionalProperties not false", name)
		}
	}
	item := doc.Components.Schemas["PostItem"].Value
	ok := map[string]any{"slug": "cs/a"}
	if err := doc.Components.Schemas["PostItemFields"].Value.VisitJSON(ok); err != nil {
		t.Errorf("a trimmed item (slug only) is rejected: %v", err)
	}
	if err := item.VisitJSON(ok); err == nil {
		t.Errorf("a full item with slug only passes")
	}
	extra := map[string]any{"slug": "cs/a", "secret": 1}
	if err := item.VisitJSON(extra); err == nil {
		t.Errorf("an item with an undocumented field passes")
	}
	if err := item.Properties["extra"].Value.VisitJSON(map[string]any{"anything": []any{1}}); err != nil {
		t.Errorf("extra, a map, is closed: %v", err)
	}
	if err := item.Properties["prev"].Value.VisitJSON(nil); err != nil {
		t.Errorf("prev (a Go pointer) is not nullable: %v", err)
	}
	if err := item.Properties["slug"].Value.VisitJSON(nil); err == nil {
		t.Errorf("slug (a Go string) accepts null")
	}
}

// TestSharedRules: no HEAD copies (the info description says every GET
// answers HEAD), 304 unless uncached, and every error is a problem.
func TestSharedRules(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != openapi.Version {
		t.Errorf("openapi %q, want %q", doc.OpenAPI, openapi.Version)
	}
	if !strings.Contains(doc.Info.Description, "HEAD") {
		t.Errorf("the info description does not say that every GET answers HEAD")
	}
	for _, path := range doc.Paths.Keys() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			for code, r := range op.Responses.Map() {
				if code >= "400" && r.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s %s is not application/problem+json", method, path, code)
				}
			}
		}
		if item.Head != nil {
			t.Errorf("HEAD %s is documented: HEAD is said once, in the info description", path)
		}
		if item.Get == nil {
			continue
		}
		if _, uncached := item.Get.Extensions["x-uncached"]; !uncached && path != "/events" && path[:min(len(path), 7)] != "/admin/" {
			if item.Get.Responses.Value("304") == nil {
				t.Errorf("GET %s documents no 304", path)
			}
		}
	}
}

// TestNames: schemas have plain names, operationIds one style.
func TestNames(t *testing.T) {
	doc := load(t)
	for _, want := range []string{"Post", "PostItem", "SearchHit", "Problem", "PostFields", "PostItemFields"} {
		if doc.Components.Schemas[want] == nil {
			t.Errorf("no schema %s", want)
		}
	}
	for name := range doc.Components.Schemas {
		if strings.Contains(name, ".") {
			t.Errorf("schema %s carries its Go package", name)
		}
	}
	ids := map[string]bool{}
	for _, path := range doc.Paths.Keys() {
		for method, op := range doc.Paths.Value(path).Operations() {
			ids[op.OperationID] = true
			if !regexp.MustCompile(`^[a-z]+[A-Z][A-Za-z0-9]*$`).MatchString(op.OperationID) {
				t.Errorf("%s %s: operationId %q is not verbNoun", method, path, op.OperationID)
			}
		}
	}
	for _, want := range []string{"getPost", "listPosts", "listCategories", "getCategory", "listTags", "getTag", "searchPosts", "getFeedRSS"} {
		if !ids[want] {
			t.Errorf("no operation %s", want)
		}
	}
}

// TestRequiredAndFields: a full post, a list item and a search hit require
// every key the Go type always sends (no omitempty); the routes that take
// fields answer anyOf the full shape and the trimmed one.
func TestRequiredAndFields(t *testing.T) {
	doc := load(t)
	for name, typ := range map[string]reflect.Type{
		"Post": reflect.TypeFor[api.Post](), "PostItem": reflect.TypeFor[api.PostItem](),
		"SearchHit": reflect.TypeFor[api.SearchHit](), "Problem": reflect.TypeFor[api.Problem](),
	} {
		s := doc.Components.Schemas[name].Value
		var want []string
		for _, f := range reflect.VisibleFields(typ) {
			tag := f.Tag.Get("json")
			key, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous || !f.IsExported() || key == "" || key == "-" || strings.Contains(opts, "omitempty") {
				continue
			}
			want = append(want, key)
		}
		slices.Sort(want)
		got := slices.Sorted(slices.Values(s.Required))
		if !slices.Equal(got, want) {
			t.Errorf("%s requires %v, want %v", name, got, want)
		}
	}
	for _, tc := range []struct{ path, full, partial string }{
		{"/posts/{category}/{slug}", "PostResponse", "PostFieldsResponse"},
		{"/posts", "ListResponse", "ListFieldsResponse"},
		{"/categories/{category}", "CategoryResponse", "CategoryFieldsResponse"},
		{"/tags/{tag}", "TagResponse", "TagFieldsResponse"},
	} {
		s := doc.Paths.Value(tc.path).Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
		if len(s.AnyOf) != 2 || !strings.HasSuffix(s.AnyOf[0].Ref, "/"+tc.full) || !strings.HasSuffix(s.AnyOf[1].Ref, "/"+tc.partial) {
			t.Errorf("GET %s 200 is not anyOf %s, %s", tc.path, tc.full, tc.partial)
		}
	}
	search := doc.Paths.Value("/search").Get.Responses.Status(200).Value.Content.Get("application/json").Schema
	if !strings.HasSuffix(search.Ref, "/SearchResponse") {
		t.Errorf("GET /search 200 is %q, want SearchResponse alone (it takes no fields)", search.Ref)
	}
}

// TestGeneratorRules: the rules hold for any route, a new one included.
func TestGeneratorRules(t *testing.T) {
	swagger := func(defs, paths string) []byte {
		return []byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{` + paths + `},"definitions":{` + defs + `}}`)
	}
	ok := `"responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/api.Health"}}}`
	health := `"api.Health":{"type":"object","properties":{"status":{"type":"string"}}}`
	for _, tc := range []struct {
		name, defs, paths string
		want, err         string
	}{
		{"an operation without @ID", health, `"/highlight.css":{"get":{` + ok + `}}`, "operationId: getHighlightCSS", ""},
		{"the root", health, `"/":{"get":{` + ok + `}}`, "operationId: getIndex", ""},
		{"a param", health, `"/posts/{category}/{slug}/{file}":{"get":{"parameters":[{"name":"category","in":"path","required":true,"type":"string"},{"name":"slug","in":"path","required":true,"type":"string"},{"name":"file","in":"path","required":true,"type":"string"}],` + ok + `}}`, "operationId: getPostsByCategoryBySlugByFile", ""},
		{"plain names", health, `"/healthz":{"get":{"operationId":"getHealth",` + ok + `}}`, "$ref: '#/components/schemas/Health'", ""},
		{"no HEAD copy", health, `"/healthz":{"get":{"operationId":"getHealth",` + ok + `}}`, "", ""},
		{"two types of one name", health + `,"store.Health":{"type":"object"}`, `"/healthz":{"get":{"operationId":"getHealth",` + ok + `}}`, "", "api.Health and store.Health would both be named Health"},
		{"an @ID out of style", health, `"/healthz":{"get":{"operationId":"health",` + ok + `}}`, "", `operationId "health" is not verbNoun`},
		{"fields without a marked type", health, `"/healthz":{"get":{"operationId":"getHealth","parameters":[{"name":"fields","in":"query","type":"string"}],` + ok + `}}`, "", "holds no object marked //geul:fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := openapi.Convert(swagger(tc.defs, tc.paths), "../../api")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(got, []byte(tc.want)) || bytes.Contains(got, []byte("head:")) || bytes.Contains(got, []byte("api.")) {
				t.Errorf("want %q, no head: and no api.:\n%s", tc.want, got)
			}
		})
	}
}
