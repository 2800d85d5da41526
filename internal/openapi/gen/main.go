// Command gen writes openapi.yaml from the Swagger 2 document swag generated;
// make docs runs it after go tool swag init. See package openapi.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/geul-dev/geul/internal/openapi"
)

func main() {
	in := flag.String("in", "docs/swagger.json", "swag's Swagger 2 document")
	out := flag.String("out", "openapi.yaml", "OpenAPI 3 document to write")
	src := flag.String("src", "internal/server,api", "comma-separated Go package folders swag read")
	flag.Parse()
	if err := run(*in, *out, strings.Split(*src, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "openapi gen:", err)
		os.Exit(1)
	}
}

func run(in, out string, src []string) error {
	swagger, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	doc, err := openapi.Convert(swagger, src...)
	if err != nil {
		return err
	}
	return os.WriteFile(out, doc, 0o644)
}
