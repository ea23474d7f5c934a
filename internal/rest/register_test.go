package rest_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/models"
)

// The per-IP limit is off here (every request comes from 127.0.0.1);
// TestRegisterRateLimit covers it.
var registerEnv = []string{"PUBLIC_REGISTRATION=true", "REGISTER_STALL_TIME=20ms", "RATE_LIMITER_REGISTRATION_ENABLED=false"}

func register(s *apptest.Server, body map[string]any) *apptest.Response {
	return s.Post("/users/register", body)
}

// pathOf strips scheme and host from a link to this server.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestRegisterDisabledByDefault(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		wantError(t, register(s, map[string]any{"email": "new@example.com", "password": "a-long-password-1"}), 403, "FORBIDDEN", "")
		if _, err := s.App.Store.UserByEmail(context.Background(), "new@example.com"); err == nil {
			t.Fatal("disabled registration created a user")
		}
	})
}

func TestRegisterFlow(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		wantNoContent(t, register(s, map[string]any{"email": "New.User@example.com", "password": "a-long-password-1",
			"first_name": "New", "last_name": "User"}), "register")
		msgs := newMails(t, s, sink, 0)
		if len(msgs) != 1 {
			t.Fatalf("%d mails, want 1", len(msgs))
		}
		m := msgs[0]
		if m.Subject != "Verify your email address" || !slices.Equal(m.Rcpt, []string{"New.User@example.com"}) {
			t.Fatalf("mail subject %q rcpt %v", m.Subject, m.Rcpt)
		}
		link := mailtest.Link(t, m)
		const prefix = "http://gatehouse.test/users/register/verify-email?token="
		if !strings.HasPrefix(link, prefix) || len(link) <= len(prefix) {
			t.Fatalf("verify link %q", link)
		}
		u := user(t, s, "new.user@example.com")
		if u.Status != models.StatusUnverified || u.FirstName == nil || *u.FirstName != "New" || u.RoleID != nil {
			t.Fatalf("registered user: %+v", u)
		}
		wantError(t, s.Post("/auth/login", map[string]any{"email": "new.user@example.com", "password": "a-long-password-1"}), 401, "INVALID_CREDENTIALS", "")

		// Issue #17 changes Directus's behaviour here: a GET on the link shows a
		// button and verifies nothing (it was a 302 that verified); the button's
		// POST verifies. Directus's error codes remain on GraphQL.
		wantVerifyPage(t, s, link)
		if u := user(t, s, "new.user@example.com"); u.Status != models.StatusUnverified {
			t.Fatalf("a GET on the link changed the status to %s", u.Status)
		}
		wantPage(t, postVerify(s, link), 200, "Your email address is verified")
		s.Login("new.user@example.com", "a-long-password-1")
		wantPage(t, postVerify(s, link), 400, "already been used")
		wantPage(t, s.Do("GET", "/users/register/verify-email", nil), 400, "link is incomplete")
		wantPage(t, postVerify(s, "http://gatehouse.test/users/register/verify-email?token=garbage"), 403, "not valid")
		if !contains(actions(t, s, u.ID), "registered") || !contains(actions(t, s, u.ID), "email_verified") {
			t.Fatalf("audit: %v", actions(t, s, u.ID))
		}

		// An existing email (active, or still unverified) answers exactly like a new one.
		mailsBefore := len(sink.Messages())
		fresh := register(s, map[string]any{"email": "someone.else@example.com", "password": "a-long-password-1"})
		wantNoContent(t, fresh, "register new")
		for _, e := range []string{"new.user@example.com", "ADMIN@example.com", "someone.else@example.com"} {
			r := register(s, map[string]any{"email": e, "password": "another-long-password-2"})
			wantNoContent(t, r, "register existing "+e)
			if string(r.Body) != string(fresh.Body) || r.Header.Get("Content-Type") != fresh.Header.Get("Content-Type") {
				t.Fatalf("existing %s: body %q vs %q", e, r.Body, fresh.Body)
			}
		}
		// Nothing was overwritten.
		s.Login("new.user@example.com", "a-long-password-1")
		s.Login(admin, adminPW)
		// someone.else (still unverified) got the first link and a resent one; the active users got nothing.
		got := newMails(t, s, sink, mailsBefore)
		if len(got) != 2 {
			t.Fatalf("%d mails after registering, want 2", len(got))
		}
		for _, m := range got {
			if !slices.Equal(m.Rcpt, []string{"someone.else@example.com"}) {
				t.Fatalf("mail to %v after registering an existing email", m.Rcpt)
			}
		}

		wantError(t, register(s, map[string]any{"email": "x@example.com", "password": "a-long-password-1", "x": 1}), 400, "INVALID_PAYLOAD",
			`Invalid payload. "x" is not allowed.`)
		r := register(s, map[string]any{"email": "weak@example.com", "password": "short"})
		wantError(t, r, 400, "FAILED_VALIDATION", "")
		if strings.Contains(string(r.Body), `"short"`) {
			t.Fatalf("password echoed: %s", r.Body)
		}
		wantError(t, register(s, map[string]any{"email": "invalid", "password": "a-long-password-1"}), 400, "INVALID_PAYLOAD", "")
		wantError(t, register(s, map[string]any{"email": "x@example.com", "password": "a-long-password-1", "verification_url": "http://evil.example.com/v"}),
			400, "INVALID_PAYLOAD", `Invalid payload. URL "http://evil.example.com/v" can't be used to verify registered users.`)
		for _, e := range []string{"weak@example.com", "invalid", "x@example.com"} {
			if _, err := s.App.Store.UserByEmail(context.Background(), e); err == nil {
				t.Fatalf("a refused registration created %s", e)
			}
		}
	}, registerEnv...)
}

