package system_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const ep = "/graphql/system"

func TestDirectusNames(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.GraphQL(ep, `mutation { auth_login(email: "ADMIN@example.com", password: "`+apptest.AdminPassword+`") { access_token expires refresh_token } }`, nil)
		l := r.Field("auth_login")
		// expires is a string, as Directus's GraphQLBigInt.
		if l["expires"] != "900000" || l["access_token"] == nil || l["refresh_token"] == nil {
			t.Fatalf("auth_login: %s", r.Body)
		}
		// Cookie mode: Set-Cookie, refresh_token null.
		r = s.GraphQL(ep, `mutation { auth_login(email: "admin@example.com", password: "`+apptest.AdminPassword+`", mode: cookie) { access_token refresh_token } }`, nil)
		if r.Cookie("directus_refresh_token") == nil || !strings.Contains(string(r.Body), `"refresh_token":null`) {
			t.Fatalf("cookie auth_login: %s", r.Body)
		}
		// auth_refresh defaults to json.
		rr := s.GraphQL(ep, `mutation($t: String) { auth_refresh(refresh_token: $t) { access_token refresh_token expires } }`, map[string]any{"t": l["refresh_token"]}).Field("auth_refresh")
		if rr["refresh_token"] == nil || rr["refresh_token"] == l["refresh_token"] {
			t.Fatalf("auth_refresh: %v", rr)
		}
		// users_me with concealed secrets.
		me := s.GraphQL(ep, `{ users_me { id email password token tfa_secret status provider } }`, nil, "Authorization", "Bearer "+rr["access_token"].(string)).Field("users_me")
		if me["email"] != apptest.AdminEmail || me["password"] != "**********" || me["token"] != "**********" || me["tfa_secret"] != nil {
			t.Fatalf("users_me: %v", me)
		}
		if r := s.GraphQL(ep, `mutation { auth_logout(refresh_token: "nope") }`, nil); !strings.Contains(string(r.Body), `"auth_logout":true`) {
			t.Fatalf("auth_logout: %s", r.Body)
		}
		// No email format check here (Directus skips it): just bad credentials.
		r = s.GraphQL(ep, `mutation { auth_login(email: "invalid", password: "x") { expires } }`, nil)
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"code":"INVALID_CREDENTIALS"`) || !strings.Contains(string(r.Body), `"auth_login":null`) {
			t.Fatalf("invalid email: %s", r.Body)
		}
		// Missing argument → 400 GRAPHQL_VALIDATION with graphql-js style inner message.
		r = s.GraphQL(ep, `mutation { auth_login(email: "a@b.com") { expires } }`, nil)
		if r.StatusCode != 400 || !strings.Contains(string(r.Body), `GRAPHQL_VALIDATION`) || !strings.Contains(string(r.Body), `argument \"password\" of type \"String!\" is required`) {
			t.Fatalf("missing password: %s", r.Body)
		}
		r = s.GraphQL(ep, `mutation { a: auth_login(email: "a@b.com", password: "x") { expires } b: auth_login(email: "a@b.com", password: "y") { expires } }`, nil)
		if r.StatusCode != 400 || !strings.Contains(string(r.Body), `\"auth_login\" can only be used once per request`) {
			t.Fatalf("alias batching: %s", r.Body)
		}
	})
}
