package apptest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/gatehouse/gatehouse/api"
)

// Every REST response a test receives through Do is checked against
// api/openapi.yaml, so the document cannot drift from what the server does.

var oasRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.YAML)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // match paths on any host: the test server's
	// Media types the document uses beyond kin-openapi's defaults.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/health+json", openapi3filter.JSONBodyDecoder)
	return legacy.NewRouter(doc)
})

// isREST tells REST paths from the other surfaces on the same handler:
// GraphQL (and the playground) and the built-in HTML pages.
func isREST(path string) bool {
	switch {
	case path == "/graphql", strings.HasPrefix(path, "/graphql/"), strings.HasPrefix(path, "/admin/"),
		path == "/users/register/verify-email":
		return false
	}
	return true
}

// checkOAS fails the test when a REST response does not match the document.
func (s *Server) checkOAS(req *http.Request, res *http.Response, body []byte) {
	s.t.Helper()
	path := req.URL.Path
	if len(path) > 1 {
		path = strings.TrimRight(path, "/") // Directus's paths are not strict about it, nor is the server
	}
	if req.Method == http.MethodOptions || !isREST(path) {
		return // preflights are the CORS layer's, not a route's
	}
	router, err := oasRouter()
	if err != nil {
		s.t.Errorf("api/openapi.yaml: %v", err)
		return
	}
	r := req.Clone(context.Background())
	r.URL.Path = path
	route, params, err := router.FindRoute(r)
	if err != nil {
		// Unknown routes answer errors; a success means a route the document lacks.
		if res.StatusCode < 400 {
			s.t.Errorf("%s %s answered %d, but api/openapi.yaml has no such route", req.Method, path, res.StatusCode)
		}
		return
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		s.t.Errorf("%s %s: the %d response does not match api/openapi.yaml: %v\nbody: %.500s", req.Method, path, res.StatusCode, err, body)
	}
}
