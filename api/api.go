// Package api holds Gatehouse's OpenAPI 3.1 document of its REST routes
// (openapi.yaml), served at GET /server/specs/oas. The test suite checks
// every REST response it receives against it (internal/app/apptest), and
// that it names every route internal/rest registers.
package api

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"
)

// YAML is the document as written.
//
//go:embed openapi.yaml
var YAML []byte

// Document returns the document as JSON (as Directus serves its own), with
// servers naming publicURL.
func Document(publicURL string) ([]byte, error) {
	raw, err := yaml.YAMLToJSON(YAML)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	top["servers"], err = json.Marshal([]map[string]string{{"url": publicURL}})
	if err != nil {
		return nil, err
	}
	return json.Marshal(top)
}
