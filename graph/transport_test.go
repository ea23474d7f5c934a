package graph_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// Issue 19: GraphQL reads its body as REST does (httpio) and follows GraphQL
// over HTTP. These run on both endpoints.
var endpoints = []string{"/graphql", "/graphql/system"}

const secret = "hunter2-Secret"

// noLeak fails when an error answer repeats request content or Go's type
// names.
func noLeak(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	for _, bad := range []string{secret, "hunter2", "map[string]", "interface", "Go value", "json:", "RawParams", "body:"} {
		if strings.Contains(string(r.Body), bad) {
			t.Errorf("%s: the answer contains %q: %d %s", what, bad, r.StatusCode, r.Body)
		}
	}
}

func loginDoc(ep string) string {
	if ep == "/graphql/system" {
		return `mutation { auth_login(email: "a@b.com", password: "` + secret + `") { access_token } }`
	}
	return `mutation { login(email: "a@b.com", password: "` + secret + `") { accessToken } }`
}

// A body GraphQL cannot use is 400 INVALID_PAYLOAD with a fixed message,
// whatever the letter case of its Content-Type, in both media types; never
// the body, never a Go type.
func TestBodyErrorsNeverEchoTheBody(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	for _, ep := range endpoints {
		doc := loginDoc(ep)
		cases := []struct{ name, body, msg string }{
			{"malformed", `{"query":"` + strings.ReplaceAll(doc, `"`, `\"`), `Invalid payload. The request body is not valid JSON.`},
			{"variables a string", `{"query":"` + strings.ReplaceAll(doc, `"`, `\"`) + `","variables":"` + secret + `"}`, `Invalid payload. "variables" must be of type object.`},
			{"variables an array", `{"query":"{ __typename }","variables":["` + secret + `"]}`, `Invalid payload. "variables" must be of type object.`},
			{"query a number", `{"query":1,"password":"` + secret + `"}`, `Invalid payload. "query" must be a string.`},
			{"query an object", `{"query":{"password":"` + secret + `"}}`, `Invalid payload. "query" must be a string.`},
			{"operationName an object", `{"query":"{ __typename }","operationName":{"p":"` + secret + `"}}`, `Invalid payload. "operationName" must be a string.`},
			{"extensions a string", `{"query":"{ __typename }","extensions":"` + secret + `"}`, `Invalid payload. "extensions" must be of type object.`},
			{"no query", `{"password":"` + secret + `"}`, `Invalid payload. Must provide query string.`},
			{"a batch", `[{"query":"{ __typename }","variables":{"p":"` + secret + `"}}]`, `Invalid payload. "value" must be of type object.`},
			{"not an object", `"` + secret + `"`, `Invalid payload. "value" must be of type object.`},
		}
		for _, ct := range []string{"application/json", "Application/JSON", "APPLICATION/JSON; charset=UTF-8"} {
			for _, accept := range []string{"application/json", "application/graphql-response+json"} {
				for _, c := range cases {
					what := ep + " " + ct + " " + accept + " " + c.name
					r := s.Do("POST", ep, c.body, "Content-Type", ct, "Accept", accept)
					if r.StatusCode != 400 || r.Code() != "INVALID_PAYLOAD" || r.Message() != c.msg {
						t.Errorf("%s: %d %s, want 400 %q", what, r.StatusCode, r.Body, c.msg)
					}
					if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, accept) {
						t.Errorf("%s: Content-Type %q, want %s", what, got, accept)
					}
					noLeak(t, what, r)
				}
			}
			// The media type is JSON in any case: a good request runs.
			if r := s.Do("POST", ep, `{"query":"{ __typename }"}`, "Content-Type", ct); r.StatusCode != 200 || r.Data()["__typename"] != "Query" {
				t.Errorf("%s %s: %d %s", ep, ct, r.StatusCode, r.Body)
			}
		}
		// Not JSON: refused, and the body is not read as GraphQL.
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
			r := s.Do("POST", ep, `{"query":"mutation { logout }"}`, "Content-Type", ct)
			if r.StatusCode != 400 || r.Code() != "INVALID_PAYLOAD" {
				t.Errorf("%s Content-Type %q: %d %s", ep, ct, r.StatusCode, r.Body)
			}
		}
		// A bad variables value over GET: a fixed message too.
		r := s.Do("GET", ep+"?query="+url.QueryEscape("{ __typename }")+"&variables="+url.QueryEscape(`{"p":"`+secret), nil)
		if r.StatusCode != 400 || r.Code() != "INVALID_QUERY" {
			t.Errorf("%s GET bad variables: %d %s", ep, r.StatusCode, r.Body)
		}
		noLeak(t, ep+" GET bad variables", r)
	}
}

