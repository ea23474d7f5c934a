package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/models"
)

// asAdmin is the static admin token as request headers.
var asAdmin = []string{"Authorization", "Bearer " + apptest.AdminToken}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// accessToken logs in (json mode) and returns the access and refresh tokens.
func accessToken(t *testing.T, s *apptest.Server, email, pw string) (access, refresh string) {
	t.Helper()
	d := s.Login(email, pw).Data()
	access, _ = d["access_token"].(string)
	refresh, _ = d["refresh_token"].(string)
	if access == "" || refresh == "" {
		t.Fatalf("login %s: no tokens in %v", email, d)
	}
	return access, refresh
}

// sessionCookie logs in in session mode and returns the Cookie header value.
func sessionCookie(t *testing.T, s *apptest.Server, email, pw string) string {
	t.Helper()
	ck := s.Login(email, pw, "mode", "session").Cookie("directus_session_token")
	if ck == nil || ck.Value == "" {
		t.Fatalf("session login %s: no cookie", email)
	}
	return "directus_session_token=" + ck.Value
}

func wantStatus(t *testing.T, r *apptest.Response, status int, what string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: got %d %s, want %d", what, r.StatusCode, r.Body, status)
	}
}

// dataList returns body.data as a list of objects.
func dataList(t *testing.T, r *apptest.Response) []map[string]any {
	t.Helper()
	raw, ok := r.JSON()["data"].([]any)
	if !ok {
		t.Fatalf("data is not a list: %s", r.Body)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i], _ = v.(map[string]any)
	}
	return out
}

func createRole(t *testing.T, s *apptest.Server, name string, adminAccess bool) string {
	t.Helper()
	r := s.Post("/roles", map[string]any{"name": name, "admin_access": adminAccess, "app_access": true}, asAdmin...)
	wantStatus(t, r, 200, "POST /roles")
	id, _ := r.Data()["id"].(string)
	if id == "" {
		t.Fatalf("POST /roles: no id in %s", r.Body)
	}
	return id
}

func refreshStatus(s *apptest.Server, rt string) int {
	return s.Post("/auth/refresh", map[string]any{"refresh_token": rt}).StatusCode
}

func TestUsersListAndFilter(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		for _, e := range []string{"one@example.com", "two@example.com", "three@example.com"} {
			s.CreateUser(e, "a-long-password-1")
		}
		r := s.Post("/users", map[string]any{"email": "Sleepy@Example.com", "password": "a-long-password-1", "status": "suspended"}, asAdmin...)
		wantStatus(t, r, 200, "POST /users suspended")

		all := dataList(t, s.Do("GET", "/users", nil, asAdmin...))
		if len(all) != 5 {
			t.Fatalf("GET /users: %d users, want 5", len(all))
		}
		for _, u := range all {
			if u["password"] != "**********" {
				t.Fatalf("password not concealed in list: %v", u)
			}
		}
		page1 := dataList(t, s.Do("GET", "/users?limit=2", nil, asAdmin...))
		page2 := dataList(t, s.Do("GET", "/users?limit=2&offset=2", nil, asAdmin...))
		page3 := dataList(t, s.Do("GET", "/users?limit=2&offset=4", nil, asAdmin...))
		if len(page1) != 2 || len(page2) != 2 || len(page3) != 1 {
			t.Fatalf("pages of %d, %d, %d, want 2, 2, 1", len(page1), len(page2), len(page3))
		}
		seen := map[any]bool{}
		for _, p := range [][]map[string]any{page1, page2, page3} {
			for _, u := range p {
				if seen[u["id"]] {
					t.Fatalf("user %v on two pages", u["id"])
				}
				seen[u["id"]] = true
			}
		}

		got := dataList(t, s.Do("GET", "/users?"+url.Values{"filter[email][_eq]": {"TWO@example.com"}}.Encode(), nil, asAdmin...))
		if len(got) != 1 || got[0]["email"] != "two@example.com" {
			t.Fatalf("email filter: %v", got)
		}
		got = dataList(t, s.Do("GET", "/users?"+url.Values{"filter[status][_eq]": {"suspended"}}.Encode(), nil, asAdmin...))
		if len(got) != 1 || got[0]["email"] != "Sleepy@Example.com" || got[0]["status"] != "suspended" {
			t.Fatalf("status filter: %v", got)
		}
		got = dataList(t, s.Do("GET", "/users?"+url.Values{"filter[email][_eq]": {"nobody@example.com"}}.Encode(), nil, asAdmin...))
		if len(got) != 0 {
			t.Fatalf("filter on unknown email: %v", got)
		}
		for _, q := range []string{"limit=-1", "limit=abc", "offset=-3"} {
			if r := s.Do("GET", "/users?"+q, nil, asAdmin...); r.StatusCode != 400 {
				t.Fatalf("GET /users?%s: %d %s, want 400", q, r.StatusCode, r.Body)
			}
		}
	})
}

