package graph_test

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

// jsonLogin logs in over REST in json mode and returns the access and refresh tokens.
func jsonLogin(t *testing.T, s *apptest.Server, email, pw string, extra ...string) (access, refresh string) {
	t.Helper()
	d := s.Login(email, pw, extra...).Data()
	access, _ = d["access_token"].(string)
	refresh, _ = d["refresh_token"].(string)
	if access == "" || refresh == "" {
		t.Fatalf("login %s: %v", email, d)
	}
	return access, refresh
}

// wantTrue fails unless data.<field> is true.
func wantTrue(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	if r.StatusCode != 200 || r.Data()[field] != true {
		t.Fatalf("%s: %d %s", field, r.StatusCode, r.Body)
	}
}

// wantCode fails unless errors[0].extensions.code is code (with HTTP 200) and data.<field> is null.
func wantCode(t *testing.T, r *apptest.Response, field, code string) {
	t.Helper()
	got, _ := r.FirstError()
	d := r.Data()
	if v, ok := d[field]; r.StatusCode != 200 || got != code || !ok || v != nil {
		t.Fatalf("%s: want %s, got %d %s", field, code, r.StatusCode, r.Body)
	}
}

func wantValidation(t *testing.T, r *apptest.Response, inner string) {
	t.Helper()
	if code, _ := r.FirstError(); r.StatusCode != 400 || code != "GRAPHQL_VALIDATION" || !strings.Contains(string(r.Body), inner) {
		t.Fatalf("want 400 GRAPHQL_VALIDATION %q: %d %s", inner, r.StatusCode, r.Body)
	}
}

