package rest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/models"
)

func refreshJSON(s *apptest.Server, rt string) *apptest.Response {
	return s.Post("/auth/refresh", map[string]any{"refresh_token": rt})
}

func TestRefreshJSONRotationGraceAndReuse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		rt0 := s.Login(admin, adminPW).Data()["refresh_token"].(string)

		r := refreshJSON(s, rt0)
		if r.StatusCode != 200 {
			t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
		}
		d := r.Data()
		rt1 := d["refresh_token"].(string)
		if rt1 == rt0 || d["access_token"] == nil || d["expires"] != float64(900000) {
			t.Fatalf("refresh body %s", r.Body)
		}
		// Within the grace period the previous token yields the current one again.
		s.Clock.Advance(5 * time.Second)
		if again := refreshJSON(s, rt0).Data(); again["refresh_token"] != rt1 || again["access_token"] == nil {
			t.Fatalf("grace refresh: %v", again)
		}
		// The current token rotates on.
		rt2 := refreshJSON(s, rt1).Data()["refresh_token"].(string)
		if rt2 == rt1 {
			t.Fatal("no rotation")
		}
		// A token two generations back is reuse: the whole session dies.
		wantError(t, refreshJSON(s, rt0), 401, "INVALID_CREDENTIALS", "Invalid user credentials.")
		wantError(t, refreshJSON(s, rt2), 401, "INVALID_CREDENTIALS", "")
		u := user(t, s, admin)
		if !contains(actions(t, s, u.ID), models.ActionRefreshReuse) {
			t.Fatal("reuse not audited")
		}
	})
}

func TestRefreshPreviousTokenAfterGraceRevokes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		rt0 := s.Login(admin, adminPW).Data()["refresh_token"].(string)
		rt1 := refreshJSON(s, rt0).Data()["refresh_token"].(string)
		s.Clock.Advance(11 * time.Second)
		wantError(t, refreshJSON(s, rt0), 401, "INVALID_CREDENTIALS", "")
		wantError(t, refreshJSON(s, rt1), 401, "INVALID_CREDENTIALS", "")
	})
}

func TestRefreshConcurrentConverges(t *testing.T) {
	apptest.Each(t, refreshRace)
}

// refreshRace sends 20 refreshes of one token at once: they converge on
// exactly one successor, which rotates normally.
func refreshRace(t *testing.T, s *apptest.Server) {
	rt0 := s.Login(admin, adminPW).Data()["refresh_token"].(string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	successors := map[string]int{}
	start := make(chan struct{})
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := refreshJSON(s, rt0)
			mu.Lock()
			defer mu.Unlock()
			switch r.StatusCode {
			case 200:
				successors[r.Data()["refresh_token"].(string)]++
			case 401:
				successors["401"]++
			default:
				t.Errorf("concurrent refresh: %d %s", r.StatusCode, r.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	delete(successors, "401")
	if len(successors) != 1 {
		t.Fatalf("successors: %v, want exactly one", successors)
	}
	// The session is consistent: the one successor rotates normally.
	for rt1 := range successors {
		if r := refreshJSON(s, rt1); r.StatusCode != 200 {
			t.Fatalf("successor refresh: %d %s", r.StatusCode, r.Body)
		}
	}
}

func TestRefreshCookieMode(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ck := s.Login(admin, adminPW, "mode", "cookie").Cookie("directus_refresh_token")
		// No body and no mode: cookie mode by default.
		r := s.Post("/auth/refresh", nil, "Cookie", "directus_refresh_token="+ck.Value)
		next := r.Cookie("directus_refresh_token")
		if r.StatusCode != 200 || next == nil || next.Value == ck.Value || r.Data()["access_token"] == nil {
			t.Fatalf("cookie refresh: %d %s %+v", r.StatusCode, r.Body, next)
		}
		if _, has := r.Data()["refresh_token"]; has {
			t.Fatal("cookie mode returned the refresh token in the body")
		}
		// In cookie mode a body token is ignored.
		wantError(t, s.Post("/auth/refresh", map[string]any{"mode": "cookie", "refresh_token": next.Value}), 400, "INVALID_PAYLOAD",
			"Invalid payload. The refresh token is required in either the payload or cookie.")
		// A cross-site Origin is refused for cookie-authenticated refreshes.
		wantError(t, s.Post("/auth/refresh", nil, "Cookie", "directus_refresh_token="+next.Value, "Origin", "https://evil.example"), 403, "FORBIDDEN", "")
		if r := s.Post("/auth/refresh", nil, "Cookie", "directus_refresh_token="+next.Value, "Origin", "http://gatehouse.test"); r.StatusCode != 200 {
			t.Fatalf("same-origin refresh: %d %s", r.StatusCode, r.Body)
		}
	})
}

func TestRefreshSessionMode(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		old := s.Login(admin, adminPW, "mode", "session").Cookie("directus_session_token").Value
		r := s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+old)
		ck := r.Cookie("directus_session_token")
		if r.StatusCode != 200 || ck == nil || len(r.Data()) != 1 || r.Data()["expires"] != float64(86400000) {
			t.Fatalf("session refresh: %d %s", r.StatusCode, r.Body)
		}
		newer := ck.Value
		if claims(t, newer)["session"] != claims(t, old)["session"] {
			t.Fatal("session id changed on refresh")
		}
		// Within the grace period the old cookie still works, and refreshing
		// it again converges on the same generation.
		s.Clock.Advance(5 * time.Second)
		if r := s.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+old); r.StatusCode != 200 {
			t.Fatalf("old cookie within grace: %d %s", r.StatusCode, r.Body)
		}
		again := s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+old).Cookie("directus_session_token")
		if again == nil || claims(t, again.Value)["sgen"] != claims(t, newer)["sgen"] {
			t.Fatalf("grace refresh did not converge: %v", again)
		}
		// After the grace period the old cookie is refused and cleared, but the
		// session itself lives on.
		s.Clock.Advance(10 * time.Second)
		r = s.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+old)
		wantError(t, r, 401, "INVALID_CREDENTIALS", "")
		if c := r.Cookie("directus_session_token"); c == nil || c.MaxAge >= 0 || c.Value != "" {
			t.Fatalf("stale cookie not cleared: %+v", c)
		}
		r = s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+old)
		wantError(t, r, 401, "INVALID_CREDENTIALS", "")
		if r.Cookie("directus_session_token") == nil {
			t.Fatal("stale session refresh did not clear the cookie")
		}
		if r := s.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+newer); r.StatusCode != 200 {
			t.Fatalf("current cookie: %d %s", r.StatusCode, r.Body)
		}
	})
}

