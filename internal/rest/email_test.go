package rest_test

import (
	"context"

	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/models"
)

// A look-alike address (İ lowers to i under Unicode rules) is another
// account: it neither blocks the real one nor receives its mail.
func TestLookAlikeEmailsStayApart(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		const victim, lookAlike = "victim@gmail.com", "victim@gmaİl.com"
		for _, e := range []string{lookAlike, victim, "\u212Aevin@example.com", "kevin@example.com"} {
			r := s.Post("/users", map[string]any{"email": e, "password": "a-long-password-1"}, asAdmin...)
			wantStatus(t, r, 200, "create "+e)
		}
		// Case still does not matter for ASCII.
		s.Login("VICTIM@GMAIL.COM", "a-long-password-1")
		s.Login("Kevin@Example.com", "a-long-password-1")
		if u := user(t, s, victim); *u.Email != victim {
			t.Fatalf("%s resolves to %s", victim, *u.Email)
		}

		// The victim's reset mail goes to the victim only.
		requestReset(t, s, "Victim@Gmail.com", "")
		deliver(t, s)
		msgs := sink.Messages()
		if len(msgs) != 1 || !slices.Equal(msgs[0].Rcpt, []string{victim}) {
			t.Fatalf("reset for %s went to %v", victim, rcpts(msgs))
		}
		// The look-alike's goes to the look-alike.
		requestReset(t, s, lookAlike, "")
		deliver(t, s)
		rows := outbox(t, s)
		if len(rows) != 2 || rows[1].ToAddress != lookAlike {
			t.Fatalf("outbox: %d rows, last to %q", len(rows), rows[len(rows)-1].ToAddress)
		}

		// The filter compares normal forms too.
		wantNoContent(t, register(s, map[string]any{"email": "new@GMAIL.com", "password": "a-long-password-1"}), "register in gmail.com")
		wantError(t, register(s, map[string]any{"email": "new@gmaİl.com", "password": "a-long-password-1"}), 403, "FORBIDDEN", "")
		// What IDNA refuses is a bad payload, not a 500 or a stored row.
		wantError(t, register(s, map[string]any{"email": "new@xn--zz.com", "password": "a-long-password-1"}), 400, "INVALID_PAYLOAD", "")
		wantError(t, s.Post("/users", map[string]any{"email": "a@a_b.com", "password": "a-long-password-1"}, asAdmin...), 400, "INVALID_PAYLOAD", "")
		wantError(t, s.Post("/auth/login", map[string]any{"email": "a@a_b.com", "password": "a-long-password-1"}), 401, "INVALID_CREDENTIALS", "")
	}, append(registerEnv, "PUBLIC_REGISTRATION_EMAIL_FILTER=gmail.com")...)
}

func rcpts(msgs []mailtest.Mail) [][]string {
	var out [][]string
	for _, m := range msgs {
		out = append(out, m.Rcpt)
	}
	return out
}

// Rows keyed by the old Unicode lowering are rekeyed at start; the
// look-alike that held the real address's key gives it up.
func TestRekeyEmails(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		old := map[string]string{ // email → key as strings.ToLower wrote it
			"victim@gmaİl.com":  "victim@gmail.com",
			"JOSÉ@Bücher.de":    "josé@bücher.de",
			"plain@example.com": "plain@example.com",
		}
		ids := map[string]string{}
		for email, key := range old {
			u := s.CreateUser(email, "a-long-password-1")
			if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("email_lower = ?", key).
				Where("id = ?", u.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			ids[email] = u.ID
		}
		n, err := s.App.Auth.RekeyEmails(ctx)
		if err != nil || n != 2 {
			t.Fatalf("RekeyEmails = %d, %v; want 2", n, err)
		}
		for email, want := range map[string]string{
			"victim@gmaİl.com":  "victim@xn--gmail-bgd.com",
			"JOSÉ@Bücher.de":    "josÉ@xn--bcher-kva.de",
			"plain@example.com": "plain@example.com",
		} {
			u, err := s.App.Store.UserByEmail(ctx, want)
			if err != nil || u.ID != ids[email] {
				t.Fatalf("%s: key %q finds %v, %v", email, want, u, err)
			}
		}
		// The real address is free now, and a second run changes nothing.
		s.CreateUser("victim@gmail.com", "a-long-password-1")
		if n, err := s.App.Auth.RekeyEmails(ctx); err != nil || n != 0 {
			t.Fatalf("second RekeyEmails = %d, %v", n, err)
		}
	})
}
