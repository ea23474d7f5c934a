package rest_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// Issue 18: the JWKS is served with JWKS_MAX_AGE as its max-age, the figure
// rotation waits out before a new key signs.
func TestJWKSMaxAge(t *testing.T) {
	for env, want := range map[string]string{"": "public, max-age=60", "JWKS_MAX_AGE=5m": "public, max-age=300"} {
		s := apptest.New(t, "sqlite3", env)
		r := s.Do("GET", "/.well-known/jwks.json", nil)
		if r.StatusCode != 200 || r.Header.Get("Cache-Control") != want {
			t.Errorf("%q: %d, Cache-Control %q, want %q", env, r.StatusCode, r.Header.Get("Cache-Control"), want)
		}
	}
}
