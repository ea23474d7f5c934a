package rest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/models"
)

const allowedInvite = "http://allowed.example.com/invite"

func invite(s *apptest.Server, body map[string]any) *apptest.Response {
	return s.Post("/users/invite", body, asAdmin...)
}

func acceptInvite(s *apptest.Server, token, pw string) *apptest.Response {
	return s.Post("/users/invite/accept", map[string]any{"token": token, "password": pw})
}

// newMails delivers the outbox and returns the mails received since before.
func newMails(t *testing.T, s *apptest.Server, sink *mailtest.Server, before int) []mailtest.Mail {
	t.Helper()
	deliver(t, s)
	return sink.Messages()[before:]
}

// auditCount counts audit rows with action whose detail or user is about.
func auditCount(t *testing.T, s *apptest.Server, action, about string) int {
	t.Helper()
	var rows []models.Activity
	if err := s.App.DB.NewSelect().Model(&rows).Where("action = ?", action).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range rows {
		if (a.Detail != nil && strings.Contains(*a.Detail, about)) || (a.UserID != nil && *a.UserID == about) ||
			(a.Item != nil && *a.Item == about) {
			n++
		}
	}
	return n
}

func TestInviteFlow(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		role := createRole(t, s, "Invitees", false)
		wantNoContent(t, invite(s, map[string]any{"email": "I1@example.com", "role": role}), "invite")
		msgs := newMails(t, s, sink, 0)
		if len(msgs) != 1 {
			t.Fatalf("%d mails, want 1", len(msgs))
		}
		m := msgs[0]
		if m.Subject != "You've been invited" || !slices.Equal(m.Rcpt, []string{"I1@example.com"}) {
			t.Fatalf("mail subject %q rcpt %v", m.Subject, m.Rcpt)
		}
		link := mailtest.Link(t, m)
		const prefix = "http://gatehouse.test/admin/accept-invite?token="
		if !strings.HasPrefix(link, prefix) || len(link) <= len(prefix) {
			t.Fatalf("invite link %q", link)
		}
		tok := tokenOf(t, link)

		u := user(t, s, "i1@example.com")
		if u.Status != models.StatusInvited || u.Email == nil || *u.Email != "I1@example.com" || u.RoleID == nil || *u.RoleID != role || u.Password != nil {
			t.Fatalf("invited user: %+v", u)
		}
		// Invited users can't log in, whatever they type.
		wantError(t, s.Post("/auth/login", map[string]any{"email": "i1@example.com", "password": "anything-at-all"}), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/auth/login", map[string]any{"email": "i1@example.com", "password": ""}), 400, "INVALID_PAYLOAD", "")

		// A weak password is refused and leaves the invite usable.
		wantError(t, acceptInvite(s, tok, "short"), 400, "FAILED_VALIDATION", "")
		if r := acceptInvite(s, tok, "short"); strings.Contains(string(r.Body), `"short"`) {
			t.Fatalf("policy error echoes the password: %s", r.Body)
		}
		wantError(t, acceptInvite(s, "not-a-real-token", "a-long-password-1"), 403, "INVALID_TOKEN", "")
		wantError(t, s.Post("/users/invite/accept", map[string]any{"token": tok}), 400, "INVALID_PAYLOAD", "")
		wantError(t, s.Post("/users/invite/accept", map[string]any{"token": tok, "password": "a-long-password-1", "x": 1}), 400, "INVALID_PAYLOAD",
			`Invalid payload. "x" is not allowed.`)

		wantNoContent(t, acceptInvite(s, tok, "a-long-password-1"), "accept")
		if u := user(t, s, "i1@example.com"); u.Status != models.StatusActive {
			t.Fatalf("status after accept: %s", u.Status)
		}
		s.Login("i1@example.com", "a-long-password-1")
		wantError(t, acceptInvite(s, tok, "a-long-password-2"), 400, "INVALID_INVITE", "This invite is no longer valid.")
		s.Login("i1@example.com", "a-long-password-1") // the second accept changed nothing

		acts := actions(t, s, u.ID)
		if !contains(acts, "invite_accepted") {
			t.Fatalf("audit for %s: %v", u.ID, acts)
		}
		if auditCount(t, s, "invite_sent", "I1@example.com")+auditCount(t, s, "invite_sent", u.ID) == 0 {
			t.Fatal("no invite_sent audit row")
		}
	}, "USER_INVITE_URL_ALLOW_LIST="+allowedInvite)
}