// Over MAX_PAYLOAD_SIZE: 413, as on REST.
func TestGraphQLBodyLimit(t *testing.T) {
	s := apptest.New(t, "sqlite3", "MAX_PAYLOAD_SIZE=1kb")
	big := `{"query":"{ __typename }","variables":{"p":"` + strings.Repeat("x", 2048) + `"}}`
	for _, ep := range endpoints {
		for _, ct := range []string{"application/json", "Application/Json"} {
			if r := s.Do("POST", ep, big, "Content-Type", ct); r.StatusCode != 413 || r.Code() != "INVALID_PAYLOAD" {
				t.Errorf("%s %s: %d %s", ep, ct, r.StatusCode, r.Body)
			}
		}
	}
}

// GraphQL over HTTP: a mutation over GET is 405 with Allow: POST and does not
// run; other methods are 405 with Allow: GET, POST.
func TestGraphQLMethods(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	for _, ep := range endpoints {
		mutation := "mutation { logout }"
		if ep == "/graphql/system" {
			mutation = "mutation { auth_logout }"
		}
		for _, accept := range []string{"", "application/json", "application/graphql-response+json"} {
			r := s.Do("GET", ep+"?query="+url.QueryEscape(mutation), nil, "Accept", accept)
			if r.StatusCode != 405 || r.Header.Get("Allow") != "POST" || r.Code() != "METHOD_NOT_ALLOWED" {
				t.Errorf("%s GET mutation (Accept %q): %d Allow %q %s", ep, accept, r.StatusCode, r.Header.Get("Allow"), r.Body)
			}
			// Picked by operationName among a query and a mutation.
			doc := url.QueryEscape("query Q { __typename } " + strings.Replace(mutation, "mutation", "mutation M", 1))
			if r := s.Do("GET", ep+"?operationName=M&query="+doc, nil, "Accept", accept); r.StatusCode != 405 {
				t.Errorf("%s GET mutation by operationName: %d %s", ep, r.StatusCode, r.Body)
			}
			if r := s.Do("GET", ep+"?operationName=Q&query="+doc, nil, "Accept", accept); r.StatusCode != 200 || r.Data()["__typename"] != "Query" {
				t.Errorf("%s GET query by operationName: %d %s", ep, r.StatusCode, r.Body)
			}
		}
		for _, m := range []string{"PUT", "PATCH", "DELETE"} {
			r := s.Do(m, ep, map[string]any{"query": "{ __typename }"})
			if r.StatusCode != 405 || r.Header.Get("Allow") != "GET, POST" || r.Code() != "METHOD_NOT_ALLOWED" {
				t.Errorf("%s %s: %d Allow %q %s", ep, m, r.StatusCode, r.Header.Get("Allow"), r.Body)
			}
		}
	}
	// The browser still gets the playground.
	if r := s.Do("GET", "/graphql", nil, "Accept", "text/html,application/xhtml+xml,*/*;q=0.8"); r.StatusCode != 200 ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("playground: %d %v", r.StatusCode, r.Header)
	}
}

