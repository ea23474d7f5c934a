package graph_test

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
	requestQ = `mutation($e: String!, $u: String) { requestPasswordReset(email: $e, resetUrl: $u) }`
	resetQ   = `mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }`
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

		// Unknown email: true, no mail.
		r := s.GraphQL("/graphql", requestQ, map[string]any{"e": "nobody@example.com"})
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"requestPasswordReset":true`) {
			t.Fatalf("unknown email: %d %s", r.StatusCode, r.Body)
		}
		// A URL off the allow list: the REST error.
		r = s.GraphQL("/graphql", requestQ, map[string]any{"e": apptest.AdminEmail, "u": "http://evil.example.com/x"})
		if code, msg := r.FirstError(); r.StatusCode != 200 || code != "INVALID_PAYLOAD" ||
			msg != `Invalid payload. URL "http://evil.example.com/x" can't be used to reset passwords.` {
			t.Fatalf("disallowed url: %d %s", r.StatusCode, r.Body)
		}
		deliver()
		if n := len(sink.Messages()); n != 0 {
			t.Fatalf("%d mails for unknown/refused requests", n)
		}

		r = s.GraphQL("/graphql", requestQ, map[string]any{"e": apptest.AdminEmail, "u": "http://allowed.example.com/reset?foo=bar"})
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"requestPasswordReset":true`) {
			t.Fatalf("request: %d %s", r.StatusCode, r.Body)
		}
		deliver()
		msgs := sink.Messages()
		if len(msgs) != 1 || msgs[0].Subject != "Password Reset Request" || len(msgs[0].To) != 1 || msgs[0].To[0] != apptest.AdminEmail {
			t.Fatalf("mails: %+v", msgs)
		}
		u, err := url.Parse(mailtest.Link(t, msgs[0]))
		if err != nil || u.Host != "allowed.example.com" || u.Path != "/reset" || u.Query().Get("foo") != "bar" {
			t.Fatalf("link %v: %v", u, err)
		}
		tok := u.Query().Get("token")

		// Bad token: HTTP 200 with the REST code.
		r = s.GraphQL("/graphql", resetQ, map[string]any{"t": "garbage", "p": "a-brand-new-passphrase"})
		if code, _ := r.FirstError(); r.StatusCode != 200 || code != "INVALID_TOKEN" || !strings.Contains(string(r.Body), `"resetPassword":null`) {
			t.Fatalf("bad token: %d %s", r.StatusCode, r.Body)
		}
		// Weak password: FAILED_VALIDATION, not echoed.
		r = s.GraphQL("/graphql", resetQ, map[string]any{"t": tok, "p": "password123"})
		if code, _ := r.FirstError(); code != "FAILED_VALIDATION" || strings.Contains(string(r.Body), "password123") {
			t.Fatalf("weak password: %s", r.Body)
		}

		r = s.GraphQL("/graphql", resetQ, map[string]any{"t": tok, "p": "a-brand-new-passphrase"})
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"resetPassword":true`) {
			t.Fatalf("reset: %d %s", r.StatusCode, r.Body)
		}
		s.Login(apptest.AdminEmail, "a-brand-new-passphrase")
		if r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt}); r.StatusCode != 401 {
			t.Fatalf("refresh token from before the reset: %d %s", r.StatusCode, r.Body)
		}
		// Spent.
		r = s.GraphQL("/graphql", resetQ, map[string]any{"t": tok, "p": "another-long-passphrase"})
		if code, _ := r.FirstError(); code != "FORBIDDEN" {
			t.Fatalf("reused token: %s", r.Body)
		}

		// One reset request per operation.
		r = s.GraphQL("/graphql", `mutation { a: requestPasswordReset(email: "admin@example.com") b: requestPasswordReset(email: "admin@example.com") }`, nil)
		if code, _ := r.FirstError(); r.StatusCode != 400 || code != "GRAPHQL_VALIDATION" ||
			!strings.Contains(string(r.Body), `\"requestPasswordReset\" can only be used once per request`) {
			t.Fatalf("aliased requests: %d %s", r.StatusCode, r.Body)
		}
		r = s.GraphQL("/graphql", `mutation { a: resetPassword(token: "x", password: "y") b: resetPassword(token: "x", password: "z") }`, nil)
		if code, _ := r.FirstError(); r.StatusCode != 400 || code != "GRAPHQL_VALIDATION" {
			t.Fatalf("aliased resets: %d %s", r.StatusCode, r.Body)
		}
		deliver()
		if n := len(sink.Messages()); n != 1 {
			t.Fatalf("%d mails, want still 1", n)
		}
	})
}
