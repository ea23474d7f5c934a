package system_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

var asAdmin = []string{"Authorization", "Bearer " + apptest.AdminToken}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func wantTrue(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	if _, hasErrors := r.JSON()["errors"]; r.StatusCode != 200 || r.Data()[field] != true || hasErrors {
		t.Fatalf("%s: %d %s", field, r.StatusCode, r.Body)
	}
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mailToken delivers the outbox and returns the token of the only new mail since before.
func mailToken(t *testing.T, s *apptest.Server, sink *mailtest.Server, before int, subject string) string {
	t.Helper()
	if _, err := s.App.Outbox.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()[before:]
	if len(msgs) != 1 || msgs[0].Subject != subject {
		t.Fatalf("want one %q mail, got %+v", subject, msgs)
	}
	u, err := url.Parse(mailtest.Link(t, msgs[0]))
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("link %v: %v", u, err)
	}
	return u.Query().Get("token")
}

func TestInviteAndRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		sink := mailtest.NewServer(t)
		s := apptest.New(t, client, append(sink.Env(), "PUBLIC_REGISTRATION=true", "REGISTER_STALL_TIME=1ms", "RATE_LIMITER_REGISTRATION_ENABLED=false")...)
		roleID, _ := s.GraphQL("/graphql", `mutation { createRole(name: "Invitees") { id } }`, nil, asAdmin...).Field("createRole")["id"].(string)
		if roleID == "" {
			t.Fatal("createRole failed")
		}

		// users_invite + users_invite_accept
		const inviteQ = `mutation($e: String!, $r: String!) { users_invite(email: $e, role: $r) }`
		if r := s.GraphQL(ep, inviteQ, map[string]any{"e": "inv@example.com", "r": roleID}); r.Code() != "FORBIDDEN" || !strings.Contains(string(r.Body), `"users_invite":null`) {
			t.Fatalf("anonymous users_invite: %s", r.Body)
		}
		wantTrue(t, s.GraphQL(ep, inviteQ, map[string]any{"e": "inv@example.com", "r": roleID}, asAdmin...), "users_invite")
		tok := mailToken(t, s, sink, 0, "You've been invited")
		const acceptQ = `mutation($t: String!, $p: String!) { users_invite_accept(token: $t, password: $p) }`
		wantTrue(t, s.GraphQL(ep, acceptQ, map[string]any{"t": tok, "p": "a-long-password-1"}), "users_invite_accept")
		s.Login("inv@example.com", "a-long-password-1")
		r := s.GraphQL(ep, acceptQ, map[string]any{"t": tok, "p": "a-long-password-2"})
		if code, msg := r.FirstError(); r.StatusCode != 200 || code != "INVALID_INVITE" || msg != "This invite is no longer valid." {
			t.Fatalf("second users_invite_accept: %d %s", r.StatusCode, r.Body)
		}

		// users_register + users_register_verify
		const registerQ = `mutation($e: String!, $p: String!) { users_register(email: $e, password: $p, first_name: "Reg") }`
		wantTrue(t, s.GraphQL(ep, registerQ, map[string]any{"e": "reg@example.com", "p": "a-long-password-1"}), "users_register")
		tok = mailToken(t, s, sink, 1, "Verify your email address")
		if r := s.Post("/auth/login", map[string]any{"email": "reg@example.com", "password": "a-long-password-1"}); r.StatusCode != 401 {
			t.Fatalf("login before verification: %d %s", r.StatusCode, r.Body)
		}
		const verifyQ = `mutation($t: String!) { users_register_verify(token: $t) }`
		if r := s.GraphQL(ep, verifyQ, map[string]any{"t": "garbage"}); r.Code() != "INVALID_TOKEN" {
			t.Fatalf("users_register_verify garbage: %s", r.Body)
		}
		wantTrue(t, s.GraphQL(ep, verifyQ, map[string]any{"t": tok}), "users_register_verify")
		access, _ := s.Login("reg@example.com", "a-long-password-1").Data()["access_token"].(string)
		if me := s.GraphQL(ep, `{ users_me { email first_name status } }`, nil, bearer(access)...).Field("users_me"); me["email"] != "reg@example.com" || me["first_name"] != "Reg" || me["status"] != "active" {
			t.Fatalf("users_me after verify: %v", me)
		}

		for _, q := range []string{
			`mutation { a: users_register(email: "a@example.com", password: "a-long-password-1") b: users_register(email: "b@example.com", password: "a-long-password-1") }`,
			`mutation { a: users_invite_accept(token: "x", password: "a-long-password-1") b: users_invite_accept(token: "y", password: "a-long-password-1") }`,
		} {
			if r := s.GraphQL(ep, q, nil); r.StatusCode != 400 || r.Code() != "GRAPHQL_VALIDATION" || !strings.Contains(string(r.Body), "can only be used once per request") {
				t.Fatalf("aliased: %d %s", r.StatusCode, r.Body)
			}
		}
	})
}