func TestUsersCreateGet(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		role := createRole(t, s, "Editors", false)
		r := s.Post("/users", map[string]any{"email": "New.Person@Example.com", "password": "a-long-password-1", "role": role,
			"status": "active", "first_name": "Ada", "last_name": "Lovelace"}, asAdmin...)
		wantStatus(t, r, 200, "POST /users")
		d := r.Data()
		id, _ := d["id"].(string)
		if id == "" || d["email"] != "New.Person@Example.com" || d["password"] != "**********" || d["role"] != role ||
			d["status"] != "active" || d["first_name"] != "Ada" || d["last_name"] != "Lovelace" || d["token"] != nil ||
			d["tfa_secret"] != nil || d["provider"] != "default" {
			t.Fatalf("created user: %s", r.Body)
		}
		if strings.Contains(string(r.Body), "a-long-password-1") || strings.Contains(string(r.Body), "argon2") {
			t.Fatalf("password leaked: %s", r.Body)
		}
		g := s.Do("GET", "/users/"+id, nil, asAdmin...)
		wantStatus(t, g, 200, "GET /users/{id}")
		if g.Data()["id"] != id || g.Data()["email"] != "New.Person@Example.com" || g.Data()["password"] != "**********" || g.Data()["role"] != role {
			t.Fatalf("GET /users/{id}: %s", g.Body)
		}
		// The user can log in (email matched case-insensitively).
		s.Login("new.person@example.com", "a-long-password-1")

		// A taken email in any case → RECORD_NOT_UNIQUE.
		for _, e := range []string{"new.person@example.com", "NEW.PERSON@EXAMPLE.COM"} {
			wantError(t, s.Post("/users", map[string]any{"email": e, "password": "a-long-password-1"}, asAdmin...), 400, "RECORD_NOT_UNIQUE", "")
		}
		// Changing another user's email to a taken one is refused too.
		other := s.CreateUser("other@example.com", "a-long-password-1")
		wantError(t, s.Do("PATCH", "/users/"+other.ID, map[string]any{"email": "NEW.person@example.com"}, asAdmin...), 400, "RECORD_NOT_UNIQUE", "")

		// Unknown or malformed ids read as forbidden.
		wantError(t, s.Do("GET", "/users/00000000-0000-4000-8000-000000000000", nil, asAdmin...), 403, "FORBIDDEN", "")
		wantError(t, s.Do("GET", "/users/not-a-uuid", nil, asAdmin...), 403, "FORBIDDEN", "")

		// Bad input.
		wantError(t, s.Post("/users", map[string]any{"password": "a-long-password-1"}, asAdmin...), 400, "INVALID_PAYLOAD", "")
		wantError(t, s.Post("/users", map[string]any{"email": "invalid"}, asAdmin...), 400, "INVALID_PAYLOAD", `Invalid payload. "email" must be a valid email.`)
		wantError(t, s.Post("/users", map[string]any{"email": "x@example.com", "role": "abc"}, asAdmin...), 400, "INVALID_PAYLOAD", `Invalid payload. "role" must be a valid GUID.`)
		wantError(t, s.Post("/users", map[string]any{"email": "x@example.com", "foo": 1}, asAdmin...), 400, "INVALID_PAYLOAD", `Invalid payload. "foo" is not allowed.`)
		wantError(t, s.Post("/users", map[string]any{"email": "x@example.com", "password": "short"}, asAdmin...), 400, "FAILED_VALIDATION", "")
		wantError(t, s.Post("/users", map[string]any{"email": "x@example.com", "status": "bogus"}, asAdmin...), 400, "INVALID_PAYLOAD", "")
	})
}

