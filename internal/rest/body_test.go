package rest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// Issue 19: REST reads bodies with the reader GraphQL uses (httpio). A body
// that does not parse gets one fixed message, never the parser's words
// (which quote the body), whatever the letter case of its media type; a
// JSON Content-Type in any case is JSON.
func TestBodyDecodeErrorsAreFixed(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	const secret = "hunter2-Secret"
	for _, ct := range []string{"application/json", "Application/JSON", "APPLICATION/JSON; charset=UTF-8"} {
		for name, body := range map[string]string{
			"truncated":        `{"email":"a@b.com","password":"` + secret,
			"trailing garbage": `{"email":"a@b.com","password":"x"} ` + secret,
			"bare word":        secret,
			"bad escape":       `{"email":"a@b.com","password":"\` + secret + `"}`,
		} {
			r := s.Do("POST", "/auth/login", body, "Content-Type", ct)
			if r.StatusCode != 400 || r.Code() != "INVALID_PAYLOAD" || r.Message() != "Invalid payload. The request body is not valid JSON." {
				t.Errorf("%s %s: %d %s", ct, name, r.StatusCode, r.Body)
			}
			if strings.Contains(string(r.Body), "hunter2") || strings.Contains(string(r.Body), "character") {
				t.Errorf("%s %s: the answer repeats the body: %s", ct, name, r.Body)
			}
		}
		if r := s.Do("POST", "/auth/login", map[string]any{"email": admin, "password": adminPW}, "Content-Type", ct); r.StatusCode != 200 {
			t.Errorf("%s: login: %d %s", ct, r.StatusCode, r.Body)
		}
	}
}

// The middleware's errors use the same envelope: message first, then
// extensions with the code.
func TestOneEnvelope(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	for _, r := range []*apptest.Response{
		s.Do("GET", "/nope", nil),
		s.Post("/auth/login", `[1]`),
		s.Do("PUT", "/graphql", map[string]any{"query": "{ __typename }"}),
		s.Do("GET", "/graphql?query=mutation%7Blogout%7D", nil),
	} {
		if !strings.HasPrefix(string(r.Body), `{"errors":[{"message":`) || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%d %v %s", r.StatusCode, r.Header, r.Body)
		}
	}
}
