package system_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

const (
	requestQ = `mutation($e: String!, $u: String) { auth_password_request(email: $e, reset_url: $u) }`
	resetQ   = `mutation($t: String!, $p: String!) { auth_password_reset(token: $t, password: $p) }`
)

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		sink := mailtest.NewServer(t)
		s := apptest.New(t, client, append(sink.Env(),
			"PASSWORD_RESET_URL_ALLOW_LIST=http://allowed.example.com/reset", "PASSWORD_RESET_STALL_TIME=30ms")...)
		deliver := func() {
			t.Helper()
			if _, err := s.App.Outbox.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		rt := s.Login(apptest.AdminEmail, apptest.AdminPassword).Data()["refresh_token"]

		r := s.GraphQL(ep, requestQ, map[string]any{"e": "nobody@example.com"})
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"auth_password_request":true`) {
			t.Fatalf("unknown email: %d %s", r.StatusCode, r.Body)
		}
		r = s.GraphQL(ep, requestQ, map[string]any{"e": apptest.AdminEmail, "u": "http://evil.example.com/x"})
		if code, msg := r.FirstError(); r.StatusCode != 200 || code != "INVALID_PAYLOAD" ||
			msg != `Invalid payload. URL "http://evil.example.com/x" can't be used to reset passwords.` {
			t.Fatalf("disallowed url: %d %s", r.StatusCode, r.Body)
		}
		deliver()
		if n := len(sink.Messages()); n != 0 {
			t.Fatalf("%d mails for unknown/refused requests", n)
		}

		r = s.GraphQL(ep, requestQ, map[string]any{"e": "ADMIN@example.com"})
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"auth_password_request":true`) {
			t.Fatalf("request: %d %s", r.StatusCode, r.Body)
		}
		deliver()
		msgs := sink.Messages()
		if len(msgs) != 1 || msgs[0].Subject != "Password Reset Request" || len(msgs[0].To) != 1 || msgs[0].To[0] != apptest.AdminEmail {
			t.Fatalf("mails: %+v", msgs)
		}
		link := mailtest.Link(t, msgs[0])
		if !strings.HasPrefix(link, "http://gatehouse.test/admin/reset-password?token=") {
			t.Fatalf("link %q", link)
		}
		u, _ := url.Parse(link)
		tok := u.Query().Get("token")

		r = s.GraphQL(ep, resetQ, map[string]any{"t": "garbage", "p": "a-brand-new-passphrase"})
		if code, _ := r.FirstError(); r.StatusCode != 200 || code != "INVALID_TOKEN" || !strings.Contains(string(r.Body), `"auth_password_reset":null`) {
			t.Fatalf("bad token: %d %s", r.StatusCode, r.Body)
		}
		r = s.GraphQL(ep, resetQ, map[string]any{"t": tok, "p": "short"})
		if code, _ := r.FirstError(); code != "FAILED_VALIDATION" || strings.Contains(string(r.Body), "short") {
			t.Fatalf("weak password: %s", r.Body)
		}
		r = s.GraphQL(ep, resetQ, map[string]any{"t": tok, "p": "a-brand-new-passphrase"})
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"auth_password_reset":true`) {
			t.Fatalf("reset: %d %s", r.StatusCode, r.Body)
		}
		s.Login(apptest.AdminEmail, "a-brand-new-passphrase")
		if r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt}); r.StatusCode != 401 {
			t.Fatalf("refresh token from before the reset: %d %s", r.StatusCode, r.Body)
		}
		r = s.GraphQL(ep, resetQ, map[string]any{"t": tok, "p": "another-long-passphrase"})
		if code, _ := r.FirstError(); code != "FORBIDDEN" {
			t.Fatalf("reused token: %s", r.Body)
		}

		r = s.GraphQL(ep, `mutation { a: auth_password_request(email: "admin@example.com") b: auth_password_request(email: "admin@example.com") }`, nil)
		if code, _ := r.FirstError(); r.StatusCode != 400 || code != "GRAPHQL_VALIDATION" ||
			!strings.Contains(string(r.Body), `\"auth_password_request\" can only be used once per request`) {
			t.Fatalf("aliased requests: %d %s", r.StatusCode, r.Body)
		}
		r = s.GraphQL(ep, `mutation { a: auth_password_reset(token: "x", password: "y") b: auth_password_reset(token: "x", password: "z") }`, nil)
		if code, _ := r.FirstError(); r.StatusCode != 400 || code != "GRAPHQL_VALIDATION" {
			t.Fatalf("aliased resets: %d %s", r.StatusCode, r.Body)
		}
		deliver()
		if n := len(sink.Messages()); n != 1 {
			t.Fatalf("%d mails, want still 1", n)
		}
	})
}
