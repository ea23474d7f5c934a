package rest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
)

// The per-account login limit answers 429 for that email (in any case),
// leaves other accounts alone, and lifts when its window ends.
func TestLoginAccountLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("other@example.com", "other-password-1")
		for _, email := range []string{admin, "ADMIN@example.com", admin} {
			wantError(t, s.Post("/auth/login", map[string]any{"email": email, "password": "wrong-password"}), 401, "INVALID_CREDENTIALS", "")
		}
		r := s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW})
		wantError(t, r, 429, "REQUESTS_EXCEEDED", "")
		if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" || !strings.HasPrefix(r.Message(), "Too many requests, retry after ") {
			t.Fatalf("429: Retry-After %q, %s", ra, r.Body)
		}
		s.Login("other@example.com", "other-password-1")
		s.Clock.Advance(61 * time.Second)
		s.Login(admin, adminPW)
	}, "RATE_LIMITER_LOGIN_ENABLED=true", "RATE_LIMITER_LOGIN_POINTS=3", "RATE_LIMITER_LOGIN_DURATION=60")
}

// Over the per-account reset limit the answer is still 204, but no email
// goes out: the limit reveals nothing about the account.
func TestPasswordRequestAccountLimit(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		for range 3 {
			if r := s.Post("/auth/password/request", map[string]any{"email": admin}); r.StatusCode != 204 {
				t.Fatalf("reset request: %d %s", r.StatusCode, r.Body)
			}
		}
		deliver(t, s)
		if n := len(sink.Messages()); n != 2 {
			t.Fatalf("%d emails for 3 requests with a limit of 2, want 2", n)
		}
	}, "RATE_LIMITER_PASSWORD_REQUEST_POINTS=2")
}
