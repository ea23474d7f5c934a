package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/internal/rest"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestDocumentNamesEveryRoute holds api/openapi.yaml and internal/rest's
// routes together: each route is described, and nothing else is.
func TestDocumentNamesEveryRoute(t *testing.T) {
	doc := load(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi: %s, want 3.1", doc.OpenAPI)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	routes := rest.RoutePatterns()
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in api/openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("api/openapi.yaml describes %s, which internal/rest does not serve", d)
		}
	}
	for _, d := range documented {
		method, path, _ := strings.Cut(d, " ")
		op := doc.Paths.Find(path).GetOperation(method)
		if op.OperationID == "" || op.Summary == "" || op.Responses.Default() == nil {
			t.Errorf("%s: wants an operationId, a summary and a default (error) response", d)
		}
	}
}

func TestDocumentServesPublicURL(t *testing.T) {
	b, err := api.Document("https://example.com/auth")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.OpenAPI, "3.1.") || len(v.Servers) != 1 || v.Servers[0].URL != "https://example.com/auth" ||
		v.Paths["/auth/login"] == nil {
		t.Fatalf("served document: openapi %q servers %+v, %d paths", v.OpenAPI, v.Servers, len(v.Paths))
	}
	if _, err := openapi3.NewLoader().LoadFromData(b); err != nil {
		t.Fatalf("the served JSON does not load: %v", err)
	}
}