// With Accept: application/graphql-response+json a refused document is 400
// in that media type with the errors' extensions.code (what Apollo Client
// reads as GraphQL errors); with application/json (or none, or */*) it stays
// Directus's 400 GRAPHQL_VALIDATION as application/json. Execution errors
// are 200 either way. q-values decide between the two.
func TestGraphQLResponseMediaType(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	const gr, js = "application/graphql-response+json", "application/json"
	cases := []struct{ accept, want string }{
		{"", js},
		{"*/*", js},
		{"application/*", js},
		{js, js},
		{gr, gr},
		{gr + ", " + js, gr},
		{gr + ",application/json;q=0.9", gr}, // Apollo Client's
		{"application/graphql-response+json;q=0.5, application/json", js},
		{"application/json;q=0.1, application/graphql-response+json", gr},
		{"Application/GraphQL-Response+JSON", gr},
		{"application/json;q=0, */*", gr},
		{"application/graphql-response+json;q=0, */*", js},
		{"text/html", js},
	}
	for _, ep := range endpoints {
		for _, c := range cases {
			what := ep + " Accept " + c.accept
			ok := s.Do("POST", ep, map[string]any{"query": "{ __typename }"}, "Accept", c.accept)
			if ok.StatusCode != 200 || !strings.HasPrefix(ok.Header.Get("Content-Type"), c.want) || ok.Data()["__typename"] != "Query" {
				t.Errorf("%s: good query: %d %q %s", what, ok.StatusCode, ok.Header.Get("Content-Type"), ok.Body)
			}
			for _, doc := range []string{"{ nope }", "{", "query($id: ID!) { __typename }"} {
				r := s.Do("POST", ep, map[string]any{"query": doc}, "Accept", c.accept)
				if r.StatusCode != 400 || r.Code() != "GRAPHQL_VALIDATION" || !strings.HasPrefix(r.Header.Get("Content-Type"), c.want) {
					t.Errorf("%s: %q: %d %q %s", what, doc, r.StatusCode, r.Header.Get("Content-Type"), r.Body)
				}
				if _, hasData := r.JSON()["data"]; hasData {
					t.Errorf("%s: %q: a refused document has a data entry: %s", what, doc, r.Body)
				}
			}
		}
		login := `mutation { login(email: "nobody@example.com", password: "wrong-password") { accessToken } }`
		if ep == "/graphql/system" {
			login = `mutation { auth_login(email: "nobody@example.com", password: "wrong-password") { access_token } }`
		}
		r := s.Do("POST", ep, map[string]any{"query": login}, "Accept", gr)
		if r.StatusCode != 200 || r.Code() != "INVALID_CREDENTIALS" || !strings.HasPrefix(r.Header.Get("Content-Type"), gr) {
			t.Errorf("%s: execution error under %s: %d %q %s", ep, gr, r.StatusCode, r.Header.Get("Content-Type"), r.Body)
		}
	}
}

// A document GraphQL refuses is described without the values the client
// sent (a literal or a variable's value may be a password); names stay.
func TestDocumentErrorsNeverEchoValues(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	cases := []struct {
		ep, doc string
		vars    map[string]any
	}{
		{"/graphql", `mutation { login(email: "a@b.com", password: 12345678) { accessToken } }`, nil},
		{"/graphql", `mutation { login(email: "a@b.com", password: "x", mode: ` + strings.ReplaceAll(secret, "-", "_") + `) { accessToken } }`, nil},
		{"/graphql", `mutation { login(email: "a@b.com", password: {p: "` + secret + `"}) { accessToken } }`, nil},
		{"/graphql", `mutation($m: AuthMode) { login(email: "a@b.com", password: "x", mode: $m) { accessToken } }`, map[string]any{"m": secret}},
		{"/graphql", `mutation($p: String!) { login(email: "a@b.com", password: $p) { accessToken } }`, map[string]any{"p": []any{secret}}},
		{"/graphql/system", `mutation($m: auth_mode) { auth_login(email: "a@b.com", password: "x", mode: $m) { access_token } }`, map[string]any{"m": secret}},
	}
	for _, c := range cases {
		for _, accept := range []string{"application/json", "application/graphql-response+json"} {
			body := map[string]any{"query": c.doc}
			if c.vars != nil {
				body["variables"] = c.vars
			}
			r := s.Do("POST", c.ep, body, "Accept", accept)
			if r.StatusCode != 400 || r.Code() != "GRAPHQL_VALIDATION" {
				t.Errorf("%s %.60s: %d %s", c.ep, c.doc, r.StatusCode, r.Body)
			}
			for _, bad := range []string{"12345678", "hunter2", "slice", "[]interface"} {
				if strings.Contains(string(r.Body), bad) {
					t.Errorf("%s %.60s: the answer contains %q: %s", c.ep, c.doc, bad, r.Body)
				}
			}
		}
	}
}
