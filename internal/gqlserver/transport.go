package gqlserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// transport is GraphQL over HTTP for both endpoints, in place of gqlgen's GET
// and POST transports: those read the body their own way, echo an
// undecodable body (and Go type names) in their errors, and answer a
// mutation over GET with a status the spec does not allow. The body is read
// by httpio, as REST reads its bodies.
type transport struct {
	maxBody int64
}

func (transport) Supports(*http.Request) bool { return true } // the endpoint has checked the method

func (t transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := negotiate(strings.Join(r.Header.Values("Accept"), ","))
	raw, err := t.params(w, r)
	if err != nil {
		writeRequestError(w, media, err)
		return
	}
	raw.Headers = r.Header
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		// The document was refused before anything ran: parse, validation,
		// variable coercion, complexity, single-use.
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeInvalid(w, media, resp.Errors)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		// GraphQL over HTTP: a mutation over GET is 405, never run (a
		// cross-site GET cannot change state).
		writeRequestError(w, media, auth.MethodNotAllowed(http.MethodGet, http.MethodPost))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	httpio.WriteJSON(w, http.StatusOK, media+"; charset=utf-8", responses(ctx))
}

// params reads the request's GraphQL parameters: from the query string on
// GET, from a JSON object body on POST. Every failure is a fixed message that
// names the parameter, never its value.
func (t transport) params(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, error) {
	start := graphql.Now()
	fields := map[string]json.RawMessage{}
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, auth.InvalidQuery("The query string is malformed")
		}
		for _, name := range []string{"query", "operationName"} {
			if v := q.Get(name); v != "" {
				fields[name], _ = json.Marshal(v)
			}
		}
		for _, name := range []string{"variables", "extensions"} {
			if v := q.Get(name); v != "" {
				if !json.Valid([]byte(v)) {
					return nil, auth.InvalidQuery(`"` + name + `" is not valid JSON`)
				}
				fields[name] = json.RawMessage(v)
			}
		}
	} else {
		body, err := httpio.Read(w, r, t.maxBody)
		if err != nil {
			return nil, err
		}
		// Only a JSON body: a form or text/plain post is what a cross-site
		// page can send without a preflight.
		if !httpio.IsJSON(r.Header.Get("Content-Type")) {
			return nil, auth.InvalidPayload("The body must be application/json")
		}
		if fields, err = httpio.Object(body); err != nil {
			return nil, err
		}
	}
	p := &graphql.RawParams{}
	var err error
	if p.Query, err = str(fields, "query"); err != nil {
		return nil, err
	}
	if p.Query == "" {
		return nil, auth.InvalidPayload("Must provide query string") // Directus's words
	}
	if p.OperationName, err = str(fields, "operationName"); err != nil {
		return nil, err
	}
	if p.Variables, err = object(fields, "variables"); err != nil {
		return nil, err
	}
	if p.Extensions, err = object(fields, "extensions"); err != nil {
		return nil, err
	}
	p.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	return p, nil
}

// str reads an optional string parameter (absent and null read as "").
func str(fields map[string]json.RawMessage, name string) (string, error) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", auth.InvalidPayload(`"` + name + `" must be a string`)
	}
	return s, nil
}

// object reads an optional object parameter (absent and null read as nil).
// Numbers stay json.Number, as gqlgen's own transports decode them, so Int
// and Float coercion see the digits that were sent.
func object(fields map[string]json.RawMessage, name string) (map[string]any, error) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&m) != nil || m == nil {
		return nil, auth.InvalidPayload(`"` + name + `" must be of type object`)
	}
	return m, nil
}
