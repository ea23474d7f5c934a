package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// staleLogin logs in, lets the login age past AUTH_PRIVILEGED_SESSION_MAX_AGE
// and refreshes: a valid access token from a session that is not recent.
func staleLogin(t *testing.T, s *apptest.Server, email, pw string) []string {
	t.Helper()
	_, rt := jsonLogin(t, s, email, pw)
	s.Clock.Advance(16 * time.Minute)
	r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt})
	access, _ := r.Data()["access_token"].(string)
	if r.StatusCode != 200 || access == "" {
		t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
	}
	return bearer(access)
}

func TestReauthGraphQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		sink := mailtest.NewServer(t)
		s := apptest.New(t, client, sink.Env()...)
		const email, pw = "ra@example.com", "a-long-password-1"
		s.CreateUser(email, pw)
		auth := staleLogin(t, s, email, pw)

		// updateMe: a new password needs currentPassword.
		wantCode(t, s.GraphQL("/graphql", updateMeQ, map[string]any{"in": map[string]any{"password": "second-long-password-2"}}, auth...), "updateMe", "INVALID_PAYLOAD")
		wantCode(t, s.GraphQL("/graphql", updateMeQ, map[string]any{"in": map[string]any{"password": "second-long-password-2", "currentPassword": "wrong-password-1"}}, auth...), "updateMe", "INVALID_CREDENTIALS")
		r := s.GraphQL("/graphql", updateMeQ, map[string]any{"in": map[string]any{"password": "second-long-password-2", "currentPassword": pw}}, auth...)
		if r.Field("updateMe")["id"] == nil {
			t.Fatalf("updateMe with currentPassword: %s", r.Body)
		}
		// createUser has no use for it.
		wantCode(t, s.GraphQL("/graphql", createUserQ, map[string]any{"in": map[string]any{"email": "x@example.com", "password": pw, "currentPassword": pw}}, asAdmin...), "createUser", "INVALID_PAYLOAD")

		// A new email waits for confirmEmailChange.
		r = s.GraphQL("/graphql", updateMeQ, map[string]any{"in": map[string]any{"email": "moved@example.com", "currentPassword": "second-long-password-2"}}, auth...)
		if r.Field("updateMe")["email"] != email {
			t.Fatalf("updateMe email: %s", r.Body)
		}
		tok := linkToken(t, s, sink, 0, "Confirm your new email address")
		wantCode(t, s.GraphQL("/graphql", `mutation($t: String!) { confirmEmailChange(token: $t) }`, map[string]any{"t": "garbage"}), "confirmEmailChange", "INVALID_TOKEN")
		wantTrue(t, s.GraphQL("/graphql", `mutation($t: String!) { confirmEmailChange(token: $t) }`, map[string]any{"t": tok}), "confirmEmailChange")
		deliverMail(t, s)
		if msgs := sink.Messages(); len(msgs) != 2 || !slices.Equal(msgs[1].Rcpt, []string{email}) {
			t.Fatalf("notice to the old address: %+v", msgs)
		}
		pw2 := "second-long-password-2"
		auth = staleLogin(t, s, "moved@example.com", pw2)

		// enableTfa takes only the generated secret.
		own, _ := totp.Generate(totp.GenerateOpts{Issuer: "x", AccountName: "x"})
		const enableQ = `mutation($s: String!, $o: String!) { enableTfa(secret: $s, otp: $o) }`
		r = s.GraphQL("/graphql", `mutation($p: String!) { generateTfa(password: $p) { secret } }`, map[string]any{"p": pw2}, auth...)
		secret, _ := r.Field("generateTfa")["secret"].(string)
		wantCode(t, s.GraphQL("/graphql", enableQ, map[string]any{"s": own.Secret(), "o": totpAt(t, own.Secret(), s.Clock.Now())}, auth...), "enableTfa", "INVALID_PAYLOAD")
		wantTrue(t, s.GraphQL("/graphql", enableQ, map[string]any{"s": secret, "o": totpAt(t, secret, s.Clock.Now())}, auth...), "enableTfa")

		code := func() string {
			s.Clock.Advance(30 * time.Second)
			return totpAt(t, secret, s.Clock.Now())
		}
		const codesQ = `mutation($o: String!, $p: String) { generateRecoveryCodes(otp: $o, currentPassword: $p) }`
		wantCode(t, s.GraphQL("/graphql", codesQ, map[string]any{"o": code()}, auth...), "generateRecoveryCodes", "INVALID_PAYLOAD")
		if r := s.GraphQL("/graphql", codesQ, map[string]any{"o": code(), "p": pw2}, auth...); len(list(r, "generateRecoveryCodes")) != 10 {
			t.Fatalf("generateRecoveryCodes with currentPassword: %s", r.Body)
		}
		const disableQ = `mutation($o: String!, $p: String) { disableTfa(otp: $o, currentPassword: $p) }`
		wantCode(t, s.GraphQL("/graphql", disableQ, map[string]any{"o": code()}, auth...), "disableTfa", "INVALID_PAYLOAD")
		wantCode(t, s.GraphQL("/graphql", disableQ, map[string]any{"o": code(), "p": "wrong-password-1"}, auth...), "disableTfa", "INVALID_CREDENTIALS")
		wantTrue(t, s.GraphQL("/graphql", disableQ, map[string]any{"o": code(), "p": pw2}, auth...), "disableTfa")
	})
}