func TestTFAAndUpdateMe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		const email, pw = "tfa@example.com", "a-long-password-1"
		s.CreateUser(email, pw)

		// Anonymous: null, no error (Directus).
		r := s.GraphQL(ep, `mutation { users_me_tfa_generate(password: "x") { secret otpauth_url } }`, nil)
		if r.StatusCode != 200 || string(r.Body) != `{"data":{"users_me_tfa_generate":null}}` {
			t.Fatalf("anonymous users_me_tfa_generate: %d %s", r.StatusCode, r.Body)
		}

		d := s.Login(email, pw).Data()
		access, _ := d["access_token"].(string)
		rt, _ := d["refresh_token"].(string)
		auth := bearer(access)

		r = s.GraphQL(ep, `mutation($p: String!) { users_me_tfa_generate(password: $p) { secret otpauth_url } }`, map[string]any{"p": pw}, auth...)
		g := r.Field("users_me_tfa_generate")
		secret, _ := g["secret"].(string)
		if otpURL, _ := g["otpauth_url"].(string); len(secret) < 32 || !strings.HasPrefix(otpURL, "otpauth://totp/") {
			t.Fatalf("users_me_tfa_generate: %s", r.Body)
		}
		wantTrue(t, s.GraphQL(ep, `mutation($o: String!, $s: String!) { users_me_tfa_enable(otp: $o, secret: $s) }`,
			map[string]any{"o": codeAt(t, secret, s.Clock.Now()), "s": secret}, auth...), "users_me_tfa_enable")
		if me := s.GraphQL(ep, `{ users_me { tfa_secret } }`, nil, auth...).Field("users_me"); me["tfa_secret"] != "**********" {
			t.Fatalf("users_me after enable: %v", me)
		}
		if r := s.Post("/auth/login", map[string]any{"email": email, "password": pw}); r.Code() != "INVALID_OTP" {
			t.Fatalf("login without otp: %s", r.Body)
		}
		s.Clock.Advance(30 * time.Second)
		wantTrue(t, s.GraphQL(ep, `mutation($o: String!) { users_me_tfa_disable(otp: $o) }`, map[string]any{"o": codeAt(t, secret, s.Clock.Now())}, auth...), "users_me_tfa_disable")
		if me := s.GraphQL(ep, `{ users_me { tfa_secret } }`, nil, auth...); !strings.Contains(string(me.Body), `"tfa_secret":null`) {
			t.Fatalf("users_me after disable: %s", me.Body)
		}
		s.Login(email, pw)

		// update_users_me
		r = s.GraphQL(ep, `mutation { update_users_me(data: {first_name: "X"}) { id first_name email } }`, nil, auth...)
		if u := r.Field("update_users_me"); u["first_name"] != "X" || u["email"] != email {
			t.Fatalf("update_users_me: %s", r.Body)
		}
		r = s.GraphQL(ep, `mutation { update_users_me(data: {tfa_secret: "ABC"}) { id } }`, nil, auth...)
		if code, msg := r.FirstError(); r.StatusCode != 200 || code != "INVALID_PAYLOAD" || msg != `Invalid payload. You can't change the "tfa_secret" value manually.` {
			t.Fatalf("update_users_me tfa_secret: %d %s", r.StatusCode, r.Body)
		}
		if me := s.GraphQL(ep, `{ users_me { tfa_secret first_name } }`, nil, auth...); !strings.Contains(string(me.Body), `"tfa_secret":null`) {
			t.Fatalf("users_me after refused tfa_secret: %s", me.Body)
		}

		// auth_logout scope all ends every session of the user.
		other, _ := s.Login(email, pw).Data()["refresh_token"].(string)
		wantTrue(t, s.GraphQL(ep, `mutation($t: String) { auth_logout(refresh_token: $t, scope: "all") }`, map[string]any{"t": rt}), "auth_logout")
		for _, tok := range []string{rt, other} {
			if r := s.Post("/auth/refresh", map[string]any{"refresh_token": tok}); r.StatusCode != 401 {
				t.Fatalf("refresh after auth_logout scope all: %d %s", r.StatusCode, r.Body)
			}
		}
		if r := s.GraphQL(ep, `mutation { auth_logout(refresh_token: "x", scope: "bogus") }`, nil); r.Code() != "INVALID_PAYLOAD" {
			t.Fatalf("bad scope: %s", r.Body)
		}
	})
}
