// Package geul carries the files of the repository's root that the program
// needs: the OpenAPI document, which make docs generates from the code.
package geul

import _ "embed"

// OpenAPIYAML is openapi.yaml, the OpenAPI 3 document of geul's HTTP API. It
// is generated (make docs) from the swag annotations of internal/server and
// the types of api/, never edited by hand; make test fails when it is stale.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte
