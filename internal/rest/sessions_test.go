package rest_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

func TestSessionsListAndLogoutScopes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		first := s.Login(admin, adminPW).Data()
		second := s.Login(admin, adminPW).Data()
		third := s.Login(admin, adminPW, "mode", "session").Cookie("directus_session_token").Value

		r := s.Do("GET", "/auth/sessions", nil, "Authorization", "Bearer "+first["access_token"].(string), "User-Agent", "sessions-test")
		list, _ := r.JSON()["data"].([]any)
		if r.StatusCode != 200 || len(list) != 3 {
			t.Fatalf("sessions: %d %s", r.StatusCode, r.Body)
		}
		current := 0
		for _, item := range list {
			m := item.(map[string]any)
			if m["current"] == true {
				current++
			}
			if m["created"] == nil || m["last_used"] == nil || m["id"] == nil {
				t.Fatalf("session fields: %v", m)
			}
		}
		if current != 1 {
			t.Fatalf("%d current sessions, want 1: %s", current, r.Body)
		}
		wantError(t, s.Do("GET", "/auth/sessions", nil), 401, "INVALID_CREDENTIALS", "")

		// scope=others keeps the presented session, ends the rest.
		if r := s.Post("/auth/logout", map[string]any{"refresh_token": first["refresh_token"], "scope": "others"}); r.StatusCode != 204 {
			t.Fatalf("logout others: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, refreshJSON(s, second["refresh_token"].(string)), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+third), 401, "INVALID_CREDENTIALS", "")
		r = refreshJSON(s, first["refresh_token"].(string))
		if r.StatusCode != 200 {
			t.Fatalf("the kept session: %d", r.StatusCode)
		}
		// scope=all ends that one too.
		if r := s.Post("/auth/logout", map[string]any{"refresh_token": r.Data()["refresh_token"], "scope": "all"}); r.StatusCode != 204 {
			t.Fatalf("logout all: %d", r.StatusCode)
		}
		if n := countSessions(t, s); n != 0 {
			t.Fatalf("%d sessions after logout all", n)
		}
		for _, bad := range []any{"everything", 5, true} {
			wantError(t, s.Post("/auth/logout", map[string]any{"refresh_token": "x", "scope": bad}), 400, "INVALID_PAYLOAD",
				`Invalid payload. "scope" must be one of [this, others, all].`)
		}
	})
}

func TestPurgeExpired(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.Login(admin, adminPW)
		s.Clock.Advance(6 * 24 * time.Hour)
		s.Login(admin, adminPW)
		s.Clock.Advance(2 * 24 * time.Hour) // the first is now past its 7 days
		n, _, err := s.App.Auth.PurgeExpired(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("purged %d (%v), want 1", n, err)
		}
		if c := countSessions(t, s); c != 1 {
			t.Fatalf("%d sessions left, want 1", c)
		}
	})
}
