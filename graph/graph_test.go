package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const loginQ = `mutation($email: String!, $password: String!, $mode: AuthMode, $otp: String) {
  login(email: $email, password: $password, mode: $mode, otp: $otp) { accessToken expires refreshToken }
}`

func creds(mode string) map[string]any {
	v := map[string]any{"email": apptest.AdminEmail, "password": apptest.AdminPassword}
	if mode != "" {
		v["mode"] = mode
	}
	return v
}

func TestLoginRefreshLogoutMe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.GraphQL("/graphql", loginQ, creds(""))
		l := r.Field("login")
		if r.StatusCode != 200 || l["accessToken"] == nil || l["refreshToken"] == nil || l["expires"] != float64(900000) {
			t.Fatalf("login: %d %s", r.StatusCode, r.Body)
		}
		// me with the bearer token.
		me := s.GraphQL("/graphql", `{ me { id email status provider tfaEnabled role } }`, nil, "Authorization", "Bearer "+l["accessToken"].(string)).Field("me")
		if me["email"] != apptest.AdminEmail || me["status"] != "active" || me["tfaEnabled"] != false || me["role"] == nil {
			t.Fatalf("me: %v", me)
		}
		// Anonymous me is null, not an error.
		if r := s.GraphQL("/graphql", `{ me { id } }`, nil); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"me":null`) {
			t.Fatalf("anonymous me: %s", r.Body)
		}
		// refresh rotates; the REST route sees the same session.
		rr := s.GraphQL("/graphql", `mutation($t: String) { refresh(refreshToken: $t) { accessToken refreshToken expires } }`,
			map[string]any{"t": l["refreshToken"]}).Field("refresh")
		if rr["refreshToken"] == nil || rr["refreshToken"] == l["refreshToken"] {
			t.Fatalf("refresh: %v", rr)
		}
		lo := s.GraphQL("/graphql", `mutation($t: String) { logout(refreshToken: $t) }`, map[string]any{"t": rr["refreshToken"]})
		if !strings.Contains(string(lo.Body), `"logout":true`) {
			t.Fatalf("logout: %s", lo.Body)
		}
		r = s.Post("/auth/refresh", map[string]any{"refresh_token": rr["refreshToken"]})
		if r.StatusCode != 401 {
			t.Fatalf("refresh after GraphQL logout: %d", r.StatusCode)
		}
		// logout of an unknown token is still true.
		if lo := s.GraphQL("/graphql", `mutation { logout(refreshToken: "nope") }`, nil); !strings.Contains(string(lo.Body), `"logout":true`) {
			t.Fatalf("unknown logout: %s", lo.Body)
		}
	})
}

func TestCookieModes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.GraphQL("/graphql", loginQ, creds("cookie"))
		ck := r.Cookie("directus_refresh_token")
		if l := r.Field("login"); ck == nil || !ck.HttpOnly || l["refreshToken"] != nil || l["accessToken"] == nil {
			t.Fatalf("cookie login: %s %v", r.Body, ck)
		}
		r = s.GraphQL("/graphql", `mutation { refresh(mode: cookie) { accessToken expires } }`, nil, "Cookie", "directus_refresh_token="+ck.Value)
		next := r.Cookie("directus_refresh_token")
		if next == nil || next.Value == ck.Value || r.Field("refresh")["accessToken"] == nil {
			t.Fatalf("cookie refresh: %s", r.Body)
		}
		r = s.GraphQL("/graphql", `mutation { logout(mode: cookie) }`, nil, "Cookie", "directus_refresh_token="+next.Value)
		if c := r.Cookie("directus_refresh_token"); c == nil || c.MaxAge >= 0 {
			t.Fatalf("cookie logout did not clear: %v", r.Header.Values("Set-Cookie"))
		}

		r = s.GraphQL("/graphql", loginQ, creds("session"))
		sc := r.Cookie("directus_session_token")
		if l := r.Field("login"); sc == nil || l["accessToken"] != nil || l["expires"] != float64(86400000) {
			t.Fatalf("session login: %s", r.Body)
		}
		if me := s.GraphQL("/graphql", `{ me { email } }`, nil, "Cookie", "directus_session_token="+sc.Value).Field("me"); me["email"] != apptest.AdminEmail {
			t.Fatalf("me by session cookie: %v", me)
		}
		r = s.GraphQL("/graphql", `mutation { logout(mode: session) }`, nil, "Cookie", "directus_session_token="+sc.Value)
		if r.Cookie("directus_session_token") == nil {
			t.Fatal("session logout did not clear the cookie")
		}
		r = s.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+sc.Value)
		if r.StatusCode != 401 {
			t.Fatalf("session cookie after GraphQL logout: %d", r.StatusCode)
		}
	})
}

func TestSameErrorsAsREST(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		for _, c := range []struct {
			vars map[string]any
			rest map[string]any
		}{
			{map[string]any{"email": apptest.AdminEmail, "password": "wrong-password"}, map[string]any{"email": apptest.AdminEmail, "password": "wrong-password"}},
			{map[string]any{"email": "invalid", "password": "x"}, map[string]any{"email": "invalid", "password": "x"}},
			{map[string]any{"email": "a@b.com", "password": ""}, map[string]any{"email": "a@b.com", "password": ""}},
		} {
			g := s.GraphQL("/graphql", loginQ, c.vars)
			rest := s.Post("/auth/login", c.rest)
			code, msg := g.FirstError()
			if g.StatusCode != 200 || code != rest.Code() || msg != rest.Message() || code == "" {
				t.Errorf("%v: GraphQL %d %s vs REST %s", c.vars, g.StatusCode, g.Body, rest.Body)
			}
		}
		g := s.GraphQL("/graphql", `mutation { refresh { expires } }`, nil)
		if code, msg := g.FirstError(); code != "INVALID_PAYLOAD" || msg != "Invalid payload. The refresh token is required in either the payload or cookie." {
			t.Fatalf("refresh without token: %s", g.Body)
		}
	})
}

func TestValidationAndTransport(t *testing.T) {
	s := apptest.New(t, "sqlite3", "GRAPHQL_COMPLEXITY_LIMIT=5")
	validation := func(name string, r *apptest.Response, inner string) {
		t.Helper()
		code, msg := r.FirstError()
		if r.StatusCode != 400 || code != "GRAPHQL_VALIDATION" || msg != "GraphQL validation error." || !strings.Contains(string(r.Body), inner) {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
		}
	}
	validation("aliases", s.GraphQL("/graphql", `mutation { a: login(email:"a@b.com", password:"x") { expires } b: login(email:"a@b.com", password:"y") { expires } }`, nil),
		`\"login\" can only be used once per request`)
	validation("fragments", s.GraphQL("/graphql", `mutation { ...A ...B } fragment A on Mutation { login(email:"a@b.com", password:"x") { expires } } fragment B on Mutation { x: login(email:"a@b.com", password:"y") { expires } }`, nil),
		"can only be used once per request")
	validation("inline fragment", s.GraphQL("/graphql", `mutation { login(email:"a@b.com", password:"x") { expires } ... on Mutation { y: login(email:"a@b.com", password:"z") { expires } } }`, nil),
		"can only be used once per request")
	validation("complexity", s.GraphQL("/graphql", `{ me { id email status provider tfaEnabled role firstName lastName } }`, nil), "complexity")
	validation("missing argument", s.GraphQL("/graphql", `mutation { login(email:"a@b.com") { expires } }`, nil), "password")
	validation("unknown field", s.GraphQL("/graphql", `{ nope }`, nil), "nope")
	validation("syntax", s.GraphQL("/graphql", `mutation {`, nil), "")
	// Two logouts in one operation are allowed (not single-use, as Directus).
	if r := s.GraphQL("/graphql", `mutation { a: logout(refreshToken:"x") b: logout(refreshToken:"y") }`, nil); r.StatusCode != 200 {
		t.Fatalf("two logouts: %d %s", r.StatusCode, r.Body)
	}
	// Mutations only as application/json POST.
	// A mutation over GET is 405 with Allow: POST (GraphQL over HTTP and
	// Directus's METHOD_NOT_ALLOWED; issue 19: it was 400 GRAPHQL_VALIDATION).
	if r := s.Do("GET", `/graphql?query=mutation%7Blogout(refreshToken:%22x%22)%7D`, nil); r.StatusCode != 405 ||
		r.Header.Get("Allow") != "POST" || r.Code() != "METHOD_NOT_ALLOWED" {
		t.Errorf("mutation over GET: %d %v %s", r.StatusCode, r.Header, r.Body)
	}
	req, _ := http.NewRequest("POST", s.URL+"/graphql", strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"mutation { logout(refreshToken:\\\"x\\\") }\"}\r\n--x--\r\n"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("multipart mutation: %d", res.StatusCode)
	}
	// A query over GET works.
	if r := s.Do("GET", `/graphql?query=%7Bme%7Bid%7D%7D`, nil); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"me":null`) {
		t.Fatalf("GET query: %d %s", r.StatusCode, r.Body)
	}
	// Malformed JSON: 400, and the body (which may hold a password) is not echoed.
	r := s.Post("/graphql", `{"query":"mutation { login(email:\"a@b.com\", password:\"hunter2-secret\")`)
	if r.StatusCode != 400 || strings.Contains(string(r.Body), "hunter2") {
		t.Fatalf("malformed JSON: %d %s", r.StatusCode, r.Body)
	}
	// Introspection is on by default.
	if r := s.GraphQL("/graphql", `{ __schema { queryType { name } } }`, nil); !strings.Contains(string(r.Body), `"Query"`) {
		t.Fatalf("introspection: %s", r.Body)
	}
}

func TestIntrospectionAndPlaygroundSwitches(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	r := s.Do("GET", "/graphql", nil, "Accept", "text/html")
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("playground: %d %v", r.StatusCode, r.Header)
	}
	s = apptest.New(t, "sqlite3", "GRAPHQL_INTROSPECTION=false", "GRAPHQL_PLAYGROUND=false")
	if r := s.GraphQL("/graphql", `{ __schema { queryType { name } } }`, nil); strings.Contains(string(r.Body), `"Query"`) {
		t.Fatalf("introspection while off: %s", r.Body)
	}
	if r := s.Do("GET", "/graphql", nil, "Accept", "text/html"); strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Fatal("playground served while off")
	}
}
