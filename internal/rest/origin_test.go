package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/models"
)

// The Origin check on cookie-authenticated requests (CSRF), on every surface:
// each state-changing request that a cookie authenticates is refused with a
// foreign Origin and changes nothing, and works from a trusted one. The
// built-in pages (/admin/reset-password, /admin/accept-invite) read no cookie:
// their token is in the form, so they are not here.

const trustedApp = "https://app.example.com" // CORS_ORIGIN below

var originEnv = []string{"CORS_ENABLED=true", "CORS_ORIGIN=" + trustedApp}

// foreignOrigins are refused: another site, look-alikes of the public origin
// (scheme, port, suffix), and the opaque "null" origin of sandboxed frames.
var foreignOrigins = []string{
	"https://evil.example", "https://gatehouse.test", "http://gatehouse.test:8080",
	"http://gatehouse.test.evil.example", "http://evil.example/http://gatehouse.test", "null",
}

// trustedOrigins are accepted: PUBLIC_URL (any case), a CORS origin, and no
// Origin at all (not a browser, or a same-origin request that sent none).
var trustedOrigins = []string{"http://gatehouse.test", trustedApp, "", "HTTP://Gatehouse.TEST"}

// caller is a user logged in by cookie, with what its case prepared.
type caller struct {
	email  string
	cookie string // the Cookie header value
	secret string // TOTP secret, when prepared
	target *models.User
	role   string
}

type originCase struct {
	name   string
	admin  bool   // the caller is an administrator
	cookie string // "session" (default) or "refresh": which cookie the login sets
	prep   func(t *testing.T, s *apptest.Server, c *caller)
	// REST: method and path, and the status of success.
	method, path string
	want         int
	// GraphQL: endpoint and the mutation's field, non-null on success.
	endpoint, field string
	body            func(t *testing.T, s *apptest.Server, c *caller) any
}

func gqlBody(query string, vars map[string]any) map[string]any {
	return map[string]any{"query": query, "variables": vars}
}

func otpNow(t *testing.T, s *apptest.Server, c *caller) string {
	return codeAt(t, c.secret, s.Clock.Now())
}

// withTFA turns TOTP on for the caller (by cookie, without Origin).
func withTFA(t *testing.T, s *apptest.Server, c *caller) {
	t.Helper()
	c.secret = enableTFA(t, s, []string{"Cookie", c.cookie}, tfaPW)
	s.Clock.Advance(30 * time.Second) // the enabling code's step is spent
}

// withSecret runs generate only: the secret enable needs.
func withSecret(t *testing.T, s *apptest.Server, c *caller) {
	t.Helper()
	r := s.Post("/users/me/tfa/generate", map[string]any{"password": tfaPW}, "Cookie", c.cookie)
	wantStatus(t, r, 200, "generate")
	c.secret, _ = r.Data()["secret"].(string)
}