func TestInviteManyAndExisting(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		role := createRole(t, s, "Invitees", false)
		wantNoContent(t, invite(s, map[string]any{"email": []string{"a1@example.com", "a2@example.com"}, "role": role}), "invite many")
		msgs := newMails(t, s, sink, 0)
		if len(msgs) != 2 {
			t.Fatalf("%d mails, want 2", len(msgs))
		}
		var to []string
		for _, m := range msgs {
			to = append(to, m.Rcpt...)
		}
		slices.Sort(to)
		if !slices.Equal(to, []string{"a1@example.com", "a2@example.com"}) {
			t.Fatalf("recipients %v", to)
		}
		for _, e := range []string{"a1@example.com", "a2@example.com"} {
			if u := user(t, s, e); u.Status != models.StatusInvited {
				t.Fatalf("%s: %s", e, u.Status)
			}
		}

		// An invited user invited again gets a fresh link; both work until one is used.
		first := tokenOf(t, mailtest.Link(t, msgs[0]))
		wantNoContent(t, invite(s, map[string]any{"email": msgs[0].Rcpt[0], "role": role}), "re-invite")
		again := newMails(t, s, sink, 2)
		if len(again) != 1 {
			t.Fatalf("re-invite: %d mails", len(again))
		}
		second := tokenOf(t, mailtest.Link(t, again[0]))
		if first == second {
			t.Fatal("re-invite reused the token")
		}
		wantNoContent(t, acceptInvite(s, second, "a-long-password-1"), "accept re-invite")
		wantError(t, acceptInvite(s, first, "a-long-password-1"), 400, "INVALID_INVITE", "This invite is no longer valid.")

		// An existing active user: 204, no mail, nothing changed.
		before := len(sink.Messages())
		adminBefore := user(t, s, admin)
		wantNoContent(t, invite(s, map[string]any{"email": "ADMIN@example.com", "role": role}), "invite existing")
		if got := newMails(t, s, sink, before); len(got) != 0 {
			t.Fatalf("existing user got %d mails", len(got))
		}
		if u := user(t, s, admin); u.Status != models.StatusActive || *u.RoleID != *adminBefore.RoleID {
			t.Fatalf("existing user changed: %+v", u)
		}
		s.Login(admin, adminPW)
	})
}

func TestInviteValidation(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		role := createRole(t, s, "Invitees", false)
		wantError(t, invite(s, map[string]any{"email": "x@example.com", "role": "abc"}), 400, "INVALID_PAYLOAD", `Invalid payload. "role" must be a valid GUID.`)
		wantError(t, invite(s, map[string]any{"email": "x@example.com", "role": role, "foo": "bar"}), 400, "INVALID_PAYLOAD", `Invalid payload. "foo" is not allowed.`)
		wantError(t, invite(s, map[string]any{"email": "x@example.com", "role": role, "invite_url": "http://evil.example.com/x"}), 400, "INVALID_PAYLOAD",
			`Invalid payload. URL "http://evil.example.com/x" can't be used to invite users.`)
		wantError(t, invite(s, map[string]any{"email": "invalid", "role": role}), 400, "INVALID_PAYLOAD", `Invalid payload. "email" must be a valid email.`)
		wantError(t, invite(s, map[string]any{"role": role}), 400, "INVALID_PAYLOAD", "")
		wantError(t, invite(s, map[string]any{"email": "x@example.com"}), 400, "INVALID_PAYLOAD", "")
		wantError(t, invite(s, map[string]any{"email": 42, "role": role}), 400, "INVALID_PAYLOAD", "")
		wantError(t, invite(s, map[string]any{"email": "x@example.com", "role": "00000000-0000-4000-8000-000000000000"}), 400, "INVALID_PAYLOAD", "")
		if r := s.Post("/users/invite", map[string]any{"email": "x@example.com", "role": role}); r.StatusCode != 403 || r.Code() != "FORBIDDEN" {
			t.Fatalf("anonymous invite: %d %s", r.StatusCode, r.Body)
		}
		// None of that created a user or queued a mail.
		if _, err := s.App.Store.UserByEmail(context.Background(), "x@example.com"); err == nil {
			t.Fatal("a refused invite created a user")
		}
		if n := deliver(t, s); n != 0 || len(sink.Messages()) != 0 {
			t.Fatalf("a refused invite sent mail: %d", n)
		}

		// An allowed invite_url keeps its query and gains the token.
		wantNoContent(t, invite(s, map[string]any{"email": "y@example.com", "role": role, "invite_url": allowedInvite + "?src=mail"}), "invite with url")
		msgs := newMails(t, s, sink, 0)
		if len(msgs) != 1 {
			t.Fatalf("%d mails", len(msgs))
		}
		link := mailtest.Link(t, msgs[0])
		if !strings.HasPrefix(link, allowedInvite+"?") || !strings.Contains(link, "src=mail") || tokenOf(t, link) == "" {
			t.Fatalf("custom invite link %q", link)
		}
	}, "USER_INVITE_URL_ALLOW_LIST="+allowedInvite)
}