func TestRefreshSessionExpiredCookie(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	old := s.Login(admin, adminPW, "mode", "session").Cookie("directus_session_token").Value
	s.Clock.Advance(25 * time.Hour)
	r := s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+old)
	wantError(t, r, 401, "TOKEN_EXPIRED", "Token expired.")
	wantError(t, s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token=garbage.x.y"), 401, "INVALID_CREDENTIALS", "")
}

func TestRefreshBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		msg := "Invalid payload. The refresh token is required in either the payload or cookie."
		for _, body := range []any{`{}`, map[string]any{"mode": "foo", "refresh_token": "x"}, map[string]any{"mode": "json"}, nil} {
			wantError(t, s.Post("/auth/refresh", body), 400, "INVALID_PAYLOAD", msg)
		}
		for _, tok := range []any{"nope", "", 12345, "IhXChK6ZTIGp_736FOXQFwAAAAAAAAABfayG8oC0TxalISG-RAxN6CWgB_VSJdsL"} {
			r := s.Post("/auth/refresh", map[string]any{"refresh_token": tok})
			if r.StatusCode != 401 && r.StatusCode != 400 {
				t.Fatalf("token %v: %d %s", tok, r.StatusCode, r.Body)
			}
		}
	})
}

func TestRefreshSuspendedUser(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("later@example.com", "later-password-1")
		rt := s.Login("later@example.com", "later-password-1").Data()["refresh_token"].(string)
		u := user(t, s, "later@example.com")
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("status = ?", models.StatusSuspended).
			Where("id = ?", u.ID).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		wantError(t, refreshJSON(s, rt), 401, "USER_SUSPENDED", "User suspended.")
		// The session row was deleted: reactivation does not revive it.
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("status = ?", models.StatusActive).
			Where("id = ?", u.ID).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		wantError(t, refreshJSON(s, rt), 401, "INVALID_CREDENTIALS", "")
	})
}

func TestRefreshExpiredSession(t *testing.T) {
	s := apptest.New(t, "sqlite3", "REFRESH_TOKEN_TTL=1h")
	rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)
	s.Clock.Advance(time.Hour + time.Second)
	wantError(t, refreshJSON(s, rt), 401, "INVALID_CREDENTIALS", "")
}