func TestUsersPatchStatusAndRole(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser("plain@example.com", "a-long-password-1")
		access, rt := accessToken(t, s, "plain@example.com", "a-long-password-1")
		_, rt2 := accessToken(t, s, "plain@example.com", "a-long-password-1")

		// Role change: a role with admin access counts at once, even for a
		// token signed before the change.
		wantError(t, s.Do("GET", "/users", nil, bearer(access)...), 403, "FORBIDDEN", "")
		boss := createRole(t, s, "Bosses", true)
		r := s.Do("PATCH", "/users/"+u.ID, map[string]any{"role": boss, "first_name": "Pat"}, asAdmin...)
		wantStatus(t, r, 200, "PATCH role")
		if r.Data()["role"] != boss || r.Data()["first_name"] != "Pat" {
			t.Fatalf("PATCH role: %s", r.Body)
		}
		if got := user(t, s, "plain@example.com"); got.RoleID == nil || *got.RoleID != boss {
			t.Fatalf("role in DB: %v", got.RoleID)
		}
		wantStatus(t, s.Do("GET", "/users", nil, bearer(access)...), 200, "GET /users after promotion")
		r = s.Do("PATCH", "/users/"+u.ID, map[string]any{"role": nil}, asAdmin...)
		if r.StatusCode != 200 || r.Data()["role"] != nil {
			t.Fatalf("PATCH role null: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, s.Do("GET", "/users", nil, bearer(access)...), 403, "FORBIDDEN", "")
		wantError(t, s.Do("PATCH", "/users/"+u.ID, map[string]any{"role": "00000000-0000-4000-8000-000000000000"}, asAdmin...), 400, "INVALID_PAYLOAD", "")
		// A role change alone ends no session.
		if refreshStatus(s, rt2) != 200 {
			t.Fatal("role change ended a session")
		}

		// Suspension ends every session.
		r = s.Do("PATCH", "/users/"+u.ID, map[string]any{"status": "suspended"}, asAdmin...)
		if r.StatusCode != 200 || r.Data()["status"] != "suspended" {
			t.Fatalf("PATCH suspended: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, s.Post("/auth/refresh", map[string]any{"refresh_token": rt}), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/auth/login", map[string]any{"email": "plain@example.com", "password": "a-long-password-1"}), 401, "INVALID_CREDENTIALS", "")
		// Reactivated, the user can log in again.
		wantStatus(t, s.Do("PATCH", "/users/"+u.ID, map[string]any{"status": "active"}, asAdmin...), 200, "PATCH active")
		s.Login("plain@example.com", "a-long-password-1")
	})
}

func TestUsersDelete(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser("gone@example.com", "a-long-password-1")
		_, rt := accessToken(t, s, "gone@example.com", "a-long-password-1")
		sc := sessionCookie(t, s, "gone@example.com", "a-long-password-1")
		r := s.Do("DELETE", "/users/"+u.ID, nil, asAdmin...)
		if r.StatusCode != 204 || len(r.Body) != 0 {
			t.Fatalf("DELETE: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, s.Post("/auth/refresh", map[string]any{"refresh_token": rt}), 401, "INVALID_CREDENTIALS", "")
		wantError(t, me(s, "Cookie", sc), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Do("GET", "/users/"+u.ID, nil, asAdmin...), 403, "FORBIDDEN", "")
		wantError(t, s.Do("DELETE", "/users/"+u.ID, nil, asAdmin...), 403, "FORBIDDEN", "")
		n, err := s.App.DB.NewSelect().Model((*models.Session)(nil)).Where("user_id = ?", u.ID).Count(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("sessions of a deleted user: %d %v", n, err)
		}
	})
}

