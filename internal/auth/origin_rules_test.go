package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestOriginOf(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://gatehouse.test", "http://gatehouse.test"},
		{"http://Gatehouse.TEST/some/path?q=1", "http://gatehouse.test"},
		{"HTTPS://auth.example.com:8443/", "https://auth.example.com:8443"},
		{"https://auth.example.com:443", "https://auth.example.com:443"}, // as written: browsers omit default ports
		{"gatehouse.test", ""},
		{"/relative/path", ""},
		{"http://", ""},
		{"", ""},
		{"://no-scheme", ""},
		{"http://[::1", ""},
	} {
		if got := originOf(c.in); got != c.want {
			t.Errorf("originOf(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCheckOrigin(t *testing.T) {
	s := New(Deps{}, Settings{PublicURL: "https://auth.example.com/base",
		CORSOrigins: []string{" https://app.example.com ", "not a url", "http://localhost:3000/"}})
	for _, c := range []struct {
		origin string
		ok     bool
	}{
		{"", true}, // no Origin: not a cross-site browser request
		{"https://auth.example.com", true},
		{"HTTPS://AUTH.EXAMPLE.COM", true},
		{"https://app.example.com", true},
		{"http://localhost:3000", true},
		{"https://auth.example.com:8443", false},
		{"http://auth.example.com", false},
		{"https://auth.example.com.evil.example", false},
		{"https://evil.example", false},
		{"https://app.example.com/", false},
		{"null", false},
		{"not a url", false},
		{"http://localhost:3001", false},
	} {
		err := s.checkOrigin(context.Background(), c.origin)
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrForbidden)) {
			t.Errorf("checkOrigin(%q) = %v, want ok=%v (else FORBIDDEN)", c.origin, err, c.ok)
		}
	}
	// CORS_ORIGIN=true trusts every origin.
	anyOrigin := New(Deps{}, Settings{PublicURL: "https://auth.example.com", AnyOrigin: true})
	for _, o := range []string{"https://evil.example", "null", ""} {
		if err := anyOrigin.checkOrigin(context.Background(), o); err != nil {
			t.Errorf("AnyOrigin: checkOrigin(%q) = %v", o, err)
		}
	}
	// Without a public URL or CORS origins, only requests without Origin pass.
	bare := New(Deps{}, Settings{})
	if bare.checkOrigin(context.Background(), "") != nil || bare.checkOrigin(context.Background(), "http://localhost") == nil {
		t.Error("no trusted origins: want only an absent Origin accepted")
	}
}

const sessionCookieName = "directus_session_token"

func testService() *Service {
	return New(Deps{Secret: []byte("a-secret-of-at-least-32-characters!!")}, Settings{
		PublicURL:     "https://auth.example.com",
		Grace:         10 * time.Second,
		RefreshCookie: CookieSpec{Name: "directus_refresh_token", Domain: "example.com", Secure: true, SameSite: http.SameSiteLaxMode, MaxAge: time.Hour},
		SessionCookie: CookieSpec{Name: sessionCookieName, SameSite: http.SameSiteStrictMode, MaxAge: 24 * time.Hour},
	})
}

func TestCredentialFrom(t *testing.T) {
	s := testService()
	type want struct {
		token  string
		source Source
		err    bool
	}
	for _, c := range []struct {
		name   string
		query  string
		auth   string
		cookie string
		want   want
	}{
		{"nothing", "", "", "", want{"", SourceNone, false}},
		{"query", "?access_token=q", "", "", want{"q", SourceQuery, false}},
		{"bearer", "", "Bearer h", "", want{"h", SourceHeader, false}},
		{"bearer any case", "", "bEaReR h", "", want{"h", SourceHeader, false}},
		{"cookie", "", "", "c", want{"c", SourceCookie, false}},
		{"query beats cookie", "?access_token=q", "", "c", want{"q", SourceQuery, false}},
		{"bearer beats cookie", "", "Bearer h", "c", want{"h", SourceHeader, false}},
		{"query and bearer", "?access_token=q", "Bearer h", "", want{"", SourceNone, true}},
		{"basic is no bearer", "", "Basic h", "c", want{"c", SourceCookie, false}},
		{"bearer without token", "", "Bearer ", "", want{"", SourceNone, false}},
		{"bearer with spaces", "", "Bearer a b", "", want{"", SourceNone, false}},
		{"empty query", "?access_token=", "", "c", want{"c", SourceCookie, false}},
	} {
		r := httptest.NewRequest("GET", "/users/me"+c.query, nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if c.cookie != "" {
			r.AddCookie(&http.Cookie{Name: sessionCookieName, Value: c.cookie})
		}
		got, err := s.CredentialFrom(r)
		if (err != nil) != c.want.err || got.Token != c.want.token || got.Source != c.want.source {
			t.Errorf("%s: got %+v %v, want %+v", c.name, got, err, c.want)
		}
		if err != nil && AsError(err).Code != CodeInvalidPayload {
			t.Errorf("%s: error %v, want INVALID_PAYLOAD", c.name, err)
		}
	}
}

func TestClearsSessionCookie(t *testing.T) {
	cookie, header := Credential{Token: "x", Source: SourceCookie}, Credential{Token: "x", Source: SourceHeader}
	for _, c := range []struct {
		cred Credential
		err  error
		want bool
	}{
		{cookie, ErrInvalidCredentials, true},
		{cookie, ErrInvalidToken, true},
		{cookie, ErrTokenExpired, false}, // Directus keeps an expired cookie
		{cookie, ErrForbidden, false},
		{cookie, nil, false},
		{header, ErrInvalidCredentials, false},
		{header, ErrInvalidToken, false},
	} {
		if got := ClearsSessionCookie(c.cred, c.err); got != c.want {
			t.Errorf("ClearsSessionCookie(%v, %v) = %v, want %v", c.cred.Source, c.err, got, c.want)
		}
	}
}
