package gqlserver

import "testing"

func TestNegotiate(t *testing.T) {
	const gr, js = mediaGraphQLResponse, mediaJSON
	for accept, want := range map[string]string{
		"":                                  js,
		"*/*":                               js,
		"application/*":                     js,
		"text/html":                         js, // neither: JSON anyway
		"application/json":                  js,
		"application/graphql-response+json": gr,
		"APPLICATION/GRAPHQL-RESPONSE+JSON": gr,
		"application/graphql-response+json, application/json":             gr,
		"application/json, application/graphql-response+json":             gr,
		"application/graphql-response+json,application/json;q=0.9":        gr,
		"application/graphql-response+json;q=0.9,application/json":        js,
		"application/json;q=0.5, application/graphql-response+json;q=0.6": gr,
		"application/json;q=0, */*":                                       gr,
		"application/graphql-response+json;q=0, */*":                      js,
		"application/graphql-response+json;q=0":                           js,
		"application/*;q=0.2, application/json;q=0.1":                     gr, // graphql-response+json takes application/*'s 0.2
		"application/graphql-response+json;q=2, application/json":         js, // a malformed q drops its range
		"application/graphql-response+json;q=abc":                         js,
		"application/graphql-response+json; charset=utf-8":                gr,
		"text/html, application/graphql-response+json;q=0.1":              gr,
		",,;, application/graphql-response+json":                          gr,
		"*/json, application/graphql-response+json;q=0.5":                 gr, // */json is not a range
	} {
		if got := negotiate(accept); got != want {
			t.Errorf("negotiate(%q) = %s, want %s", accept, got, want)
		}
	}
}