func withTarget(t *testing.T, s *apptest.Server, c *caller) {
	t.Helper()
	c.target = s.CreateUser("target-"+c.email, tfaPW)
	role, err := s.App.Store.AdminRole(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.role = role.ID
}

func originCases() []originCase {
	body := func(v map[string]any) func(*testing.T, *apptest.Server, *caller) any {
		return func(*testing.T, *apptest.Server, *caller) any { return v }
	}
	gql := func(q string) func(*testing.T, *apptest.Server, *caller) any { return body(gqlBody(q, nil)) }
	otpVars := func(q string) func(*testing.T, *apptest.Server, *caller) any {
		return func(t *testing.T, s *apptest.Server, c *caller) any {
			return gqlBody(q, map[string]any{"otp": otpNow(t, s, c), "secret": c.secret})
		}
	}
	targetVars := func(q string) func(*testing.T, *apptest.Server, *caller) any {
		return func(_ *testing.T, _ *apptest.Server, c *caller) any {
			return gqlBody(q, map[string]any{"id": c.target.ID, "role": c.role, "email": "invitee-" + c.email})
		}
	}
	return []originCase{
		// REST, as the user.
		{name: "PATCH /users/me", method: "PATCH", path: "/users/me", want: 200, body: body(map[string]any{"first_name": "Mallory"})},
		{name: "tfa/generate", method: "POST", path: "/users/me/tfa/generate", want: 200, body: body(map[string]any{"password": tfaPW})},
		{name: "tfa/enable", prep: withSecret, method: "POST", path: "/users/me/tfa/enable", want: 204,
			body: func(t *testing.T, s *apptest.Server, c *caller) any {
				return map[string]any{"secret": c.secret, "otp": otpNow(t, s, c)}
			}},
		{name: "tfa/disable", prep: withTFA, method: "POST", path: "/users/me/tfa/disable", want: 204,
			body: func(t *testing.T, s *apptest.Server, c *caller) any { return map[string]any{"otp": otpNow(t, s, c)} }},
		{name: "tfa/recovery-codes", prep: withTFA, method: "POST", path: "/users/me/tfa/recovery-codes", want: 200,
			body: func(t *testing.T, s *apptest.Server, c *caller) any { return map[string]any{"otp": otpNow(t, s, c)} }},
		{name: "logout session", method: "POST", path: "/auth/logout", want: 204, body: body(map[string]any{"mode": "session"})},
		{name: "logout session scope all", method: "POST", path: "/auth/logout", want: 204, body: body(map[string]any{"mode": "session", "scope": "all"})},
		{name: "logout cookie", cookie: "refresh", method: "POST", path: "/auth/logout", want: 204, body: body(map[string]any{"mode": "cookie"})},
		{name: "logout cookie scope others", cookie: "refresh", method: "POST", path: "/auth/logout", want: 204, body: body(map[string]any{"mode": "cookie", "scope": "others"})},
		{name: "logout default mode", cookie: "refresh", method: "POST", path: "/auth/logout", want: 204, body: body(map[string]any{})},
		{name: "refresh cookie", cookie: "refresh", method: "POST", path: "/auth/refresh", want: 200, body: body(map[string]any{"mode": "cookie"})},
		{name: "refresh default mode", cookie: "refresh", method: "POST", path: "/auth/refresh", want: 200, body: body(map[string]any{})},
		{name: "refresh session", method: "POST", path: "/auth/refresh", want: 200, body: body(map[string]any{"mode": "session"})},
		// REST, as an admin.
		{name: "POST /users", admin: true, method: "POST", path: "/users", want: 200,
			body: func(_ *testing.T, _ *apptest.Server, c *caller) any {
				return map[string]any{"email": "new-" + c.email, "password": tfaPW}
			}},
		{name: "PATCH /users/:id", admin: true, prep: withTarget, method: "PATCH", want: 200},
		{name: "DELETE /users/:id", admin: true, prep: withTarget, method: "DELETE", want: 204},
		{name: "POST /users/:id/tfa/disable", admin: true, prep: withTarget, method: "POST", want: 204},
		{name: "POST /roles", admin: true, method: "POST", path: "/roles", want: 200, body: body(map[string]any{"name": "Intruders", "admin_access": true})},
		{name: "POST /users/invite", admin: true, prep: withTarget, method: "POST", path: "/users/invite", want: 204,
			body: func(_ *testing.T, _ *apptest.Server, c *caller) any {
				return map[string]any{"email": "invitee-" + c.email, "role": c.role}
			}},

		// /graphql.
		{name: "updateMe", endpoint: "/graphql", field: "updateMe", body: gql(`mutation { updateMe(input: {firstName: "Mallory"}) { id } }`)},
		{name: "generateTfa", endpoint: "/graphql", field: "generateTfa", body: body(gqlBody(`mutation($p: String!) { generateTfa(password: $p) { secret } }`, map[string]any{"p": tfaPW}))},
		{name: "enableTfa", prep: withSecret, endpoint: "/graphql", field: "enableTfa", body: otpVars(`mutation($otp: String!, $secret: String!) { enableTfa(secret: $secret, otp: $otp) }`)},
		{name: "disableTfa", prep: withTFA, endpoint: "/graphql", field: "disableTfa", body: otpVars(`mutation($otp: String!) { disableTfa(otp: $otp) }`)},
		{name: "generateRecoveryCodes", prep: withTFA, endpoint: "/graphql", field: "generateRecoveryCodes", body: otpVars(`mutation($otp: String!) { generateRecoveryCodes(otp: $otp) }`)},
		{name: "refresh(cookie)", cookie: "refresh", endpoint: "/graphql", field: "refresh", body: gql(`mutation { refresh(mode: cookie) { expires } }`)},
		{name: "refresh(session)", endpoint: "/graphql", field: "refresh", body: gql(`mutation { refresh(mode: session) { expires } }`)},
		{name: "logout(cookie)", cookie: "refresh", endpoint: "/graphql", field: "logout", body: gql(`mutation { logout(mode: cookie) }`)},
		{name: "logout(session, all)", endpoint: "/graphql", field: "logout", body: gql(`mutation { logout(mode: session, scope: all) }`)},
		{name: "createUser", admin: true, endpoint: "/graphql", field: "createUser",
			body: func(_ *testing.T, _ *apptest.Server, c *caller) any {
				return gqlBody(`mutation($e: String!, $p: String!) { createUser(input: {email: $e, password: $p}) { id } }`,
					map[string]any{"e": "new-" + c.email, "p": tfaPW})
			}},
		{name: "updateUser", admin: true, prep: withTarget, endpoint: "/graphql", field: "updateUser",
			body: targetVars(`mutation($id: ID!) { updateUser(id: $id, input: {firstName: "Mallory"}) { id } }`)},
		{name: "deleteUser", admin: true, prep: withTarget, endpoint: "/graphql", field: "deleteUser", body: targetVars(`mutation($id: ID!) { deleteUser(id: $id) }`)},
		{name: "createRole", admin: true, endpoint: "/graphql", field: "createRole", body: gql(`mutation { createRole(name: "Intruders", adminAccess: true) { id } }`)},
		{name: "inviteUsers", admin: true, prep: withTarget, endpoint: "/graphql", field: "inviteUsers",
			body: targetVars(`mutation($email: String!, $role: ID!) { inviteUsers(emails: [$email], role: $role) }`)},
		{name: "disableUserTfa", admin: true, prep: withTarget, endpoint: "/graphql", field: "disableUserTfa", body: targetVars(`mutation($id: ID!) { disableUserTfa(id: $id) }`)},

		// /graphql/system (Directus's names).
		{name: "update_users_me", endpoint: "/graphql/system", field: "update_users_me", body: gql(`mutation { update_users_me(data: {first_name: "Mallory"}) { id } }`)},
		{name: "users_me_tfa_generate", endpoint: "/graphql/system", field: "users_me_tfa_generate",
			body: body(gqlBody(`mutation($p: String!) { users_me_tfa_generate(password: $p) { secret } }`, map[string]any{"p": tfaPW}))},
		{name: "users_me_tfa_enable", prep: withSecret, endpoint: "/graphql/system", field: "users_me_tfa_enable",
			body: otpVars(`mutation($otp: String!, $secret: String!) { users_me_tfa_enable(otp: $otp, secret: $secret) }`)},
		{name: "users_me_tfa_disable", prep: withTFA, endpoint: "/graphql/system", field: "users_me_tfa_disable",
			body: otpVars(`mutation($otp: String!) { users_me_tfa_disable(otp: $otp) }`)},
		{name: "auth_refresh(cookie)", cookie: "refresh", endpoint: "/graphql/system", field: "auth_refresh", body: gql(`mutation { auth_refresh(mode: cookie) { expires } }`)},
		{name: "auth_refresh(session)", endpoint: "/graphql/system", field: "auth_refresh", body: gql(`mutation { auth_refresh(mode: session) { expires } }`)},
		{name: "auth_logout(cookie)", cookie: "refresh", endpoint: "/graphql/system", field: "auth_logout", body: gql(`mutation { auth_logout(mode: cookie) }`)},
		{name: "auth_logout(session, all)", endpoint: "/graphql/system", field: "auth_logout", body: gql(`mutation { auth_logout(mode: session, scope: "all") }`)},
		{name: "users_invite", admin: true, prep: withTarget, endpoint: "/graphql/system", field: "users_invite",
			body: targetVars(`mutation($email: String!, $role: String!) { users_invite(email: $email, role: $role) }`)},
	}
}

// path fills in the admin routes that name the target user.
func (tc originCase) url(c *caller) string {
	switch {
	case tc.endpoint != "":
		return tc.endpoint
	case tc.path != "":
		return tc.path
	case tc.method == "POST":
		return "/users/" + c.target.ID + "/tfa/disable"
	}
	return "/users/" + c.target.ID
}

func (tc originCase) send(t *testing.T, s *apptest.Server, c *caller, origin string) *apptest.Response {
	t.Helper()
	method := tc.method
	if tc.endpoint != "" {
		method = http.MethodPost
	}
	var b any = map[string]any{}
	if tc.body != nil {
		b = tc.body(t, s, c)
	} else if method == "PATCH" {
		b = map[string]any{"first_name": "Mallory"}
	}
	h := []string{"Cookie", c.cookie}
	if origin != "" {
		h = append(h, "Origin", origin)
	}
	return s.Do(method, tc.url(c), b, h...)
}

func newCaller(t *testing.T, s *apptest.Server, i int, tc originCase) *caller {
	t.Helper()
	c := &caller{email: fmt.Sprintf("origin-%d@example.com", i)}
	if _, err := s.App.Auth.CreateUser(context.Background(), auth.NewUser{Email: c.email, Password: tfaPW, Admin: tc.admin}); err != nil {
		t.Fatal(err)
	}
	if tc.cookie == "refresh" {
		ck := s.Login(c.email, tfaPW, "mode", "cookie").Cookie("directus_refresh_token")
		if ck == nil {
			t.Fatal("cookie login set no refresh cookie")
		}
		c.cookie = "directus_refresh_token=" + ck.Value
	} else {
		c.cookie = sessionCookie(t, s, c.email, tfaPW)
	}
	return c
}

// snapshot reads every row of every table, so a refused request that
// changed anything at all is seen.
func snapshot(t *testing.T, s *apptest.Server) map[string][]string {
	t.Helper()
	ctx := context.Background()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if s.App.Store.IsPostgres() {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
	}
	var tables []string
	if err := s.App.DB.NewRaw(q).Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]string, len(tables))
	for _, name := range tables {
		var rows []map[string]any
		if err := s.App.DB.NewRaw("SELECT * FROM ?", bun.Ident(name)).Scan(ctx, &rows); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for _, r := range rows {
			out[name] = append(out[name], fmt.Sprint(r)) // fmt sorts map keys
		}
		slices.Sort(out[name])
	}
	return out
}

