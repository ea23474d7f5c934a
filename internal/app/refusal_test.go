package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// A browser app's developer sees a refusal's status and body in the network
// tab, the operator sees the log: both must say what was refused and what to
// configure (issue 20, item 8).

func wantRefusal(t *testing.T, s *apptest.Server, r *apptest.Response, reason, logLine string) {
	t.Helper()
	if r.StatusCode != http.StatusForbidden || r.Code() != "FORBIDDEN" || r.Message() != reason {
		t.Errorf("got %d %s %q\nwant 403 FORBIDDEN %q", r.StatusCode, r.Code(), r.Message(), reason)
	}
	if !strings.Contains(s.Logs(), logLine) || !strings.Contains(s.Logs(), "https://evil.example") {
		t.Errorf("no log line %q naming the origin:\n%s", logLine, s.Logs())
	}
}

func TestForeignOriginCookieRefusalSaysWhy(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []string
		fix  string
	}{
		{"cors off", nil, "set CORS_ENABLED=true and add it to CORS_ORIGIN"},
		{"cors on", []string{"CORS_ENABLED=true", "CORS_ORIGIN=https://app.example"}, "add it to CORS_ORIGIN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := apptest.New(t, "sqlite3", c.env...)
			reason := "Origin https://evil.example is not allowed for cookie-authenticated requests; " + c.fix
			login := s.Login(apptest.AdminEmail, apptest.AdminPassword, "mode", "session")
			session := login.Cookie("directus_session_token")
			if session == nil {
				t.Fatal("no session cookie")
			}
			// The session cookie authenticates /users/me; the refresh cookie refreshes.
			r := s.Do(http.MethodGet, "/users/me", nil, "Cookie", session.Name+"="+session.Value, "Origin", "https://evil.example")
			wantRefusal(t, s, r, reason, "cookie-authenticated request refused: origin not allowed")
			refresh := s.Login(apptest.AdminEmail, apptest.AdminPassword, "mode", "cookie").Cookie("directus_refresh_token")
			r = s.Post("/auth/refresh", nil, "Cookie", refresh.Name+"="+refresh.Value, "Origin", "https://evil.example")
			wantRefusal(t, s, r, reason, "cookie-authenticated request refused: origin not allowed")
			// The trusted origins still pass.
			if r := s.Post("/auth/refresh", nil, "Cookie", refresh.Name+"="+refresh.Value, "Origin", "http://gatehouse.test"); r.StatusCode != 200 {
				t.Errorf("PUBLIC_URL's origin: %d %s", r.StatusCode, r.Body)
			}
		})
	}
}

func TestPreflightRefusalSaysWhy(t *testing.T) {
	preflight := func(s *apptest.Server) *apptest.Response {
		return s.Do(http.MethodOptions, "/auth/login", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	}
	t.Run("cors off", func(t *testing.T) {
		s := apptest.New(t, "sqlite3")
		r := preflight(s)
		wantRefusal(t, s, r, "CORS is disabled, so the cross-origin request from https://evil.example is refused; "+
			"set CORS_ENABLED=true and add the origin to CORS_ORIGIN", "CORS preflight refused")
		if r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("ACAO with CORS off: %v", r.Header)
		}
		// Requests that are not preflights still reach their routes.
		if r := s.Do(http.MethodOptions, "/auth/login", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("plain OPTIONS: %d %s", r.StatusCode, r.Body)
		}
	})
	t.Run("cors on, origin not listed", func(t *testing.T) {
		s := apptest.New(t, "sqlite3", "CORS_ENABLED=true", "CORS_ORIGIN=https://app.example")
		r := preflight(s)
		wantRefusal(t, s, r, "Origin https://evil.example is not allowed by CORS_ORIGIN; add it to CORS_ORIGIN", "CORS preflight refused")
		if r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("CORS headers for a refused origin: %v", r.Header)
		}
		ok := s.Do(http.MethodOptions, "/auth/login", nil, "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
		if ok.StatusCode != http.StatusNoContent || ok.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Errorf("allowed preflight: %d %v", ok.StatusCode, ok.Header)
		}
	})
}
