package rest_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// Refreshing slides a session's expiry, but never past SESSION_MAX_LIFETIME
// from its login: then the refresh fails and the session is gone.
func TestSessionMaxLifetime(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)
		cookie := sessionCookie(t, s, admin, adminPW)
		for range 2 {
			s.Clock.Advance(50 * time.Minute)
			r := refreshJSON(s, rt)
			wantStatus(t, r, 200, "refresh within the lifetime")
			rt = r.Data()["refresh_token"].(string)
			r = s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", cookie)
			wantStatus(t, r, 200, "session-mode refresh within the lifetime")
			cookie = "directus_session_token=" + r.Cookie("directus_session_token").Value
		}
		wantStatus(t, me(s, "Cookie", cookie), 200, "session cookie within the lifetime")
		if n := countSessions(t, s); n != 2 {
			t.Fatalf("%d sessions, want 2", n)
		}
		s.Clock.Advance(20 * time.Minute) // 2h since login
		// The session cookie's JWT is still unexpired, but its session is over.
		wantError(t, me(s, "Cookie", cookie), 401, "INVALID_CREDENTIALS", "")
		wantError(t, refreshJSON(s, rt), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", cookie), 401, "INVALID_CREDENTIALS", "")
		if n := countSessions(t, s); n != 0 {
			t.Fatalf("%d sessions left after their lifetime, want 0", n)
		}
	}, "SESSION_MAX_LIFETIME=2h", "REFRESH_TOKEN_TTL=1h", "SESSION_COOKIE_TTL=1h")
}

// A password change through PATCH /users/me keeps the caller's session in
// every mode (json included: its access token names the session in sid)
// and ends the others.
func TestPasswordChangeKeepsCallersJSONSession(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("me@example.com", "a-long-password-1")
		access, rt := accessToken(t, s, "me@example.com", "a-long-password-1")
		_, otherRT := accessToken(t, s, "me@example.com", "a-long-password-1")
		other := sessionCookie(t, s, "me@example.com", "a-long-password-1")
		r := s.Do("PATCH", "/users/me", map[string]any{"password": "another-long-password-2"}, bearer(access)...)
		wantStatus(t, r, 200, "PATCH password")
		wantStatus(t, refreshJSON(s, rt), 200, "the caller's json session")
		wantError(t, refreshJSON(s, otherRT), 401, "INVALID_CREDENTIALS", "")
		wantError(t, me(s, "Cookie", other), 401, "INVALID_CREDENTIALS", "")
		if n := countSessions(t, s); n != 1 {
			t.Fatalf("%d sessions, want 1", n)
		}
	})
}