func list(r *apptest.Response, field string) []map[string]any {
	raw, _ := r.Data()[field].([]any)
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i], _ = v.(map[string]any)
	}
	return out
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func deliverMail(t *testing.T, s *apptest.Server) {
	t.Helper()
	if _, err := s.App.Outbox.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// linkToken returns the token= parameter of the only new mail since before.
func linkToken(t *testing.T, s *apptest.Server, sink *mailtest.Server, before int, subject string) string {
	t.Helper()
	deliverMail(t, s)
	msgs := sink.Messages()[before:]
	if len(msgs) != 1 || msgs[0].Subject != subject {
		t.Fatalf("want one %q mail, got %+v", subject, msgs)
	}
	u, err := url.Parse(mailtest.Link(t, msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("link without token: %v", u)
	}
	return tok
}

const (
	createUserQ = `mutation($in: UserInput!) { createUser(input: $in) { id email firstName status role provider tfaEnabled } }`
	updateUserQ = `mutation($id: ID!, $in: UserInput!) { updateUser(id: $id, input: $in) { id status firstName } }`
	updateMeQ   = `mutation($in: UserInput!) { updateMe(input: $in) { id firstName lastName email } }`
	usersQ      = `query($limit: Int, $email: String, $status: String) { users(limit: $limit, email: $email, status: $status) { id email status } }`
)

func TestAdminUsersAndRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		// roles: the bootstrap admin's role at least.
		roles := list(s.GraphQL("/graphql", `{ roles { id name adminAccess appAccess } }`, nil, asAdmin...), "roles")
		if len(roles) == 0 || roles[0]["id"] == nil {
			t.Fatalf("roles: %v", roles)
		}
		r := s.GraphQL("/graphql", `mutation { createRole(name: "Editors", appAccess: true) { id name adminAccess appAccess } }`, nil, asAdmin...)
		role := r.Field("createRole")
		if role["name"] != "Editors" || role["adminAccess"] != false || role["appAccess"] != true || role["id"] == nil {
			t.Fatalf("createRole: %s", r.Body)
		}
		roleID := role["id"].(string)
		found := false
		for _, x := range list(s.GraphQL("/graphql", `{ roles { id name } }`, nil, asAdmin...), "roles") {
			found = found || (x["id"] == roleID && x["name"] == "Editors")
		}
		if !found {
			t.Fatal("roles lacks the new role")
		}

		// createUser
		in := map[string]any{"email": "u1@example.com", "password": "a-long-password-1", "firstName": "Uno", "role": roleID}
		r = s.GraphQL("/graphql", createUserQ, map[string]any{"in": in}, asAdmin...)
		u := r.Field("createUser")
		if u["email"] != "u1@example.com" || u["firstName"] != "Uno" || u["status"] != "active" || u["role"] != roleID ||
			u["provider"] != "default" || u["tfaEnabled"] != false || u["id"] == nil {
			t.Fatalf("createUser: %s", r.Body)
		}
		uid := u["id"].(string)
		wantCode(t, s.GraphQL("/graphql", createUserQ, map[string]any{"in": map[string]any{"email": "u1@example.com", "password": "a-long-password-2"}}, asAdmin...),
			"createUser", "RECORD_NOT_UNIQUE")
		r = s.GraphQL("/graphql", createUserQ, map[string]any{"in": map[string]any{"email": "u2@example.com", "password": "a-long-password-2", "status": "draft"}}, asAdmin...)
		u2 := r.Field("createUser")
		if u2["status"] != "draft" || u2["role"] != nil {
			t.Fatalf("createUser draft: %s", r.Body)
		}

		// users, user
		if got := list(s.GraphQL("/graphql", usersQ, map[string]any{"email": "U1@example.com"}, asAdmin...), "users"); len(got) != 1 || got[0]["id"] != uid {
			t.Fatalf("users by email: %v", got)
		}
		if got := list(s.GraphQL("/graphql", usersQ, map[string]any{"status": "draft"}, asAdmin...), "users"); len(got) != 1 || got[0]["email"] != "u2@example.com" {
			t.Fatalf("users by status: %v", got)
		}
		if got := list(s.GraphQL("/graphql", usersQ, map[string]any{"limit": 1}, asAdmin...), "users"); len(got) != 1 {
			t.Fatalf("users limit 1: %v", got)
		}
		if got := list(s.GraphQL("/graphql", usersQ, nil, asAdmin...), "users"); len(got) != 3 {
			t.Fatalf("users: %v", got)
		}
		if got := list(s.GraphQL("/graphql", usersQ, map[string]any{"email": "nobody@example.com"}, asAdmin...), "users"); len(got) != 0 {
			t.Fatalf("users unknown email: %v", got)
		}
		if got := s.GraphQL("/graphql", `query($id: ID!) { user(id: $id) { id email firstName role } }`, map[string]any{"id": uid}, asAdmin...).Field("user"); got["email"] != "u1@example.com" || got["role"] != roleID {
			t.Fatalf("user: %v", got)
		}

		// A plain user is refused; so is an anonymous caller.
		access, refresh := jsonLogin(t, s, "u1@example.com", "a-long-password-1")
		wantCode(t, s.GraphQL("/graphql", usersQ, nil, bearer(access)...), "users", "FORBIDDEN")
		wantCode(t, s.GraphQL("/graphql", createUserQ, map[string]any{"in": map[string]any{"email": "u3@example.com", "password": "a-long-password-3"}}), "createUser", "FORBIDDEN")
		wantCode(t, s.GraphQL("/graphql", createUserQ, map[string]any{"in": map[string]any{"email": "u3@example.com", "password": "a-long-password-3"}}, bearer(access)...), "createUser", "FORBIDDEN")

		// updateMe: set, then null clears.
		r = s.GraphQL("/graphql", updateMeQ, map[string]any{"in": map[string]any{"firstName": "Changed"}}, bearer(access)...)
		if me := r.Field("updateMe"); me["firstName"] != "Changed" || me["id"] != uid {
			t.Fatalf("updateMe: %s", r.Body)
		}
		r = s.GraphQL("/graphql", updateMeQ, map[string]any{"in": map[string]any{"firstName": nil}}, bearer(access)...)
		if me := r.Field("updateMe"); me["id"] != uid || me["firstName"] != nil || !strings.Contains(string(r.Body), `"firstName":null`) {
			t.Fatalf("updateMe null: %s", r.Body)
		}
		if me := s.GraphQL("/graphql", `{ me { firstName email } }`, nil, bearer(access)...).Field("me"); me["firstName"] != nil || me["email"] != "u1@example.com" {
			t.Fatalf("me after clearing: %v", me)
		}

		// updateUser: suspending ends the user's sessions.
		r = s.GraphQL("/graphql", updateUserQ, map[string]any{"id": uid, "in": map[string]any{"status": "suspended", "firstName": "Sus"}}, asAdmin...)
		if got := r.Field("updateUser"); got["status"] != "suspended" || got["firstName"] != "Sus" {
			t.Fatalf("updateUser: %s", r.Body)
		}
		if rr := s.Post("/auth/refresh", map[string]any{"refresh_token": refresh}); rr.StatusCode != 401 {
			t.Fatalf("refresh after suspension: %d %s", rr.StatusCode, rr.Body)
		}
		if rr := s.Post("/auth/login", map[string]any{"email": "u1@example.com", "password": "a-long-password-1"}); rr.StatusCode == 200 {
			t.Fatalf("login while suspended: %s", rr.Body)
		}

		// deleteUser
		wantTrue(t, s.GraphQL("/graphql", `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": uid}, asAdmin...), "deleteUser")
		if got := list(s.GraphQL("/graphql", usersQ, map[string]any{"email": "u1@example.com"}, asAdmin...), "users"); len(got) != 0 {
			t.Fatalf("users after delete: %v", got)
		}
		if r := s.GraphQL("/graphql", `query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": uid}, asAdmin...); r.Field("user") != nil {
			t.Fatalf("user after delete: %s", r.Body)
		}
	})
}

func TestInviteAcceptGraphQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		sink := mailtest.NewServer(t)
		s := apptest.New(t, client, sink.Env()...)
		roleID, _ := s.GraphQL("/graphql", `mutation { createRole(name: "Invitees") { id } }`, nil, asAdmin...).Field("createRole")["id"].(string)
		if roleID == "" {
			t.Fatal("createRole failed")
		}
		const inviteQ = `mutation($e: [String!]!, $r: ID!) { inviteUsers(emails: $e, role: $r) }`
		wantCode(t, s.GraphQL("/graphql", inviteQ, map[string]any{"e": []string{"inv@example.com"}, "r": roleID}), "inviteUsers", "FORBIDDEN")
		wantTrue(t, s.GraphQL("/graphql", inviteQ, map[string]any{"e": []string{"inv@example.com"}, "r": roleID}, asAdmin...), "inviteUsers")
		tok := linkToken(t, s, sink, 0, "You've been invited")
		if u := list(s.GraphQL("/graphql", usersQ, map[string]any{"email": "inv@example.com"}, asAdmin...), "users"); len(u) != 1 || u[0]["status"] != "invited" {
			t.Fatalf("invited user: %v", u)
		}

		const acceptQ = `mutation($t: String!, $p: String!) { acceptInvite(token: $t, password: $p) }`
		wantTrue(t, s.GraphQL("/graphql", acceptQ, map[string]any{"t": tok, "p": "a-long-password-1"}), "acceptInvite")
		s.Login("inv@example.com", "a-long-password-1")
		r := s.GraphQL("/graphql", acceptQ, map[string]any{"t": tok, "p": "a-long-password-2"})
		wantCode(t, r, "acceptInvite", "INVALID_INVITE")
		if _, msg := r.FirstError(); msg != "This invite is no longer valid." {
			t.Fatalf("second accept: %s", r.Body)
		}
		s.Login("inv@example.com", "a-long-password-1")

		wantValidation(t, s.GraphQL("/graphql", `mutation { a: acceptInvite(token: "x", password: "a-long-password-1") b: acceptInvite(token: "y", password: "a-long-password-1") }`, nil),
			`\"acceptInvite\" can only be used once per request`)
	})
}

func TestRegisterVerifyGraphQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		sink := mailtest.NewServer(t)
		s := apptest.New(t, client, append(sink.Env(), "PUBLIC_REGISTRATION=true", "REGISTER_STALL_TIME=1ms", "RATE_LIMITER_REGISTRATION_ENABLED=false")...)
		const registerQ = `mutation($e: String!, $p: String!, $f: String) { register(email: $e, password: $p, firstName: $f) }`
		wantTrue(t, s.GraphQL("/graphql", registerQ, map[string]any{"e": "reg@example.com", "p": "a-long-password-1", "f": "Reg"}), "register")
		tok := linkToken(t, s, sink, 0, "Verify your email address")
		if r := s.Post("/auth/login", map[string]any{"email": "reg@example.com", "password": "a-long-password-1"}); r.StatusCode != 401 {
			t.Fatalf("login before verification: %d %s", r.StatusCode, r.Body)
		}
		const verifyQ = `mutation($t: String!) { verifyEmail(token: $t) }`
		wantCode(t, s.GraphQL("/graphql", verifyQ, map[string]any{"t": "garbage"}), "verifyEmail", "INVALID_TOKEN")
		wantTrue(t, s.GraphQL("/graphql", verifyQ, map[string]any{"t": tok}), "verifyEmail")
		access, _ := jsonLogin(t, s, "reg@example.com", "a-long-password-1")
		if me := s.GraphQL("/graphql", `{ me { email firstName status } }`, nil, bearer(access)...).Field("me"); me["email"] != "reg@example.com" || me["firstName"] != "Reg" || me["status"] != "active" {
			t.Fatalf("me after verify: %v", me)
		}
		// Registering an existing email answers the same.
		wantTrue(t, s.GraphQL("/graphql", registerQ, map[string]any{"e": "reg@example.com", "p": "another-long-password"}), "register")
		s.Login("reg@example.com", "a-long-password-1")

		wantValidation(t, s.GraphQL("/graphql", `mutation { a: register(email: "a@example.com", password: "a-long-password-1") b: register(email: "b@example.com", password: "a-long-password-1") }`, nil),
			`\"register\" can only be used once per request`)
	})
}

