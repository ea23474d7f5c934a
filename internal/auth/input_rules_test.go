package auth

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"json": ModeJSON, "cookie": ModeCookie, "session": ModeSession,
		"": "", "JSON": "", "Cookie": "", "sessions": "", " json": "", "token": ""} {
		got, ok := ParseMode(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestRESTMode(t *testing.T) {
	for _, c := range []struct{ mode, token, want string }{
		{"", "", "cookie"},
		{"", "tok", "json"},
		{"session", "", "session"},
		{"cookie", "tok", "cookie"}, // the body's mode wins over its token
		{"json", "", "json"},
		{"bogus", "tok", "bogus"}, // passed on, and refused by Present
	} {
		if got := RESTMode(c.mode, c.token); got != c.want {
			t.Errorf("RESTMode(%q, %q) = %q, want %q", c.mode, c.token, got, c.want)
		}
	}
}

func TestParseScope(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string // "" = refused
	}{
		{Value{}, ScopeThis},
		{NullValue(), ScopeThis},
		{String(""), ScopeThis},
		{String("this"), ScopeThis},
		{String("others"), ScopeOthers},
		{String("all"), ScopeAll},
		{String("ALL"), ""},
		{String("every"), ""},
		{Value{Set: true, NotString: true}, ""},
	} {
		got, err := ParseScope(c.v)
		if got != c.want || (err != nil) != (c.want == "") {
			t.Errorf("ParseScope(%+v) = %q, %v; want %q", c.v, got, err, c.want)
		}
		if err != nil && AsError(err).Code != CodeInvalidPayload {
			t.Errorf("ParseScope(%+v): %v, want INVALID_PAYLOAD", c.v, err)
		}
	}
}

func TestPresent(t *testing.T) {
	s := testService()
	r := httptest.NewRequest("POST", "/auth/refresh", nil)
	r.AddCookie(&http.Cookie{Name: "directus_refresh_token", Value: "from-refresh-cookie"})
	r.AddCookie(&http.Cookie{Name: sessionCookieName, Value: "from-session-cookie"})
	empty := httptest.NewRequest("POST", "/auth/refresh", nil)
	for _, c := range []struct {
		name, mode, body string
		cookies          CookieSource
		want             string // "" = refused
	}{
		{"json", "json", "from-body", r, "from-body"},
		{"json without a body token", "json", "", r, ""},
		{"cookie", "cookie", "from-body", r, "from-refresh-cookie"},
		{"session", "session", "from-body", r, "from-session-cookie"},
		{"cookie without the cookie", "cookie", "", empty, ""},
		{"session without the cookie", "session", "", empty, ""},
		{"no cookie source", "cookie", "", nil, ""},
		{"unknown mode", "bogus", "from-body", r, ""},
		{"empty mode", "", "from-body", r, ""},
	} {
		p, err := s.Present(c.mode, c.body, c.cookies)
		if p.Token != c.want || (err != nil) != (c.want == "") {
			t.Errorf("%s: got %+v %v, want token %q", c.name, p, err, c.want)
			continue
		}
		if err != nil && err != errNoRefreshToken {
			t.Errorf("%s: %v, want %v", c.name, err, errNoRefreshToken)
		}
		if err == nil && string(p.Mode) != c.mode {
			t.Errorf("%s: mode %q", c.name, p.Mode)
		}
	}
}

func TestRequireString(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string // "" = accepted
	}{
		{String("x"), ""},
		{String(" "), ""},
		{Value{}, `Invalid payload. "f" is required.`},
		{NullValue(), `Invalid payload. "f" must be a string.`},
		{Value{Set: true, NotString: true}, `Invalid payload. "f" must be a string.`},
		{String(""), `Invalid payload. "f" is not allowed to be empty.`},
	} {
		err := requireString("f", c.v)
		if got := errText(err); got != c.want {
			t.Errorf("requireString(%+v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Value{}, ""},
		{String(""), ""},
		{String("x"), ""},
		{NullValue(), `Invalid payload. "f" must be a string.`},
		{Value{Set: true, NotString: true}, `Invalid payload. "f" must be a string.`},
	} {
		if got := errText(optionalString("f", c.v)); got != c.want {
			t.Errorf("optionalString(%+v) = %q, want %q", c.v, got, c.want)
		}
	}
	if v := OptString(nil); v.Set {
		t.Error("OptString(nil) is set")
	}
	s := "x"
	if v := OptString(&s); v != String("x") {
		t.Errorf("OptString(&x) = %+v", v)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestValidEmail(t *testing.T) {
	for in, want := range map[string]bool{
		"a@example.com":                   true,
		"first.last+tag@sub.ex.io":        true,
		"a@b.local":                       true, // no TLD list
		"a@xn--bcher-kva.example":         true,
		"A@EXAMPLE.COM":                   true,
		"":                                false,
		"a":                               false,
		"@example.com":                    false,
		"a@":                              false,
		"a@localhost":                     false, // the domain needs a dot
		"a@.example.com":                  false,
		"a@example.com.":                  false,
		"a@example..com":                  false,
		"a@-example.com":                  false,
		"a@example-.com":                  false,
		"a@[127.0.0.1]":                   false,
		"a b@example.com":                 false,
		"a@exa mple.com":                  false,
		"a@example.com\n":                 false,
		"a\x00@example.com":               false,
		"<a@example.com>":                 false,
		"Name <a@example.com>":            false,
		"a@example.com, b@ex.com":         false,
		"a@x." + repeat("a", 64) + ".com": false, // a label over 63
		repeat("a", 250) + "@ex.com":      false, // over 254 in all
	} {
		if got := ValidEmail(in); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", in, got, want)
		}
	}
	if !ValidEmail("a@" + repeat("a", 63) + ".com") {
		t.Error("a 63-character label is valid")
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestLoginInputValidate(t *testing.T) {
	ok := LoginInput{Email: String("a@example.com"), Password: String("pw")}
	for _, c := range []struct {
		name string
		in   LoginInput
		mode Mode
		want string // "" = valid
	}{
		{"minimal", ok, ModeJSON, ""},
		{"mode session", with(ok, func(in *LoginInput) { in.Mode = String("session") }), ModeSession, ""},
		{"mode cookie", with(ok, func(in *LoginInput) { in.Mode = String("cookie") }), ModeCookie, ""},
		{"otp", with(ok, func(in *LoginInput) { in.OTP = String("123456") }), ModeJSON, ""},
		{"no email", with(ok, func(in *LoginInput) { in.Email = Value{} }), "", `Invalid payload. "email" is required.`},
		{"bad email", with(ok, func(in *LoginInput) { in.Email = String("nope") }), "", `Invalid payload. "email" must be a valid email.`},
		{"bad email, format skipped", with(ok, func(in *LoginInput) { in.Email = String("nope"); in.SkipEmailFormat = true }), ModeJSON, ""},
		{"no password", with(ok, func(in *LoginInput) { in.Password = Value{} }), "", `Invalid payload. "password" is required.`},
		{"empty password", with(ok, func(in *LoginInput) { in.Password = String("") }), "", `Invalid payload. "password" is not allowed to be empty.`},
		{"email first", LoginInput{}, "", `Invalid payload. "email" is required.`},
		{"bad mode", with(ok, func(in *LoginInput) { in.Mode = String("jwt") }), "", `Invalid payload. "mode" must be one of [cookie, json, session].`},
		{"null mode", with(ok, func(in *LoginInput) { in.Mode = NullValue() }), "", `Invalid payload. "mode" must be one of [cookie, json, session].`},
		{"numeric otp", with(ok, func(in *LoginInput) { in.OTP = Value{Set: true, NotString: true} }), "", `Invalid payload. "otp" must be a string.`},
	} {
		mode, err := c.in.validate()
		if got := errText(err); got != c.want || (err == nil && mode != c.mode) {
			t.Errorf("%s: got %q %q, want %q %q", c.name, mode, got, c.mode, c.want)
		}
	}
}

func with(in LoginInput, f func(*LoginInput)) LoginInput {
	f(&in)
	return in
}

func TestParseSameSite(t *testing.T) {
	for in, want := range map[string]http.SameSite{"none": http.SameSiteNoneMode, "None": http.SameSiteNoneMode,
		"lax": http.SameSiteLaxMode, "LAX": http.SameSiteLaxMode, "strict": http.SameSiteStrictMode,
		"": http.SameSiteStrictMode, "bogus": http.SameSiteStrictMode} {
		if got := ParseSameSite(in); got != want {
			t.Errorf("ParseSameSite(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCookieSpec(t *testing.T) {
	spec := CookieSpec{Name: "n", Domain: "example.com", Secure: true, SameSite: http.SameSiteNoneMode, MaxAge: 90 * time.Minute}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	set := spec.Set("v", now)
	if set.Name != "n" || set.Value != "v" || set.Path != "/" || set.Domain != "example.com" || set.MaxAge != 5400 ||
		!set.Expires.Equal(now.Add(90*time.Minute)) || set.Expires.Location() != time.UTC ||
		!set.HttpOnly || !set.Secure || set.SameSite != http.SameSiteNoneMode {
		t.Errorf("Set: %+v", set)
	}
	clear := spec.Clear()
	if clear.Name != "n" || clear.Value != "" || clear.Path != "/" || clear.Domain != "example.com" || clear.MaxAge >= 0 ||
		!clear.HttpOnly || !clear.Secure || clear.SameSite != http.SameSiteNoneMode {
		t.Errorf("Clear: %+v", clear)
	}
}

func TestTokensVisibleAndCookie(t *testing.T) {
	s := testService()
	for _, c := range []struct {
		mode            Mode
		access, refresh bool
		cookie          string
	}{
		{ModeJSON, true, true, ""},
		{ModeCookie, true, false, "directus_refresh_token"},
		{ModeSession, false, false, sessionCookieName},
	} {
		tok := Tokens{Mode: c.mode, AccessToken: "a", RefreshToken: "r", Expires: 1500 * time.Millisecond}
		a, r := tok.Visible()
		if (a != nil) != c.access || (r != nil) != c.refresh || (a != nil && *a != "a") || (r != nil && *r != "r") {
			t.Errorf("%s: Visible = %v, %v", c.mode, a, r)
		}
		ck := s.Cookie(tok)
		switch {
		case c.cookie == "" && ck != nil:
			t.Errorf("%s: cookie %v, want none", c.mode, ck)
		case c.cookie != "" && (ck == nil || ck.Name != c.cookie):
			t.Errorf("%s: cookie %v, want %s", c.mode, ck, c.cookie)
		case c.mode == ModeCookie && ck.Value != "r", c.mode == ModeSession && ck.Value != "a":
			t.Errorf("%s: cookie value %q", c.mode, ck.Value)
		}
		if tok.ExpiresMS() != 1500 {
			t.Errorf("ExpiresMS = %d", tok.ExpiresMS())
		}
	}
}

func TestLogoutAndRefreshFailureCookies(t *testing.T) {
	s := testService()
	both := httptest.NewRequest("POST", "/auth/logout", nil)
	both.AddCookie(&http.Cookie{Name: "directus_refresh_token", Value: "r"})
	both.AddCookie(&http.Cookie{Name: sessionCookieName, Value: "s"})
	onlySession := httptest.NewRequest("POST", "/auth/logout", nil)
	onlySession.AddCookie(&http.Cookie{Name: sessionCookieName, Value: "s"})
	none := httptest.NewRequest("POST", "/auth/logout", nil)
	names := func(cs []*http.Cookie) []string {
		var out []string
		for _, c := range cs {
			if c.MaxAge >= 0 {
				t.Errorf("clearing cookie %s has Max-Age %d", c.Name, c.MaxAge)
			}
			out = append(out, c.Name)
		}
		return out
	}
	if got := names(s.LogoutCookies(both)); !slices.Equal(got, []string{"directus_refresh_token", sessionCookieName}) {
		t.Errorf("both: %v", got)
	}
	if got := names(s.LogoutCookies(onlySession)); !slices.Equal(got, []string{sessionCookieName}) {
		t.Errorf("session only: %v", got)
	}
	if got := s.LogoutCookies(none); len(got) != 0 {
		t.Errorf("none: %v", got)
	}
	for _, c := range []struct {
		mode  Mode
		err   error
		clear bool
	}{
		{ModeSession, ErrInvalidCredentials, true},
		{ModeSession, ErrInvalidToken, true},
		{ModeSession, ErrTokenExpired, false},
		{ModeSession, ErrForbidden, false},
		{ModeCookie, ErrInvalidCredentials, false},
		{ModeJSON, ErrInvalidToken, false},
	} {
		got := s.RefreshFailureCookie(Presented{Mode: c.mode}, c.err)
		if (got != nil) != c.clear || (got != nil && (got.Name != sessionCookieName || got.MaxAge >= 0)) {
			t.Errorf("RefreshFailureCookie(%s, %v) = %v, want clear=%v", c.mode, c.err, got, c.clear)
		}
	}
	if got := cookies(nil, &http.Cookie{Name: "a"}, nil); len(got) != 1 || got[0].Name != "a" {
		t.Errorf("cookies drops nils: %v", got)
	}
}
