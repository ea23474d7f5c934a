package rest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// Every route that needs a caller resolves it first, under one middleware:
// a bad token is refused the same way before the body is read (a route moved
// out of the group would answer 400 for the body instead). Anonymous
// requests pass to the service, which answers per operation (401 or 403).
func TestCallerRoutesRefuseBadToken(t *testing.T) {
	routes := []string{
		"GET /auth/sessions", "GET /users/me", "PATCH /users/me", "GET /users", "POST /users",
		"GET /users/{id}", "PATCH /users/{id}", "DELETE /users/{id}", "GET /roles", "POST /roles",
		"POST /users/invite", "POST /users/me/tfa/generate", "POST /users/me/tfa/enable",
		"POST /users/me/tfa/disable", "POST /users/me/tfa/recovery-codes", "GET /users/me/tfa/recovery-codes",
		"POST /users/{id}/tfa/disable",
	}
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		for _, rt := range routes {
			method, path, _ := strings.Cut(rt, " ")
			path = strings.ReplaceAll(path, "{id}", "00000000-0000-4000-8000-000000000000")
			// A body with an unknown key: a handler that read it first would answer 400.
			r := s.Do(method, path, map[string]any{"unknown_key": true}, "Authorization", "Bearer not-a-token")
			if r.StatusCode != 401 || r.Code() != "INVALID_CREDENTIALS" {
				t.Errorf("%s with a bad token: %d %s, want 401 INVALID_CREDENTIALS", rt, r.StatusCode, r.Body)
			}
		}
	})
}