func TestRegisterEmailFilter(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		wantError(t, register(s, map[string]any{"email": "a@example.com", "password": "a-long-password-1"}), 403, "FORBIDDEN", "")
		wantError(t, register(s, map[string]any{"email": "a@sub.example.org", "password": "a-long-password-1"}), 403, "FORBIDDEN", "")
		wantError(t, register(s, map[string]any{"email": "a@example.org.evil.com", "password": "a-long-password-1"}), 403, "FORBIDDEN", "")
		wantNoContent(t, register(s, map[string]any{"email": "a@Example.ORG", "password": "a-long-password-1"}), "allowed domain")
		if _, err := s.App.Store.UserByEmail(context.Background(), "a@example.com"); err == nil {
			t.Fatal("filtered registration created a user")
		}
		if u := user(t, s, "a@example.org"); u.Status != models.StatusUnverified {
			t.Fatalf("status %s", u.Status)
		}
	}, append(registerEnv, "PUBLIC_REGISTRATION_EMAIL_FILTER=example.org")...)
}

func TestRegisterWithoutVerification(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		wantNoContent(t, register(s, map[string]any{"email": "quick@example.com", "password": "a-long-password-1"}), "register")
		if u := user(t, s, "quick@example.com"); u.Status != models.StatusActive {
			t.Fatalf("status %s, want active", u.Status)
		}
		s.Login("quick@example.com", "a-long-password-1")
		if got := newMails(t, s, sink, 0); len(got) != 0 {
			t.Fatalf("%d mails without verification", len(got))
		}
	}, append(registerEnv, "PUBLIC_REGISTRATION_VERIFY_EMAIL=false")...)
}

// fixedRole is the PUBLIC_REGISTRATION_ROLE given at start; the test creates
// a role through POST /roles and gives it this id.
const fixedRole = "5f0c1b7e-2a4d-4c1e-9b6a-0d3e2f1a4b5c"

func TestRegisterRole(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		id := createRole(t, s, "Members", false)
		if _, err := s.App.DB.NewUpdate().Model((*models.Role)(nil)).Set("id = ?", fixedRole).Where("id = ?", id).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantNoContent(t, register(s, map[string]any{"email": "member@example.com", "password": "a-long-password-1"}), "register")
		u := user(t, s, "member@example.com")
		if u.RoleID == nil || *u.RoleID != fixedRole {
			t.Fatalf("role %v, want %s", u.RoleID, fixedRole)
		}
		// The role shows in the token claims once verified.
		msgs := newMails(t, s, sink, 0)
		if len(msgs) != 1 {
			t.Fatalf("%d mails", len(msgs))
		}
		wantPage(t, postVerify(s, mailtest.Link(t, msgs[0])), 200, "is verified")
		c := claims(t, s.Login("member@example.com", "a-long-password-1").Data()["access_token"].(string))
		if c["role"] != fixedRole || c["admin_access"] != false {
			t.Fatalf("claims %v", c)
		}
	}, append(registerEnv, "PUBLIC_REGISTRATION_ROLE="+fixedRole)...)
}

func TestRegisterRateLimit(t *testing.T) {
	s := apptest.New(t, "sqlite3", "PUBLIC_REGISTRATION=true", "REGISTER_STALL_TIME=1ms", "PUBLIC_REGISTRATION_VERIFY_EMAIL=false")
	for i := range 5 {
		r := s.Post("/users/register", map[string]any{"email": fmt.Sprintf("r%d@example.com", i), "password": "a-long-password-1"})
		if r.StatusCode != 204 {
			t.Fatalf("registration %d: %d %s", i+1, r.StatusCode, r.Body)
		}
	}
	r := s.Post("/users/register", map[string]any{"email": "r6@example.com", "password": "a-long-password-1"})
	wantError(t, r, 429, "REQUESTS_EXCEEDED", "")
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" || !strings.HasPrefix(r.Message(), "Too many requests, retry after ") {
		t.Fatalf("429: Retry-After %q, %s", ra, r.Body)
	}
	if ext := r.JSON()["errors"].([]any)[0].(map[string]any)["extensions"].(map[string]any); ext["limit"] != float64(5) || ext["reset"] == nil {
		t.Fatalf("429 extensions: %v", ext)
	}
}