func TestRegisterDisabledGraphQL(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	wantCode(t, s.GraphQL("/graphql", `mutation { register(email: "x@example.com", password: "a-long-password-1") }`, nil), "register", "FORBIDDEN")
}

func TestTFAGraphQL(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		const email, pw = "tfa@example.com", "a-long-password-1"
		s.CreateUser(email, pw)
		access, _ := jsonLogin(t, s, email, pw)
		auth := bearer(access)

		const genQ = `mutation($p: String!) { generateTfa(password: $p) { secret otpauthUrl } }`
		wantCode(t, s.GraphQL("/graphql", genQ, map[string]any{"p": "wrong-password-1"}, auth...), "generateTfa", "INVALID_CREDENTIALS")
		r := s.GraphQL("/graphql", genQ, map[string]any{"p": pw}, auth...)
		setup := r.Field("generateTfa")
		secret, _ := setup["secret"].(string)
		otpURL, _ := setup["otpauthUrl"].(string)
		if len(secret) < 32 || !strings.HasPrefix(otpURL, "otpauth://totp/") || !strings.Contains(otpURL, "secret="+secret) {
			t.Fatalf("generateTfa: %s", r.Body)
		}
		const enableQ = `mutation($s: String!, $o: String!) { enableTfa(secret: $s, otp: $o) }`
		wantTrue(t, s.GraphQL("/graphql", enableQ, map[string]any{"s": secret, "o": totpAt(t, secret, s.Clock.Now())}, auth...), "enableTfa")
		if me := s.GraphQL("/graphql", `{ me { tfaEnabled } }`, nil, auth...).Field("me"); me["tfaEnabled"] != true {
			t.Fatalf("me after enable: %v", me)
		}
		if r := s.Post("/auth/login", map[string]any{"email": email, "password": pw}); r.StatusCode != 401 || r.Code() != "INVALID_OTP" {
			t.Fatalf("login without otp: %d %s", r.StatusCode, r.Body)
		}

		s.Clock.Advance(30 * time.Second)
		const codesQ = `mutation($o: String!) { generateRecoveryCodes(otp: $o) }`
		r = s.GraphQL("/graphql", codesQ, map[string]any{"o": totpAt(t, secret, s.Clock.Now())}, auth...)
		raw, _ := r.Data()["generateRecoveryCodes"].([]any)
		if len(raw) != 10 {
			t.Fatalf("generateRecoveryCodes: %s", r.Body)
		}
		codes := make([]string, len(raw))
		for i, c := range raw {
			codes[i], _ = c.(string)
		}
		const remainingQ = `{ recoveryCodesRemaining }`
		if n := s.GraphQL("/graphql", remainingQ, nil, auth...).Data()["recoveryCodesRemaining"]; n != float64(10) {
			t.Fatalf("recoveryCodesRemaining %v, want 10", n)
		}
		if r := s.Post("/auth/login", map[string]any{"email": email, "password": pw, "otp": codes[0]}); r.StatusCode != 200 {
			t.Fatalf("login with a recovery code: %d %s", r.StatusCode, r.Body)
		}
		if n := s.GraphQL("/graphql", remainingQ, nil, auth...).Data()["recoveryCodesRemaining"]; n != float64(9) {
			t.Fatalf("recoveryCodesRemaining %v, want 9", n)
		}
		// Anonymous: INVALID_CREDENTIALS, as REST's 401 (issue 19; it was a
		// bare null). Same rule, same answer.
		wantCode(t, s.GraphQL("/graphql", remainingQ, nil), "recoveryCodesRemaining", "INVALID_CREDENTIALS")
		if r := s.Do("GET", "/users/me/tfa/recovery-codes", nil); r.StatusCode != 401 || r.Code() != "INVALID_CREDENTIALS" {
			t.Fatalf("anonymous REST recovery-codes: %d %s", r.StatusCode, r.Body)
		}

		wantValidation(t, s.GraphQL("/graphql", `mutation { a: disableTfa(otp: "123456") b: disableTfa(otp: "654321") }`, nil, auth...),
			`\"disableTfa\" can only be used once per request`)
		s.Clock.Advance(30 * time.Second)
		wantTrue(t, s.GraphQL("/graphql", `mutation($o: String!) { disableTfa(otp: $o) }`, map[string]any{"o": totpAt(t, secret, s.Clock.Now())}, auth...), "disableTfa")
		if me := s.GraphQL("/graphql", `{ me { tfaEnabled } }`, nil, auth...).Field("me"); me["tfaEnabled"] != false {
			t.Fatalf("me after disable: %v", me)
		}
		s.Login(email, pw)
	})
}

func TestSessionsAndLogoutScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		const email, pw = "sess@example.com", "a-long-password-1"
		s.CreateUser(email, pw)
		gqlLogin := func() (string, string) {
			t.Helper()
			l := s.GraphQL("/graphql", loginQ, map[string]any{"email": email, "password": pw}, "User-Agent", "graph-test").Field("login")
			a, _ := l["accessToken"].(string)
			rt, _ := l["refreshToken"].(string)
			if a == "" || rt == "" {
				t.Fatalf("login: %v", l)
			}
			return a, rt
		}
		accessA, rtA := gqlLogin()
		_, rtB := jsonLogin(t, s, email, pw)
		// Another user's session is not listed.
		jsonLogin(t, s, apptest.AdminEmail, apptest.AdminPassword)

		const sessionsQ = `{ sessions { id created lastUsed expires ip userAgent current } }`
		sess := list(s.GraphQL("/graphql", sessionsQ, nil, bearer(accessA)...), "sessions")
		current := 0
		for _, x := range sess {
			if x["current"] == true {
				current++
				if x["userAgent"] != "graph-test" {
					t.Errorf("current session's user agent: %v", x)
				}
			}
			if x["id"] == nil || x["created"] == nil || x["expires"] == nil {
				t.Errorf("session: %v", x)
			}
		}
		if len(sess) != 2 || current != 1 {
			t.Fatalf("sessions: %v", sess)
		}
		// A static token has no current session.
		if r := s.GraphQL("/graphql", sessionsQ, nil, asAdmin...); strings.Contains(string(r.Body), `"current":true`) {
			t.Fatalf("sessions by static token: %s", r.Body)
		}

		const logoutQ = `mutation($t: String, $s: LogoutScope) { logout(refreshToken: $t, scope: $s) }`
		wantTrue(t, s.GraphQL("/graphql", logoutQ, map[string]any{"t": rtA, "s": "others"}), "logout")
		if r := s.Post("/auth/refresh", map[string]any{"refresh_token": rtB}); r.StatusCode != 401 {
			t.Fatalf("other session after scope others: %d %s", r.StatusCode, r.Body)
		}
		r := s.Post("/auth/refresh", map[string]any{"refresh_token": rtA})
		rtA2, _ := r.Data()["refresh_token"].(string)
		if r.StatusCode != 200 || rtA2 == "" {
			t.Fatalf("own session after scope others: %d %s", r.StatusCode, r.Body)
		}
		if n := len(list(s.GraphQL("/graphql", sessionsQ, nil, bearer(accessA)...), "sessions")); n != 1 {
			t.Fatalf("%d sessions after scope others, want 1", n)
		}

		_, rtC := jsonLogin(t, s, email, pw)
		wantTrue(t, s.GraphQL("/graphql", logoutQ, map[string]any{"t": rtA2, "s": "all"}), "logout")
		for name, rt := range map[string]string{"presented": rtA2, "other": rtC} {
			if r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt}); r.StatusCode != 401 {
				t.Fatalf("%s session after scope all: %d %s", name, r.StatusCode, r.Body)
			}
		}
		// The admin's session survives.
		if n := len(list(s.GraphQL("/graphql", sessionsQ, nil, asAdmin...), "sessions")); n != 1 {
			t.Fatalf("admin sessions: %d, want 1", n)
		}
	})
}