// Directus's behaviour (AUTH_REAUTHENTICATION=false): the email changes at
// once. TestEmailChangeNeedsConfirmation covers the default.
func TestUsersMePatch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("me@example.com", "a-long-password-1")
		a := sessionCookie(t, s, "me@example.com", "a-long-password-1")
		b := sessionCookie(t, s, "me@example.com", "a-long-password-1")
		_, rt := accessToken(t, s, "me@example.com", "a-long-password-1")

		// Names change nothing about sessions.
		r := s.Do("PATCH", "/users/me", map[string]any{"first_name": "Mia", "last_name": "Example"}, "Cookie", a)
		if r.StatusCode != 200 || r.Data()["first_name"] != "Mia" || r.Data()["last_name"] != "Example" || r.Data()["password"] != "**********" {
			t.Fatalf("PATCH names: %d %s", r.StatusCode, r.Body)
		}
		wantStatus(t, me(s, "Cookie", b), 200, "other session after a name change")
		if refreshStatus(s, rt) != 200 {
			t.Fatal("name change ended the json session")
		}
		_, rt = accessToken(t, s, "me@example.com", "a-long-password-1")

		// tfa_secret can't be written.
		wantError(t, s.Do("PATCH", "/users/me", map[string]any{"tfa_secret": "ABCDEFGHIJKLMNOP"}, "Cookie", a), 400, "INVALID_PAYLOAD",
			`Invalid payload. You can't change the "tfa_secret" value manually.`)
		// Nor role, status or token by the user themself.
		for _, k := range []string{"role", "status", "token"} {
			if r := s.Do("PATCH", "/users/me", map[string]any{k: "x"}, "Cookie", a); r.StatusCode != 403 && r.StatusCode != 400 {
				t.Fatalf("PATCH /users/me %s: %d %s", k, r.StatusCode, r.Body)
			}
		}
		if got := user(t, s, "me@example.com"); got.RoleID != nil || got.Status != models.StatusActive {
			t.Fatalf("mass assignment went through: %+v", got)
		}

		// A password change ends the other sessions, not the one used.
		r = s.Do("PATCH", "/users/me", map[string]any{"password": "another-long-password-2"}, "Cookie", a)
		wantStatus(t, r, 200, "PATCH password")
		wantError(t, me(s, "Cookie", b), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/auth/refresh", map[string]any{"refresh_token": rt}), 401, "INVALID_CREDENTIALS", "")
		wantStatus(t, me(s, "Cookie", a), 200, "session used for the change")
		wantError(t, s.Post("/auth/login", map[string]any{"email": "me@example.com", "password": "a-long-password-1"}), 401, "INVALID_CREDENTIALS", "")
		s.Login("me@example.com", "another-long-password-2")
		wantError(t, s.Do("PATCH", "/users/me", map[string]any{"password": "short"}, "Cookie", a), 400, "FAILED_VALIDATION", "")

		// So does an email change.
		c := sessionCookie(t, s, "me@example.com", "another-long-password-2")
		r = s.Do("PATCH", "/users/me", map[string]any{"email": "Me.New@example.com"}, "Cookie", a)
		if r.StatusCode != 200 || r.Data()["email"] != "Me.New@example.com" {
			t.Fatalf("PATCH email: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, me(s, "Cookie", c), 401, "INVALID_CREDENTIALS", "")
		wantStatus(t, me(s, "Cookie", a), 200, "session used for the email change")
		s.Login("me.new@example.com", "another-long-password-2")
		wantError(t, s.Do("PATCH", "/users/me", map[string]any{"email": admin}, "Cookie", a), 400, "RECORD_NOT_UNIQUE", "")
	}, "AUTH_REAUTHENTICATION=false")
}

func TestUsersMeAnonymous(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		wantError(t, s.Do("GET", "/users/me", nil), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Do("PATCH", "/users/me", map[string]any{"first_name": "x"}), 401, "INVALID_CREDENTIALS", "")
	})
}

func TestRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		before := dataList(t, s.Do("GET", "/roles", nil, asAdmin...))
		if len(before) != 1 || before[0]["admin_access"] != true {
			t.Fatalf("bootstrap roles: %v", before)
		}
		r := s.Post("/roles", map[string]any{"name": "Readers"}, asAdmin...)
		wantStatus(t, r, 200, "POST /roles")
		d := r.Data()
		if d["name"] != "Readers" || d["admin_access"] != false || d["app_access"] != false || d["id"] == "" {
			t.Fatalf("POST /roles: %s", r.Body)
		}
		after := dataList(t, s.Do("GET", "/roles", nil, asAdmin...))
		if len(after) != 2 || (after[0]["id"] != d["id"] && after[1]["id"] != d["id"]) {
			t.Fatalf("roles after create: %v", after)
		}
		wantError(t, s.Post("/roles", map[string]any{}, asAdmin...), 400, "INVALID_PAYLOAD", "")
		wantError(t, s.Post("/roles", map[string]any{"name": "x", "foo": true}, asAdmin...), 400, "INVALID_PAYLOAD", `Invalid payload. "foo" is not allowed.`)
	})
}

func TestUsersStaticToken(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser("robot@example.com", "a-long-password-1")
		const tok = "robot-static-token-0123456789abcdef"
		r := s.Do("PATCH", "/users/"+u.ID, map[string]any{"token": tok}, asAdmin...)
		if r.StatusCode != 200 || r.Data()["token"] != "**********" {
			t.Fatalf("PATCH token: %d %s", r.StatusCode, r.Body)
		}
		if strings.Contains(string(r.Body), tok) {
			t.Fatalf("token echoed: %s", r.Body)
		}
		if g := s.Do("GET", "/users/"+u.ID, nil, asAdmin...); g.Data()["token"] != "**********" {
			t.Fatalf("GET token: %s", g.Body)
		}
		for _, r := range []*apptest.Response{
			me(s, "Authorization", "Bearer "+tok),
			s.Do("GET", "/users/me?access_token="+url.QueryEscape(tok), nil),
		} {
			if r.StatusCode != 200 || r.Data()["id"] != u.ID || r.Data()["token"] != "**********" {
				t.Fatalf("static token: %d %s", r.StatusCode, r.Body)
			}
		}
		got := user(t, s, "robot@example.com")
		if got.TokenHash == nil || *got.TokenHash == "" || *got.TokenHash == tok || strings.Contains(*got.TokenHash, tok) {
			t.Fatalf("token_hash column: %v", got.TokenHash)
		}
		// The static token of a plain user grants no admin access.
		wantError(t, s.Do("GET", "/users", nil, bearer(tok)...), 403, "FORBIDDEN", "")
		// Another user can't take the same token.
		other := s.CreateUser("robot2@example.com", "a-long-password-1")
		if r := s.Do("PATCH", "/users/"+other.ID, map[string]any{"token": tok}, asAdmin...); r.StatusCode != 400 {
			t.Fatalf("duplicate token: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, s.Do("PATCH", "/users/"+u.ID, map[string]any{"token": "short"}, asAdmin...), 400, "INVALID_PAYLOAD", "")
		// Cleared, the token no longer authenticates.
		r = s.Do("PATCH", "/users/"+u.ID, map[string]any{"token": nil}, asAdmin...)
		if r.StatusCode != 200 || r.Data()["token"] != nil {
			t.Fatalf("PATCH token null: %d %s", r.StatusCode, r.Body)
		}
		wantError(t, me(s, "Authorization", "Bearer "+tok), 401, "INVALID_CREDENTIALS", "")
		// A suspended user's static token stops working.
		wantStatus(t, s.Do("PATCH", "/users/"+other.ID, map[string]any{"token": tok + "-2"}, asAdmin...), 200, "PATCH token 2")
		wantStatus(t, me(s, "Authorization", "Bearer "+tok+"-2"), 200, "token 2")
		wantStatus(t, s.Do("PATCH", "/users/"+other.ID, map[string]any{"status": "suspended"}, asAdmin...), 200, "suspend")
		if r := me(s, "Authorization", "Bearer "+tok+"-2"); r.StatusCode == 200 {
			t.Fatalf("suspended user's static token still works: %s", r.Body)
		}
	})
}