func diffSnapshots(before, after map[string][]string) string {
	var d []string
	for name, rows := range after {
		if !slices.Equal(before[name], rows) {
			d = append(d, fmt.Sprintf("%s: %d rows → %d rows", name, len(before[name]), len(rows)))
		}
	}
	return strings.Join(d, "; ")
}

func TestCookieRequestsCheckOrigin(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		for i, tc := range originCases() {
			t.Run(tc.name, func(t *testing.T) {
				c := newCaller(t, s, i, tc)
				if tc.prep != nil {
					tc.prep(t, s, c)
				}
				for _, origin := range foreignOrigins {
					before := snapshot(t, s)
					r := tc.send(t, s, c, origin)
					if tc.endpoint == "" {
						wantError(t, r, http.StatusForbidden, "FORBIDDEN", "")
					} else if r.Code() != "FORBIDDEN" || r.Data()[tc.field] != nil {
						t.Fatalf("Origin %s: got %d %s, want FORBIDDEN and no %s", origin, r.StatusCode, r.Body, tc.field)
					}
					if d := diffSnapshots(before, snapshot(t, s)); d != "" {
						t.Fatalf("Origin %s was refused but changed the database: %s", origin, d)
					}
				}
				origin := trustedOrigins[i%len(trustedOrigins)]
				r := tc.send(t, s, c, origin)
				if tc.endpoint == "" {
					wantStatus(t, r, tc.want, "Origin "+origin)
				} else if r.Code() != "" || r.Data()[tc.field] == nil {
					t.Fatalf("Origin %q: got %s, want %s", origin, r.Body, tc.field)
				}
			})
		}
	}, originEnv...)
}
