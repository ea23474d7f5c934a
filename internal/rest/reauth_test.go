package rest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
)

const (
	raEmail = "ra@example.com"
	raPW    = "a-long-password-1"
)

// jsonSession is a json-mode login whose access token can be renewed by a
// refresh, which never renews the login itself.
type jsonSession struct {
	t       *testing.T
	s       *apptest.Server
	access  string
	refresh string
}

func loginJSON(t *testing.T, s *apptest.Server, email, pw string, extra ...string) *jsonSession {
	t.Helper()
	d := s.Login(email, pw, extra...).Data()
	return &jsonSession{t: t, s: s, access: d["access_token"].(string), refresh: d["refresh_token"].(string)}
}

func (j *jsonSession) auth() []string { return bearer(j.access) }

// age advances the clock by d and refreshes, so the access token is fresh
// while the login is d older.
func (j *jsonSession) age(d time.Duration) {
	j.t.Helper()
	j.s.Clock.Advance(d)
	r := refreshJSON(j.s, j.refresh)
	wantStatus(j.t, r, 200, "refresh")
	j.access, j.refresh = r.Data()["access_token"].(string), r.Data()["refresh_token"].(string)
}

func patchMe(s *apptest.Server, body map[string]any, auth []string) *apptest.Response {
	return s.Do("PATCH", "/users/me", body, auth...)
}

func TestReauthPasswordChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser(raEmail, raPW)
		j := loginJSON(t, s, raEmail, raPW)
		j.age(10 * time.Minute)
		// Ten minutes after login (and after a refresh): no proof needed.
		wantStatus(t, patchMe(s, map[string]any{"password": "second-long-password-2"}, j.auth()), 200, "recent login")

		j.age(6 * time.Minute) // 16 minutes since login: refreshing did not renew it
		wantError(t, patchMe(s, map[string]any{"password": "third-long-password-3"}, j.auth()), 400, "INVALID_PAYLOAD",
			`Invalid payload. "current_password" is required.`)
		wantError(t, patchMe(s, map[string]any{"password": "third-long-password-3", "current_password": raPW}, j.auth()), 401, "INVALID_CREDENTIALS", "")
		if u := user(t, s, raEmail); u.FailedLogins != 1 {
			t.Fatalf("failed_logins %d after a wrong current_password, want 1", u.FailedLogins)
		}
		wantError(t, patchMe(s, map[string]any{"password": "third-long-password-3", "current_password": 7}, j.auth()), 400, "INVALID_PAYLOAD", "")
		// Names alone are not privileged.
		wantStatus(t, patchMe(s, map[string]any{"first_name": "Ra"}, j.auth()), 200, "names")
		wantStatus(t, patchMe(s, map[string]any{"password": "third-long-password-3", "current_password": "second-long-password-2"}, j.auth()), 200, "with current_password")
		s.Login(raEmail, "third-long-password-3")

		// A static token has no login to be recent.
		wantError(t, patchMe(s, map[string]any{"password": "a-new-admin-password"}, asAdmin), 400, "INVALID_PAYLOAD", "")
		// Nor does an admin changing their own account through /users/:id.
		adminID := user(t, s, admin).ID
		wantError(t, s.Do("PATCH", "/users/"+adminID, map[string]any{"password": "a-new-admin-password"}, asAdmin...), 400, "INVALID_PAYLOAD",
			`Invalid payload. "current_password" is required.`)
		wantError(t, s.Post("/users/"+adminID+"/tfa/disable", nil, asAdmin...), 400, "INVALID_PAYLOAD", "")
		// Changing another user stays as it was.
		wantStatus(t, s.Do("PATCH", "/users/"+user(t, s, raEmail).ID, map[string]any{"password": "fourth-long-password-4"}, asAdmin...), 200, "admin on another user")
		wantStatus(t, s.Do("PATCH", "/users/"+adminID, map[string]any{"password": "a-new-admin-password", "current_password": adminPW}, asAdmin...), 200, "admin with proof")
	})
}

// With 2FA on, the proof is the password and a code.
func TestReauthWithTFANeedsOTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser(raEmail, raPW)
		j := loginJSON(t, s, raEmail, raPW)
		secret := enableTFA(t, s, j.auth(), raPW)
		j.age(16 * time.Minute)
		body := map[string]any{"password": "second-long-password-2", "current_password": raPW}
		wantError(t, patchMe(s, body, j.auth()), 401, "INVALID_OTP", "")
		body["otp"] = badCode(t, secret, s.Clock.Now())
		wantError(t, patchMe(s, body, j.auth()), 401, "INVALID_OTP", "")
		body["otp"] = codeAt(t, secret, s.Clock.Now())
		wantStatus(t, patchMe(s, body, j.auth()), 200, "password, current_password and otp")
	})
}