// TestAdminRoutePermissions walks every admin route as anonymous, a plain
// user and an admin.
func TestAdminRoutePermissions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		plainAccess, _ := func() (string, string) {
			s.CreateUser("plain@example.com", "a-long-password-1")
			return accessToken(t, s, "plain@example.com", "a-long-password-1")
		}()
		adminRole := *user(t, s, admin).RoleID
		n := 0
		target := func() string {
			n++
			return s.CreateUser(fmt.Sprintf("target%d@example.com", n), "a-long-password-1").ID
		}
		routes := []struct {
			method, path string
			body         func() any
			anon         int
			anonCode     string
		}{
			{"GET", "/users", nil, 403, "FORBIDDEN"},
			{"POST", "/users", func() any { n++; return map[string]any{"email": fmt.Sprintf("created%d@example.com", n)} }, 403, "FORBIDDEN"},
			{"GET", "/users/{id}", nil, 403, "FORBIDDEN"},
			{"PATCH", "/users/{id}", func() any { return map[string]any{"first_name": "Changed"} }, 403, "FORBIDDEN"},
			{"DELETE", "/users/{id}", nil, 403, "FORBIDDEN"},
			{"GET", "/roles", nil, 403, "FORBIDDEN"},
			{"POST", "/roles", func() any { return map[string]any{"name": "New role"} }, 403, "FORBIDDEN"},
			{"POST", "/users/invite", func() any {
				n++
				return map[string]any{"email": fmt.Sprintf("invitee%d@example.com", n), "role": adminRole}
			}, 403, "FORBIDDEN"},
			{"POST", "/users/{id}/tfa/disable", nil, 401, "INVALID_CREDENTIALS"},
		}
		callers := []struct {
			name   string
			header []string
		}{{"anonymous", nil}, {"plain", bearer(plainAccess)}, {"admin", asAdmin}}
		for _, rt := range routes {
			for _, c := range callers {
				id := target()
				path := strings.Replace(rt.path, "{id}", id, 1)
				var body any
				if rt.body != nil {
					body = rt.body()
				}
				r := s.Do(rt.method, path, body, c.header...)
				what := c.name + " " + rt.method + " " + rt.path
				switch c.name {
				case "anonymous":
					if r.StatusCode != rt.anon || r.Code() != rt.anonCode {
						t.Errorf("%s: %d %s, want %d %s", what, r.StatusCode, r.Body, rt.anon, rt.anonCode)
					}
				case "plain":
					if r.StatusCode != http.StatusForbidden || r.Code() != "FORBIDDEN" {
						t.Errorf("%s: %d %s, want 403 FORBIDDEN", what, r.StatusCode, r.Body)
					}
				default:
					if r.StatusCode < 200 || r.StatusCode > 299 {
						t.Errorf("%s: %d %s, want 2xx", what, r.StatusCode, r.Body)
					}
				}
				if c.name != "admin" && rt.method != "GET" {
					// A refused call changed nothing.
					if g := s.Do("GET", "/users/"+id, nil, asAdmin...); g.StatusCode != 200 || g.Data()["first_name"] != nil {
						t.Errorf("%s changed the target: %d %s", what, g.StatusCode, g.Body)
					}
				}
			}
		}
		// Refused creations created nothing.
		for _, u := range dataList(t, s.Do("GET", "/users", nil, asAdmin...)) {
			e, _ := u["email"].(string)
			if strings.HasPrefix(e, "invitee") && u["status"] != "invited" {
				t.Errorf("unexpected user %v", u)
			}
		}
		if roles := dataList(t, s.Do("GET", "/roles", nil, asAdmin...)); len(roles) != 2 {
			t.Errorf("%d roles, want 2 (one created by the admin)", len(roles))
		}
		users := dataList(t, s.Do("GET", "/users?limit=1000", nil, asAdmin...))
		var created, invited int
		for _, u := range users {
			e, _ := u["email"].(string)
			if strings.HasPrefix(e, "created") {
				created++
			}
			if strings.HasPrefix(e, "invitee") {
				invited++
			}
		}
		if created != 1 || invited != 1 {
			t.Errorf("created %d users and invited %d, want 1 each (by the admin)", created, invited)
		}
	})
}
