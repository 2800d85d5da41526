package openapi_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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
	item := doc.Components.Schemas["api.PostItem"].Value
	ok := map[string]any{"slug": "cs/a"}
	if err := item.VisitJSON(ok); err != nil {
		t.Errorf("a trimmed item (slug only) is rejected: %v", err)
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

// TestSharedRules: every GET has a HEAD twin, 304 unless uncached, and every
// error is a problem.
func TestSharedRules(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != openapi.Version {
		t.Errorf("openapi %q, want %q", doc.OpenAPI, openapi.Version)
	}
	for _, path := range doc.Paths.Keys() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			for code, r := range op.Responses.Map() {
				if code >= "400" && method != "HEAD" && r.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s %s is not application/problem+json", method, path, code)
				}
			}
		}
		if item.Get == nil {
			continue
		}
		if item.Head == nil {
			t.Errorf("GET %s has no HEAD", path)
		}
		if _, uncached := item.Get.Extensions["x-uncached"]; !uncached && path != "/events" && path[:min(len(path), 7)] != "/admin/" {
			if item.Get.Responses.Value("304") == nil {
				t.Errorf("GET %s documents no 304", path)
			}
		}
	}
}
