package rest_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

func TestServerRoutes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		if r := s.Do("GET", "/server/ping", nil); r.StatusCode != 200 || string(r.Body) != "pong" {
			t.Fatalf("ping: %d %q", r.StatusCode, r.Body)
		}
		if r := s.Do("GET", "/server/health", nil); r.StatusCode != 200 || r.JSON()["status"] != "ok" {
			t.Fatalf("health: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("GET", "/auth", nil); r.StatusCode != 200 || r.JSON()["disableDefault"] != false {
			t.Fatalf("GET /auth: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, s.Do("GET", "/nope", nil), 404, "ROUTE_NOT_FOUND", "Route /nope doesn't exist.")
		// Trailing slashes are accepted, as Directus's routers are non-strict.
		if r := s.Post("/auth/login/", map[string]any{"email": admin, "password": adminPW}); r.StatusCode != 200 {
			t.Fatalf("trailing slash: %d", r.StatusCode)
		}
		// Health reports 503 once the database is gone.
		s.App.DB.Close()
		if r := s.Do("GET", "/server/health", nil); r.StatusCode != 503 || r.JSON()["status"] != "error" {
			t.Fatalf("health without a database: %d %s", r.StatusCode, r.Body)
		}
	})
}

// TestOpenAPIRoute: Directus's path serves api/openapi.yaml as JSON, its
// servers naming PUBLIC_URL (apptest checks the answer against the document).
func TestOpenAPIRoute(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	r := s.Do("GET", "/server/specs/oas", nil)
	servers, _ := r.JSON()["servers"].([]any)
	first, _ := firstOr(servers).(map[string]any)
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		first["url"] != "http://gatehouse.test" || r.JSON()["paths"] == nil {
		t.Fatalf("GET /server/specs/oas: %d %v %.300s", r.StatusCode, r.Header, r.Body)
	}
}

func firstOr(v []any) any {
	if len(v) == 0 {
		return nil
	}
	return v[0]
}
