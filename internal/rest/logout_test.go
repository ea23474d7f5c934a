package rest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/models"
)

func TestLogoutJSON(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)
		r := s.Post("/auth/logout", map[string]any{"refresh_token": rt})
		if r.StatusCode != 204 || len(r.Body) != 0 || len(r.Cookies()) != 0 {
			t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, refreshJSON(s, rt), 401, "INVALID_CREDENTIALS", "")
		if !contains(actions(t, s, user(t, s, admin).ID), models.ActionLogout) {
			t.Fatal("logout not audited")
		}
		// Unknown or spent tokens: still 204.
		if r := s.Post("/auth/logout", map[string]any{"refresh_token": "nope"}); r.StatusCode != 204 {
			t.Fatalf("unknown token: %d", r.StatusCode)
		}
		if r := s.Post("/auth/logout", map[string]any{"refresh_token": rt}); r.StatusCode != 204 {
			t.Fatalf("spent token: %d", r.StatusCode)
		}
		// No token at all: 400.
		wantError(t, s.Post("/auth/logout", nil), 400, "INVALID_PAYLOAD",
			"Invalid payload. The refresh token is required in either the payload or cookie.")
	})
}

func TestLogoutCookieClearsCookie(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ck := s.Login(admin, adminPW, "mode", "cookie").Cookie("directus_refresh_token")
		r := s.Post("/auth/logout", nil, "Cookie", "directus_refresh_token="+ck.Value)
		cleared := r.Cookie("directus_refresh_token")
		if r.StatusCode != 204 || cleared == nil || cleared.Value != "" || cleared.MaxAge >= 0 ||
			!cleared.HttpOnly || cleared.Path != "/" || cleared.SameSite != ck.SameSite {
			t.Fatalf("cookie logout: %d %+v (raw %q)", r.StatusCode, cleared, r.Header.Values("Set-Cookie"))
		}
		if raw := r.Header.Get("Set-Cookie"); !strings.Contains(raw, "Max-Age=0") {
			t.Fatalf("clearing header %q lacks Max-Age=0", raw)
		}
		wantError(t, s.Post("/auth/refresh", nil, "Cookie", "directus_refresh_token="+ck.Value), 401, "INVALID_CREDENTIALS", "")
	})
}

func TestLogoutSessionKillsCookieAtOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		sc := s.Login(admin, adminPW, "mode", "session").Cookie("directus_session_token").Value
		if r := s.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+sc); r.StatusCode != 200 {
			t.Fatalf("me before logout: %d", r.StatusCode)
		}
		r := s.Post("/auth/logout", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+sc)
		if r.StatusCode != 204 || r.Cookie("directus_session_token") == nil {
			t.Fatalf("session logout: %d %v", r.StatusCode, r.Header.Values("Set-Cookie"))
		}
		r = s.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+sc)
		wantError(t, r, 401, "INVALID_CREDENTIALS", "")
		if r.Cookie("directus_session_token") == nil {
			t.Fatal("dead session cookie not cleared")
		}
		// The session JWT as a bearer token is dead too.
		wantError(t, s.Do("GET", "/users/me", nil, "Authorization", "Bearer "+sc), 401, "INVALID_CREDENTIALS", "")
	})
}

func TestLogoutIsNotAGet(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)
	wantError(t, s.Do("GET", "/auth/logout?refresh_token="+rt, nil), 404, "ROUTE_NOT_FOUND", "Route /auth/logout doesn't exist.")
	if r := refreshJSON(s, rt); r.StatusCode != 200 {
		t.Fatalf("GET logged out: %d", r.StatusCode)
	}
}

// A rotated-out refresh token is reuse: logout with it, whatever the scope,
// ends only its own session (audited as reuse), never the user's others.
func TestLogoutWithSpentTokenEndsOnlyItsSession(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		for _, scope := range []string{"all", "others"} {
			spent := s.Login(admin, adminPW).Data()["refresh_token"].(string)
			other := s.Login(admin, adminPW).Data()["refresh_token"].(string)
			r := s.Post("/auth/refresh", map[string]any{"refresh_token": spent})
			if r.StatusCode != 200 {
				t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
			}
			current := r.Data()["refresh_token"].(string)
			s.Clock.Advance(time.Minute) // past the grace period
			if r := s.Post("/auth/logout", map[string]any{"refresh_token": spent, "scope": scope}); r.StatusCode != 204 {
				t.Fatalf("logout with a spent token: %d %s", r.StatusCode, r.Body)
			}
			if r := s.Post("/auth/refresh", map[string]any{"refresh_token": other}); r.StatusCode != 200 {
				t.Fatalf("scope %s: a spent token ended another session: %d %s", scope, r.StatusCode, r.Body)
			}
			wantError(t, s.Post("/auth/refresh", map[string]any{"refresh_token": current}), 401, "INVALID_CREDENTIALS", "")
			if !contains(actions(t, s, user(t, s, admin).ID), models.ActionRefreshReuse) {
				t.Fatal("reuse not audited")
			}
		}
	})
}