func TestReauthTFADisableAndRecoveryCodes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser(raEmail, raPW)
		j := loginJSON(t, s, raEmail, raPW)
		secret := enableTFA(t, s, j.auth(), raPW)
		j.age(16 * time.Minute)
		code := func() string {
			s.Clock.Advance(30 * time.Second) // a fresh step: each code is spent once
			return codeAt(t, secret, s.Clock.Now())
		}

		wantError(t, s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": code()}, j.auth()...), 400, "INVALID_PAYLOAD",
			`Invalid payload. "current_password" is required.`)
		wantError(t, s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": code(), "current_password": "wrong-password-1"}, j.auth()...), 401, "INVALID_CREDENTIALS", "")
		r := s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": code(), "current_password": raPW}, j.auth()...)
		wantStatus(t, r, 200, "recovery codes with current_password")

		wantError(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": code()}, j.auth()...), 400, "INVALID_PAYLOAD",
			`Invalid payload. "current_password" is required.`)
		wantError(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": code(), "current_password": "wrong-password-1"}, j.auth()...), 401, "INVALID_CREDENTIALS", "")
		if got := user(t, s, raEmail); got.TFASecret == nil {
			t.Fatal("2FA went off without the password")
		}
		wantNoContent(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": code(), "current_password": raPW}, j.auth()...), "disable with current_password")
		if got := user(t, s, raEmail); got.TFASecret != nil {
			t.Fatal("2FA still on")
		}

		// A fresh login needs no password for either.
		f := loginJSON(t, s, raEmail, raPW)
		secret = enableTFA(t, s, f.auth(), raPW)
		wantStatus(t, s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": code()}, f.auth()...), 200, "recovery codes, fresh login")
		wantNoContent(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": code()}, f.auth()...), "disable, fresh login")
	})
}

// Enable accepts only the secret generate proposed (and stored, sealed).
func TestTFAEnableOnlyGeneratedSecret(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser(raEmail, raPW)
		j := loginJSON(t, s, raEmail, raPW)
		enable := func(secret string) *apptest.Response {
			return s.Post("/users/me/tfa/enable", map[string]any{"secret": secret, "otp": codeAt(t, secret, s.Clock.Now())}, j.auth()...)
		}
		attacker, err := totp.Generate(totp.GenerateOpts{Issuer: "x", AccountName: "x"})
		if err != nil {
			t.Fatal(err)
		}
		const refused = `Invalid payload. "secret" must be the one /users/me/tfa/generate proposed in the last 15 minutes.`
		wantError(t, enable(attacker.Secret()), 400, "INVALID_PAYLOAD", refused) // nothing generated
		r := s.Post("/users/me/tfa/generate", map[string]any{"password": raPW}, j.auth()...)
		wantStatus(t, r, 200, "generate")
		proposed := r.Data()["secret"].(string)
		if u := user(t, s, raEmail); u.TFAPending == nil || strings.Contains(*u.TFAPending, proposed) {
			t.Fatalf("proposal at rest: %v", u.TFAPending)
		}
		wantError(t, enable(attacker.Secret()), 400, "INVALID_PAYLOAD", refused)
		if u := user(t, s, raEmail); u.TFASecret != nil {
			t.Fatal("an attacker's secret was enrolled")
		}
		// A proposal lives 15 minutes.
		j.age(16 * time.Minute)
		wantError(t, enable(proposed), 400, "INVALID_PAYLOAD", refused)
		r = s.Post("/users/me/tfa/generate", map[string]any{"password": raPW}, j.auth()...)
		proposed = r.Data()["secret"].(string)
		wantNoContent(t, enable(strings.ToLower(proposed)), "enable the proposed secret")
		if u := user(t, s, raEmail); u.TFASecret == nil || u.TFAPending != nil {
			t.Fatalf("after enable: secret %v, proposal %v", u.TFASecret, u.TFAPending)
		}
	})
}

