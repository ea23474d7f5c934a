package system_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

func TestReauthSystem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		const email, pw = "ra@example.com", "a-long-password-1"
		s.CreateUser(email, pw)
		rt := s.Login(email, pw).Data()["refresh_token"].(string)
		s.Clock.Advance(16 * time.Minute) // the login is no longer recent; a refresh does not change that
		d := s.Post("/auth/refresh", map[string]any{"refresh_token": rt}).Data()
		auth := bearer(d["access_token"].(string))

		const updQ = `mutation($d: update_directus_users_input) { update_users_me(data: $d) { id email } }`
		r := s.GraphQL(ep, updQ, map[string]any{"d": map[string]any{"password": "second-long-password-2"}}, auth...)
		if code, msg := r.FirstError(); code != "INVALID_PAYLOAD" || msg != `Invalid payload. "current_password" is required.` {
			t.Fatalf("update_users_me without current_password: %s", r.Body)
		}
		r = s.GraphQL(ep, updQ, map[string]any{"d": map[string]any{"password": "second-long-password-2", "current_password": pw}}, auth...)
		if code, _ := r.FirstError(); code != "" || r.Field("update_users_me")["id"] == nil {
			t.Fatalf("update_users_me with current_password: %s", r.Body)
		}
		pw2 := "second-long-password-2"
		// A new email does not take effect yet.
		r = s.GraphQL(ep, updQ, map[string]any{"d": map[string]any{"email": "moved@example.com", "current_password": pw2}}, auth...)
		if r.Field("update_users_me")["email"] != email {
			t.Fatalf("update_users_me email: %s", r.Body)
		}

		// users_me_tfa_enable takes only the generated secret.
		own, _ := totp.Generate(totp.GenerateOpts{Issuer: "x", AccountName: "x"})
		const enableQ = `mutation($o: String!, $s: String!) { users_me_tfa_enable(otp: $o, secret: $s) }`
		r = s.GraphQL(ep, `mutation($p: String!) { users_me_tfa_generate(password: $p) { secret } }`, map[string]any{"p": pw2}, auth...)
		secret, _ := r.Field("users_me_tfa_generate")["secret"].(string)
		if code, _ := s.GraphQL(ep, enableQ, map[string]any{"s": own.Secret(), "o": codeAt(t, own.Secret(), s.Clock.Now())}, auth...).FirstError(); code != "INVALID_PAYLOAD" {
			t.Fatal("users_me_tfa_enable took a client-made secret")
		}
		wantTrue(t, s.GraphQL(ep, enableQ, map[string]any{"s": secret, "o": codeAt(t, secret, s.Clock.Now())}, auth...), "users_me_tfa_enable")

		const disableQ = `mutation($o: String!, $p: String) { users_me_tfa_disable(otp: $o, current_password: $p) }`
		s.Clock.Advance(30 * time.Second)
		if code, _ := s.GraphQL(ep, disableQ, map[string]any{"o": codeAt(t, secret, s.Clock.Now())}, auth...).FirstError(); code != "INVALID_PAYLOAD" {
			t.Fatal("users_me_tfa_disable without current_password")
		}
		s.Clock.Advance(30 * time.Second)
		wantTrue(t, s.GraphQL(ep, disableQ, map[string]any{"o": codeAt(t, secret, s.Clock.Now()), "p": pw2}, auth...), "users_me_tfa_disable")
	})
}
