package rest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/auth"
)

// badText is one kind of text the edge refuses, as raw JSON string bytes
// (quotes included) and as a query-string value, with the words its message
// must carry.
type badText struct {
	name  string
	json  func(field string) []byte
	query func(field string) string
	says  string
}

func badTexts() []badText {
	long := func(field string) string { return strings.Repeat("x", auth.MaxTextLength(field)+1) }
	return []badText{
		{"NUL", func(string) []byte { return []byte(`"a\u0000b"`) }, func(string) string { return "a\x00b" }, "must not contain NUL characters"},
		// Raw bytes inside a JSON string: Go's decoder would turn them into U+FFFD.
		{"invalid UTF-8", func(string) []byte { return []byte("\"a\xff\xfeb\"") }, func(string) string { return "a\xffb" }, "must be valid UTF-8 text"},
		{"lone surrogate", func(string) []byte { return []byte(`"a\ud800b"`) }, nil, "must be valid UTF-8 text"},
		{"over-long", func(f string) []byte { return []byte(`"` + long(f) + `"`) }, long, "length must be less than or equal to"},
	}
}

// restBody is a route's body with field set to raw JSON bytes. Other
// fields hold plausible values, so only the bad one can be refused.
func restBody(base map[string]any, field string, raw []byte) []byte {
	keys := make([]string, 0, len(base)+1)
	for k := range base {
		if k != field {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for _, k := range keys {
		v, _ := json.Marshal(base[k])
		fmt.Fprintf(&b, "%q:%s,", k, v)
	}
	fmt.Fprintf(&b, "%q:", field)
	b.Write(raw)
	b.WriteByte('}')
	return b.Bytes()
}

// Issue 17: NUL, invalid UTF-8 and over-long text in any field of any REST
// route gets 400 INVALID_PAYLOAD naming the field, on both databases, and
// never a 5xx (PostgreSQL refuses NUL in text; on register that used to
// tell existing emails from new ones).
func TestEdgeRefusesBadTextEverywhere(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		adminID := user(t, s, admin).ID
		bearer := []string{"Authorization", "Bearer " + apptest.AdminToken}
		users := map[string]any{"email": "new@example.com", "password": "a-fine-password-1", "first_name": "A",
			"last_name": "B", "status": "active", "role": nil, "token": nil, "tfa_secret": nil}
		routes := []struct {
			method, path string
			base         map[string]any
			auth         bool
		}{
			{"POST", "/auth/login", map[string]any{"email": admin, "password": "wrong-password", "mode": "json", "otp": "123456"}, false},
			{"POST", "/auth/refresh", map[string]any{"refresh_token": "x", "mode": "json"}, false},
			{"POST", "/auth/logout", map[string]any{"refresh_token": "x", "mode": "json", "scope": "this"}, false},
			{"POST", "/auth/password/request", map[string]any{"email": admin, "reset_url": "https://app.example.com/reset"}, false},
			{"POST", "/auth/password/reset", map[string]any{"token": "x", "password": "a-fine-password-1"}, false},
			{"PATCH", "/users/me", map[string]any{"first_name": "A", "last_name": "B", "email": admin, "password": "a-fine-password-1",
				"status": "active", "role": nil, "token": nil, "tfa_secret": nil}, true},
			{"POST", "/users", users, true},
			{"PATCH", "/users/" + adminID, users, true},
			{"POST", "/roles", map[string]any{"name": "Editors"}, true},
			{"POST", "/users/invite", map[string]any{"email": "x@example.com", "role": "0f6f3c31-7c0a-4a56-9b0c-0c5cb7e8d9a1",
				"invite_url": "https://app.example.com/invite"}, true},
			{"POST", "/users/invite/accept", map[string]any{"token": "x", "password": "a-fine-password-1"}, false},
			{"POST", "/users/register", map[string]any{"email": "reg@example.com", "password": "a-fine-password-1",
				"verification_url": "https://app.example.com/verify", "first_name": "A", "last_name": "B"}, false},
			{"POST", "/users/me/tfa/generate", map[string]any{"password": adminPW}, true},
			{"POST", "/users/me/tfa/enable", map[string]any{"secret": "JBSWY3DPEHPK3PXP", "otp": "123456"}, true},
			{"POST", "/users/me/tfa/disable", map[string]any{"otp": "123456"}, true},
			{"POST", "/users/me/tfa/recovery-codes", map[string]any{"otp": "123456"}, true},
		}
		for _, rt := range routes {
			var hdr []string
			if rt.auth {
				hdr = bearer
			}
			for field := range rt.base {
				for _, bad := range badTexts() {
					r := s.Do(rt.method, rt.path, restBody(rt.base, field, bad.json(field)), hdr...)
					wantEdge(t, fmt.Sprintf("%s %s %s %s", rt.method, rt.path, field, bad.name), r, field, bad.says)
				}
			}
		}
		// An array of emails (invite): each element is checked, named by the field.
		for _, bad := range badTexts() {
			body := restBody(map[string]any{"role": "0f6f3c31-7c0a-4a56-9b0c-0c5cb7e8d9a1"}, "email",
				append(append([]byte(`["ok@example.com",`), bad.json("email")...), ']'))
			wantEdge(t, "invite list "+bad.name, s.Post("/users/invite", body, bearer...), "email", bad.says)
		}

		// Query strings and path values.
		queries := []struct {
			path, param string
			auth        bool
		}{
			{"/users", "filter[email][_eq]", true}, {"/users", "email", true}, {"/users", "filter[status][_eq]", true},
			{"/users", "status", true}, {"/users", "limit", true}, {"/users", "offset", true},
			{"/users/me", "fields", true}, {"/users/me", "access_token", false},
			{"/auth/sessions", "access_token", false},
		}
		// The pages answer in HTML, with the same check and message.
		for _, page := range []string{"/users/register/verify-email", "/admin/reset-password", "/admin/accept-invite", "/admin/confirm-email"} {
			for _, bad := range badTexts() {
				if bad.query == nil {
					continue
				}
				want := html.EscapeString(fmt.Sprintf("%q %s", "token", bad.says))
				r := s.Do("GET", page+"?"+url.Values{"token": {bad.query("token")}}.Encode(), nil)
				if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(r.Body), want) {
					t.Errorf("GET %s with a bad token (%s): %d %.200s", page, bad.name, r.StatusCode, r.Body)
				}
				form := url.Values{"token": {bad.query("token")}}.Encode()
				r = s.Do("POST", page, form, "Content-Type", "application/x-www-form-urlencoded")
				if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(r.Body), want) {
					t.Errorf("POST %s with a bad token (%s): %d %.200s", page, bad.name, r.StatusCode, r.Body)
				}
			}
		}
		for _, q := range queries {
			var hdr []string
			if q.auth {
				hdr = bearer
			}
			for _, bad := range badTexts() {
				if bad.query == nil {
					continue
				}
				path := q.path + "?" + url.Values{q.param: {bad.query(q.param)}}.Encode()
				wantEdge(t, "GET "+path[:min(len(path), 60)], s.Do("GET", path, nil, hdr...), q.param, bad.says)
			}
		}
		for _, p := range []struct{ method, path string }{
			{"GET", "/users/%s"}, {"PATCH", "/users/%s"}, {"DELETE", "/users/%s"}, {"POST", "/users/%s/tfa/disable"},
		} {
			for _, bad := range badTexts() {
				if bad.query == nil {
					continue
				}
				path := fmt.Sprintf(p.path, url.PathEscape(bad.query("id")))
				var body any
				if p.method == "PATCH" {
					body = map[string]any{}
				}
				wantEdge(t, p.method+" "+p.path+" "+bad.name, s.Do(p.method, path, body, bearer...), "id", bad.says)
			}
		}
	}, "PUBLIC_REGISTRATION=true")
}

func wantEdge(t *testing.T, what string, r *apptest.Response, field, says string) {
	t.Helper()
	want := fmt.Sprintf("%q %s", field, says)
	if r.StatusCode != http.StatusBadRequest || r.Code() != "INVALID_PAYLOAD" || !strings.Contains(r.Message(), want) {
		t.Errorf("%s: got %d %.300s, want 400 INVALID_PAYLOAD %q", what, r.StatusCode, r.Body, want)
	}
}