func TestEmailChangeNeedsConfirmation(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		u := s.CreateUser(raEmail, raPW)
		j := loginJSON(t, s, raEmail, raPW)
		other := sessionCookie(t, s, raEmail, raPW)

		r := patchMe(s, map[string]any{"email": "New.Address@example.com", "first_name": "Ra"}, j.auth())
		if r.StatusCode != 200 || r.Data()["email"] != raEmail || r.Data()["first_name"] != "Ra" {
			t.Fatalf("PATCH email: %d %s", r.StatusCode, r.Body)
		}
		if got := user(t, s, raEmail); got.ID != u.ID {
			t.Fatal("the email changed before its confirmation")
		}
		deliver(t, s)
		msgs := sink.Messages()
		if len(msgs) != 1 || !slices.Equal(msgs[0].Rcpt, []string{"New.Address@example.com"}) || msgs[0].Subject != "Confirm your new email address" {
			t.Fatalf("confirmation mail: %v", rcpts(msgs))
		}
		link := mailtest.Link(t, msgs[0])
		if !strings.HasPrefix(link, "http://gatehouse.test/admin/confirm-email?token=") {
			t.Fatalf("link %q", link)
		}
		// The page's GET only shows a button.
		page := s.Do("GET", pathOf(t, link), nil)
		if page.StatusCode != 200 || !strings.Contains(string(page.Body), "Confirm this address") {
			t.Fatalf("page: %d %s", page.StatusCode, page.Body)
		}
		s.Login(raEmail, raPW)
		wantError(t, s.Post("/users/email/confirm", map[string]any{"token": "garbage"}), 403, "INVALID_TOKEN", "")
		wantNoContent(t, s.Post("/users/email/confirm", map[string]any{"token": tokenOf(t, link)}), "confirm")
		wantError(t, s.Post("/users/email/confirm", map[string]any{"token": tokenOf(t, link)}), 403, "FORBIDDEN", "")

		if got := user(t, s, "new.address@example.com"); got.ID != u.ID || *got.Email != "New.Address@example.com" {
			t.Fatalf("after confirmation: %+v", got)
		}
		wantError(t, s.Post("/auth/login", map[string]any{"email": raEmail, "password": raPW}), 401, "INVALID_CREDENTIALS", "")
		s.Login("new.address@example.com", raPW)
		// The session that asked keeps going; the others end.
		j.age(0) // the requesting session goes on
		wantError(t, me(s, "Cookie", other), 401, "INVALID_CREDENTIALS", "")
		// The old address is told.
		deliver(t, s)
		msgs = sink.Messages()
		if len(msgs) != 2 || !slices.Equal(msgs[1].Rcpt, []string{raEmail}) || msgs[1].Subject != "Your email address was changed" ||
			!strings.Contains(msgs[1].Text, "New.Address@example.com") || strings.Contains(msgs[1].Text, "token=") {
			t.Fatalf("notice: %v %q", rcpts(msgs), msgs[len(msgs)-1].Text)
		}
		if !contains(actions(t, s, u.ID), "email_change_requested") || !contains(actions(t, s, u.ID), "email_changed") {
			t.Fatalf("audit: %v", actions(t, s, u.ID))
		}

		// An address that has an account gets no mail, and the answer is the same.
		r = patchMe(s, map[string]any{"email": admin}, j.auth())
		wantStatus(t, r, 200, "PATCH to a taken address")
		deliver(t, s)
		if n := len(sink.Messages()); n != 2 {
			t.Fatalf("%d mails after asking for a taken address, want 2", n)
		}
		// Case alone is the same mailbox: it changes at once.
		r = patchMe(s, map[string]any{"email": "new.address@EXAMPLE.com"}, j.auth())
		if r.StatusCode != 200 || r.Data()["email"] != "new.address@EXAMPLE.com" {
			t.Fatalf("PATCH case: %d %s", r.StatusCode, r.Body)
		}

		// The page's POST confirms too; a stale session needs the password first.
		j.age(16 * time.Minute)
		wantError(t, patchMe(s, map[string]any{"email": "third@example.com"}, j.auth()), 400, "INVALID_PAYLOAD", "")
		wantStatus(t, patchMe(s, map[string]any{"email": "third@example.com", "current_password": raPW}, j.auth()), 200, "stale session with proof")
		deliver(t, s)
		msgs = sink.Messages()
		link = mailtest.Link(t, msgs[len(msgs)-1])
		page = s.Do("POST", "/admin/confirm-email", "token="+tokenOf(t, link), "Content-Type", "application/x-www-form-urlencoded")
		if page.StatusCode != 200 || !strings.Contains(string(page.Body), "Your email address is changed") {
			t.Fatalf("page POST: %d %s", page.StatusCode, page.Body)
		}
		if got := user(t, s, "third@example.com"); got.ID != u.ID {
			t.Fatal("the page did not confirm")
		}
	})
}

// AUTH_REAUTHENTICATION=false is Directus: no proof, the email changes at
// once, and enable takes the client's secret.
func TestReauthSwitchOff(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		s.CreateUser(raEmail, raPW)
		j := loginJSON(t, s, raEmail, raPW)
		j.age(16 * time.Minute)
		wantStatus(t, patchMe(s, map[string]any{"password": "second-long-password-2"}, j.auth()), 200, "password, stale session")
		r := patchMe(s, map[string]any{"email": "moved@example.com"}, j.auth())
		if r.StatusCode != 200 || r.Data()["email"] != "moved@example.com" {
			t.Fatalf("PATCH email: %d %s", r.StatusCode, r.Body)
		}
		own, _ := totp.Generate(totp.GenerateOpts{Issuer: "x", AccountName: "x"})
		wantNoContent(t, s.Post("/users/me/tfa/enable", map[string]any{"secret": own.Secret(), "otp": codeAt(t, own.Secret(), s.Clock.Now())}, j.auth()...), "client secret")
		s.Clock.Advance(30 * time.Second)
		wantNoContent(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": codeAt(t, own.Secret(), s.Clock.Now())}, j.auth()...), "disable, stale session")
	}, "AUTH_REAUTHENTICATION=false")
}
