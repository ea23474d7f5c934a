package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/models"
)

func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, "success"},
		{ErrInvalidCredentials, "invalid_credentials"},
		{fmt.Errorf("wrapped: %w", ErrInvalidCredentials), "invalid_credentials"},
		{ErrInvalidOTP, "invalid_otp"},
		{InvalidPayload("x"), "invalid_payload"},
		{RequestsExceeded(ratelimit.Result{Limit: 1}, time.Now()), "limited"},
		{ServiceUnavailable("database", "down"), "unavailable"},
		{ErrUserSuspended, "error"},
		{ErrForbidden, "error"},
		{internal(errors.New("boom")), "error"},
		{errors.New("not ours"), "error"},
	} {
		if got := outcome(c.err); got != c.want {
			t.Errorf("outcome(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	// Is matches by code, whatever the instance and message.
	if !errors.Is(InvalidPayload("a"), InvalidPayload("b")) || errors.Is(ErrForbidden, ErrInvalidCredentials) ||
		!errors.Is(fmt.Errorf("x: %w", ForbiddenReason("why")), ErrForbidden) || errors.Is(errors.New("FORBIDDEN"), ErrForbidden) {
		t.Error("Error.Is does not match by code")
	}
	// AsError keeps ours, hides everything else behind INTERNAL_SERVER_ERROR.
	if AsError(nil) != ErrInternal {
		t.Error("AsError(nil) is not ErrInternal")
	}
	if e := AsError(fmt.Errorf("ctx: %w", ErrTokenExpired)); e != ErrTokenExpired {
		t.Errorf("AsError(wrapped) = %v", e)
	}
	cause := errors.New("pq: password authentication failed for user secret")
	e := AsError(cause)
	if e.Code != CodeInternal || strings.Contains(e.Message, "secret") || e.Message != ErrInternal.Message || !errors.Is(e, cause) {
		t.Errorf("AsError(foreign) = %+v", e)
	}
	// A database that does not answer is SERVICE_UNAVAILABLE, still without the cause.
	for _, down := range []error{context.DeadlineExceeded, fmt.Errorf("query: %w", context.DeadlineExceeded)} {
		if e := internal(down); e.Code != CodeServiceUnavailable || !strings.Contains(e.Message, `"database"`) || errors.Unwrap(e) != down {
			t.Errorf("internal(%v) = %+v", down, e)
		}
	}
	for _, c := range []struct {
		e                 *Error
		code, msg, reason string
	}{
		{InvalidPayload(`"x" is required`), CodeInvalidPayload, `Invalid payload. "x" is required.`, `"x" is required`},
		{InvalidQuery("bad"), CodeInvalidQuery, "Invalid query. bad.", "bad"},
		{ForbiddenReason("no"), CodeForbidden, "no", "no"},
		{ServiceUnavailable("email", "Down"), CodeServiceUnavailable, `Service "email" is unavailable. Down.`, "Down"},
		{RouteNotFound("/x"), CodeRouteNotFound, "Route /x doesn't exist.", ""},
	} {
		if c.e.Code != c.code || c.e.Error() != c.msg || (c.reason != "" && c.e.Extensions["reason"] != c.reason) {
			t.Errorf("%+v, want %s %q reason %q", c.e, c.code, c.msg, c.reason)
		}
	}
	if RouteNotFound("/x").Extensions["path"] != "/x" {
		t.Error("RouteNotFound lacks the path")
	}
}

func TestRequestsExceeded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := RequestsExceeded(ratelimit.Result{Limit: 5, Reset: now.Add(1500 * time.Millisecond)}, now)
	if e.Code != CodeRequestsExceeded || e.RetryAfter != 1500*time.Millisecond || e.RetryAfterSeconds() != 2 ||
		e.Extensions["limit"] != 5 || e.Extensions["reset"] != "2026-01-01T00:00:01.500Z" || !strings.Contains(e.Message, "retry after") {
		t.Errorf("RequestsExceeded: %+v", e)
	}
	// A window without an end: retry now, reset now.
	e = RequestsExceeded(ratelimit.Result{Limit: 5}, now)
	if e.RetryAfter != 0 || e.Extensions["reset"] != "2026-01-01T00:00:00.000Z" {
		t.Errorf("RequestsExceeded without reset: %+v", e)
	}
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 3 * time.Second: 3, time.Hour: 3600} {
		if got := (&Error{RetryAfter: d}).RetryAfterSeconds(); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestClaimsFor(t *testing.T) {
	role := "r1"
	for _, c := range []struct {
		name       string
		u          *models.User
		app, admin bool
	}{
		{"no role", &models.User{ID: "u"}, false, false},
		{"role id without row", &models.User{ID: "u", RoleID: &role}, false, false},
		{"app role", &models.User{ID: "u", RoleID: &role, Role: &models.Role{ID: role, AppAccess: true}}, true, false},
		{"admin role", &models.User{ID: "u", RoleID: &role, Role: &models.Role{ID: role, AdminAccess: true}}, false, true},
		{"both", &models.User{ID: "u", RoleID: &role, Role: &models.Role{ID: role, AppAccess: true, AdminAccess: true}}, true, true},
	} {
		got := claimsFor(c.u)
		if got.UserID != "u" || got.Role != c.u.RoleID || got.AppAccess != c.app || got.AdminAccess != c.admin ||
			got.Session != "" || got.Generation != 0 {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
	a := accountabilityOf(&models.User{ID: "u", RoleID: &role, Role: &models.Role{ID: role, AdminAccess: true}})
	if a.UserID != "u" || !a.Admin || a.App || !a.StaticToken || a.RoleID != &role {
		t.Errorf("accountabilityOf: %+v", a)
	}
	if a := accountabilityOf(&models.User{ID: "u"}); a.Admin || a.App || !a.StaticToken {
		t.Errorf("accountabilityOf without role: %+v", a)
	}
}

func TestNormalRecovery(t *testing.T) {
	for in, want := range map[string]string{
		"abcd2345-efgh6789":     "abcd2345efgh6789",
		"ABCD2345-EFGH6789":     "abcd2345efgh6789",
		" abcd2345 efgh6789 \n": "abcd2345efgh6789",
		"ab-cd-23-45efgh6789":   "abcd2345efgh6789",
		"":                      "",
	} {
		if got := normalRecovery(in); got != want {
			t.Errorf("normalRecovery(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchTOTP(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Unix(1_800_000_015, 0) // mid-step
	step := now.Unix() / totpPeriod
	code := func(s int64) string {
		c, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, c := range []struct {
		name string
		code string
		step int64
		ok   bool
	}{
		{"current", code(step), step, true},
		{"previous", code(step - 1), step - 1, true},
		{"next", code(step + 1), step + 1, true},
		{"two back", code(step - 2), 0, false},
		{"two ahead", code(step + 2), 0, false},
		{"short", code(step)[:5], 0, false},
		{"long", code(step) + "0", 0, false},
		{"empty", "", 0, false},
		{"letters", "abcdef", 0, false},
	} {
		got, ok := matchTOTP(secret, c.code, now)
		if ok != c.ok || got != c.step {
			t.Errorf("%s (%q): step %d ok %v, want %d %v", c.name, c.code, got, ok, c.step, c.ok)
		}
	}
	if _, ok := matchTOTP("not base32!", "123456", now); ok {
		t.Error("an unreadable secret matched")
	}
	// Exactly at a step boundary the new step is current.
	edge := time.Unix((step+1)*totpPeriod, 0)
	if got, ok := matchTOTP(secret, code(step+1), edge); !ok || got != step+1 {
		t.Errorf("at the boundary: %d %v", got, ok)
	}
}

func TestSecretsAndMarks(t *testing.T) {
	if got := hashSecret("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("hashSecret is not hex SHA-256: %s", got)
	}
	if HashStaticToken("abc") != hashSecret("abc") {
		t.Error("static tokens are not stored as SHA-256")
	}
	p1, p2, empty := "hash-one", "hash-two", ""
	m1 := passwordMark(&models.User{Password: &p1})
	if len(m1) != 16 || m1 == passwordMark(&models.User{Password: &p2}) || m1 != passwordMark(&models.User{Password: &p1}) {
		t.Errorf("passwordMark does not follow the password: %q", m1)
	}
	if passwordMark(&models.User{}) != passwordMark(&models.User{Password: &empty}) || passwordMark(&models.User{}) == m1 {
		t.Error("passwordMark without a password")
	}
	a, ha, err := newSecret()
	b, _, _ := newSecret()
	if err != nil || len(a) != 43 || a == b || ha != hashSecret(a) || strings.ContainsAny(a, "+/=") {
		t.Errorf("newSecret: %q %q %v", a, ha, err)
	}
}

func TestWithToken(t *testing.T) {
	for _, c := range []struct{ link, want string }{
		{"https://app.example.com/reset", "https://app.example.com/reset?token=T%2BU"},
		{"https://app.example.com/reset?lang=fr", "https://app.example.com/reset?lang=fr&token=T%2BU"},
		{"https://app.example.com/reset?token=old", "https://app.example.com/reset?token=T%2BU"},
		{"https://app.example.com/r#frag", "https://app.example.com/r?token=T%2BU#frag"},
	} {
		got := withToken(c.link, "T+U")
		if got != c.want {
			t.Errorf("withToken(%q) = %q, want %q", c.link, got, c.want)
		}
		if u, _ := url.Parse(got); u.Query().Get("token") != "T+U" {
			t.Errorf("withToken(%q): token reads back as %q", c.link, u.Query().Get("token"))
		}
	}
	if got := withToken("http://[::1", "t"); got != "http://[::1" {
		t.Errorf("an unparsable link changed: %q", got)
	}
}

func TestPickFields(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want []string // nil = refused
	}{
		{nil, UserFields},
		{[]string{""}, UserFields},
		{[]string{"*"}, UserFields},
		{[]string{"id,email"}, []string{"id", "email"}},
		{[]string{"email", "id"}, []string{"email", "id"}},
		{[]string{" id , ,email "}, []string{"id", "email"}},
		{[]string{"id,id,email,id"}, []string{"id", "email"}},
		{[]string{"id", "*"}, UserFields[:]},
		{[]string{"nope"}, nil},
		{[]string{"id,password_hash"}, nil},
	} {
		got, err := pickFields(c.in)
		if c.want == nil {
			if err == nil || AsError(err).Code != CodeForbidden {
				t.Errorf("pickFields(%q) = %v, %v; want FORBIDDEN", c.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("pickFields(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestUserViewConceals(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	v := &UserView{ID: "u", Status: "active", Provider: "default", HasPassword: true, HasToken: false, TFAEnabled: true, LastAccess: &at}
	for f, want := range map[string]any{"password": concealed, "token": nil, "tfa_secret": concealed, "id": "u",
		"status": "active", "provider": "default", "last_access": "2026-01-02T02:04:05Z", "unknown": nil} {
		if got := v.Field(f); got != want {
			t.Errorf("Field(%q) = %v, want %v", f, got, want)
		}
	}
	if (&UserView{}).Field("last_access") != nil {
		t.Error("an unset last_access is not null")
	}
}

func TestOptional(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want *string
	}{
		{"", 5, nil},
		{"abc", 5, ptr("abc")},
		{"abcdef", 3, ptr("abc")},
		{"hé", 2, ptr("h")}, // never half a rune
		{"ééé", 5, ptr("éé")},
	} {
		got := optional(c.in, c.max)
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("optional(%q, %d) = %v, want %v", c.in, c.max, deref(got), deref(c.want))
		}
	}
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestTFASealing(t *testing.T) {
	s := testService()
	sealed, err := s.sealTFA("user-1", "JBSWY3DPEHPK3PXP")
	if err != nil || !strings.HasPrefix(sealed, sealedPrefix) || strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealTFA: %q %v", sealed, err)
	}
	if again, _ := s.sealTFA("user-1", "JBSWY3DPEHPK3PXP"); again == sealed {
		t.Error("sealing is deterministic (no fresh nonce)")
	}
	if plain, err := s.openTFA("user-1", sealed); err != nil || plain != "JBSWY3DPEHPK3PXP" {
		t.Errorf("openTFA: %q %v", plain, err)
	}
	other := New(Deps{Secret: []byte("another-secret-of-at-least-32-characters")}, Settings{})
	for name, open := range map[string]func() (string, error){
		"another user":   func() (string, error) { return s.openTFA("user-2", sealed) },
		"another SECRET": func() (string, error) { return other.openTFA("user-1", sealed) },
		"not base64":     func() (string, error) { return s.openTFA("user-1", sealedPrefix+"!!!") },
		"too short":      func() (string, error) { return s.openTFA("user-1", sealedPrefix+"AAAA") },
		"no SECRET":      func() (string, error) { return New(Deps{}, Settings{}).openTFA("user-1", sealed) },
	} {
		if plain, err := open(); err == nil || plain != "" {
			t.Errorf("%s: opened %q", name, plain)
		}
	}
	// Directus stores plain base32: it reads as is.
	if plain, err := s.openTFA("user-1", "JBSWY3DPEHPK3PXP"); err != nil || plain != "JBSWY3DPEHPK3PXP" {
		t.Errorf("plain secret: %q %v", plain, err)
	}
	if _, err := New(Deps{}, Settings{}).sealTFA("u", "x"); err == nil {
		t.Error("sealed without a SECRET")
	}
}

type failingLimiter struct{ res ratelimit.Result }

func (f *failingLimiter) Allow(context.Context, string) (ratelimit.Result, error) {
	if f == nil {
		panic("called through a nil limiter")
	}
	if !f.res.Allowed && f.res.Limit == 0 {
		return ratelimit.Result{}, errors.New("redis down")
	}
	return f.res, nil
}
func (f *failingLimiter) Reset(context.Context, string) error { return nil }

func TestAllow(t *testing.T) {
	s := testService()
	ctx := context.Background()
	var typedNil *failingLimiter
	for name, c := range map[string]struct {
		l    Limiter
		want bool
	}{
		"no limiter":     {nil, true},
		"typed nil":      {typedNil, true},
		"limiter down":   {&failingLimiter{}, true}, // fail open
		"allowed":        {&failingLimiter{ratelimit.Result{Allowed: true, Limit: 5}}, true},
		"over the limit": {&failingLimiter{ratelimit.Result{Allowed: false, Limit: 5}}, false},
	} {
		if _, ok := s.allow(ctx, c.l, "k"); ok != c.want {
			t.Errorf("%s: allow = %v, want %v", name, ok, c.want)
		}
	}
}
