package rest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/models"
)

// rawOutbox reads every outbox row's html and text columns as stored.
func rawOutbox(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	rows, err := s.App.DB.QueryContext(context.Background(), "SELECT html, text FROM gh_outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var html, text string
		if err := rows.Scan(&html, &text); err != nil {
			t.Fatal(err)
		}
		out = append(out, html, text)
	}
	return out
}

// Issue #17 item 5: a read of the outbox table (a backup, a replica) must
// not yield a working link, neither while queued nor after delivery; the
// real SMTP server still gets the right mail, whose link works.
func TestOutboxHoldsNoLiveLinks(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		requestReset(t, s, admin, "")
		wantNoContent(t, register(s, map[string]any{"email": "reg@example.com", "password": "a-long-password-1"}), "register")
		queued := rawOutbox(t, s)
		if len(queued) != 4 {
			t.Fatalf("%d body columns queued, want 4", len(queued))
		}
		msgs := newMails(t, s, sink, 0)
		if len(msgs) != 2 {
			t.Fatalf("%d mails, want 2", len(msgs))
		}
		for _, m := range msgs {
			tok := tokenOf(t, mailtest.Link(t, m))
			for _, col := range queued {
				if strings.Contains(col, tok) || strings.Contains(col, "token=") || strings.Contains(col, "gatehouse.test") {
					t.Fatalf("a queued body is readable: %q", col)
				}
			}
		}
		for _, col := range rawOutbox(t, s) {
			if col != "" {
				t.Fatalf("a delivered body was kept: %q", col)
			}
		}
		// The delivered links work.
		reset, verify := mailtest.Link(t, msgs[0]), mailtest.Link(t, msgs[1])
		if !strings.Contains(reset, "/admin/reset-password?token=") {
			reset, verify = verify, reset
		}
		wantNoContent(t, resetPW(s, tokenOf(t, reset), "a-brand-new-password-1"), "reset with the mailed link")
		s.Login(admin, "a-brand-new-password-1")
		wantPage(t, postVerify(s, verify), 200, "is verified")
		s.Login("reg@example.com", "a-long-password-1")
	}, registerEnv...)
}

// Sent and abandoned messages go after EMAIL_OUTBOX_RETENTION, in the
// purge the app runs every PURGE_INTERVAL; pending ones stay.
func TestOutboxPurgedAfterRetention(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		ctx := context.Background()
		requestReset(t, s, admin, "")
		deliver(t, s)          // sent
		sink.SetTempFail(true) // the next one fails once and, with EMAIL_MAX_ATTEMPTS=1, is abandoned
		s.CreateUser("other@example.com", "a-long-password-1")
		requestReset(t, s, "other@example.com", "")
		deliver(t, s)
		requestReset(t, s, admin, "") // pending, as old as the others: the worker did not run
		statuses := map[string]int{}
		for _, m := range outbox(t, s) {
			statuses[m.Status]++
		}
		if len(statuses) != 3 || statuses[models.MessageSent] != 1 || statuses[models.MessageAbandoned] != 1 || statuses[models.MessagePending] != 1 {
			t.Fatalf("outbox: %v", statuses)
		}
		s.Clock.Advance(24*time.Hour - time.Second)
		if n, err := s.App.Outbox.Purge(ctx); err != nil || n != 0 {
			t.Fatalf("purge within retention: %d %v", n, err)
		}
		s.Clock.Advance(2 * time.Second)
		if n, err := s.App.Outbox.Purge(ctx); err != nil || n != 2 {
			t.Fatalf("purge after retention: %d %v, want 2", n, err)
		}
		if rows := outbox(t, s); len(rows) != 1 || rows[0].Status != models.MessagePending {
			t.Fatalf("after purge: %+v", rows)
		}
	}, "EMAIL_OUTBOX_RETENTION=1d", "EMAIL_MAX_ATTEMPTS=1")
}

// Issue #17 item 6: someone registers the victim's address with their own
// password; the victim registers too and verifies through their mail. Only
// the victim's password works, and a GET on a link changes nothing.
func TestRegisterPreAccountTakeover(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		const victim, attackerPW, victimPW = "victim@example.com", "attacker-chosen-pw-1", "victim-chosen-pw-2"
		wantNoContent(t, register(s, map[string]any{"email": victim, "password": attackerPW}), "attacker registers")
		s.Clock.Advance(time.Second) // the outbox sends oldest first
		wantNoContent(t, register(s, map[string]any{"email": victim, "password": victimPW}), "victim registers")
		msgs := newMails(t, s, sink, 0)
		if len(msgs) != 2 {
			t.Fatalf("%d mails, want 2", len(msgs))
		}
		first, second := mailtest.Link(t, msgs[0]), mailtest.Link(t, msgs[1])
		// A mail scanner follows both links: nothing changes.
		wantVerifyPage(t, s, first)
		wantVerifyPage(t, s, second)
		if u := user(t, s, victim); u.Status != models.StatusUnverified {
			t.Fatalf("a GET verified the account: %s", u.Status)
		}
		wantPage(t, postVerify(s, second), 200, "is verified")
		wantError(t, s.Post("/auth/login", map[string]any{"email": victim, "password": attackerPW}), 401, "INVALID_CREDENTIALS", "")
		s.Login(victim, victimPW)
		// The attacker's link died with the verification.
		wantPage(t, postVerify(s, first), 400, "already been used")
		s.Login(victim, victimPW)

		// The other order: the victim registered first and uses their own
		// (older) mail; the attacker's later registration changes nothing.
		const v2 = "early@example.com"
		before := len(sink.Messages())
		wantNoContent(t, register(s, map[string]any{"email": v2, "password": victimPW}), "victim registers")
		s.Clock.Advance(time.Second)
		wantNoContent(t, register(s, map[string]any{"email": v2, "password": attackerPW}), "attacker registers")
		msgs = newMails(t, s, sink, before)
		if len(msgs) != 2 {
			t.Fatalf("%d mails, want 2", len(msgs))
		}
		wantPage(t, postVerify(s, mailtest.Link(t, msgs[0])), 200, "is verified")
		wantError(t, s.Post("/auth/login", map[string]any{"email": v2, "password": attackerPW}), 401, "INVALID_CREDENTIALS", "")
		s.Login(v2, victimPW)
		wantPage(t, postVerify(s, mailtest.Link(t, msgs[1])), 400, "already been used")
		s.Login(v2, victimPW)
	}, registerEnv...)
}

// Without verification the attacker's registration is an active account;
// the mailbox owner's reset must leave nothing of it working: not the
// password, not its sessions, not any link mailed before.
func TestResetAfterSquattedRegistration(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		const victim = "squatted@example.com"
		wantNoContent(t, register(s, map[string]any{"email": victim, "password": "attacker-chosen-pw-1"}), "attacker registers")
		rt := s.Login(victim, "attacker-chosen-pw-1").Data()["refresh_token"].(string)
		older := mailedToken(t, s, sink, victim)
		tok := mailedToken(t, s, sink, victim)
		wantNoContent(t, resetPW(s, tok, "victim-chosen-pw-2"), "victim resets")
		wantError(t, s.Post("/auth/login", map[string]any{"email": victim, "password": "attacker-chosen-pw-1"}), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/auth/refresh", map[string]any{"refresh_token": rt}), 401, "INVALID_CREDENTIALS", "")
		wantError(t, resetPW(s, older, "attacker-again-pw-3"), 403, "FORBIDDEN", "")
		s.Login(victim, "victim-chosen-pw-2")
	}, append(registerEnv, "PUBLIC_REGISTRATION_VERIFY_EMAIL=false")...)
}

// Issue #17 item 10: links die when the email they were sent to is no
// longer the account's.
func TestEmailChangeKillsLinks(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		u := s.CreateUser("before@example.com", "a-long-password-1")
		old := mailedToken(t, s, sink, "before@example.com")
		r := s.Do("PATCH", "/users/"+u.ID, map[string]any{"email": "after@example.com"}, asAdmin...)
		wantStatus(t, r, 200, "change email")
		wantError(t, resetPW(s, old, "a-new-password-2"), 403, "INVALID_TOKEN", "")
		// Changing it back does not revive it.
		wantStatus(t, s.Do("PATCH", "/users/"+u.ID, map[string]any{"email": "before@example.com"}, asAdmin...), 200, "change back")
		wantError(t, resetPW(s, old, "a-new-password-2"), 403, "INVALID_TOKEN", "")
		// Writing the same email again kills nothing; new links work.
		fresh := mailedToken(t, s, sink, "before@example.com")
		wantStatus(t, s.Do("PATCH", "/users/"+u.ID, map[string]any{"email": "before@example.com", "first_name": "B"}, asAdmin...), 200, "same email")
		wantNoContent(t, resetPW(s, fresh, "a-new-password-2"), "reset after the changes")
		s.Login("before@example.com", "a-new-password-2")

		// An invite dies with a changed address too.
		role := createRole(t, s, "Invitees", false)
		before := len(sink.Messages())
		wantNoContent(t, invite(s, map[string]any{"email": "invitee@example.com", "role": role}), "invite")
		inv := tokenOf(t, mailtest.Link(t, newMails(t, s, sink, before)[0]))
		invited := user(t, s, "invitee@example.com")
		wantStatus(t, s.Do("PATCH", "/users/"+invited.ID, map[string]any{"email": "someone.else@example.com"}, asAdmin...), 200, "readdress invite")
		wantError(t, acceptInvite(s, inv, "a-long-password-3"), 403, "INVALID_TOKEN", "")

		// Any path that changes the email, even one that bypasses the Users
		// API, kills the link: it is bound to the address at issue.
		other := s.CreateUser("direct@example.com", "a-long-password-1")
		tok := mailedToken(t, s, sink, "direct@example.com")
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("email = ?", "moved@example.com").
			Set("email_lower = ?", "moved@example.com").Where("id = ?", other.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantError(t, resetPW(s, tok, "a-new-password-2"), 403, "INVALID_TOKEN", "")
	}, registerEnv...)
}

// hashCounts reads how many password hashes ran and how many waited for a
// slot, from the app's metrics.
func hashCounts(t *testing.T, s *apptest.Server) (hashed, waited uint64) {
	t.Helper()
	fams, err := s.App.Ops.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	count := func(f *dto.MetricFamily) uint64 {
		var n uint64
		for _, m := range f.GetMetric() {
			n += m.GetHistogram().GetSampleCount()
		}
		return n
	}
	for _, f := range fams {
		switch f.GetName() {
		case metrics.NameHashDuration:
			hashed = count(f)
		case metrics.NameHashWait:
			waited = count(f)
		}
	}
	return hashed, waited
}

// Issue #17 item 11: registering an existing email (active or unverified)
// does the same hashing, through the same slot queue, as a new one.
func TestRegisterHashesForEveryEmail(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		wantNoContent(t, register(s, map[string]any{"email": "pending@example.com", "password": "a-long-password-1"}), "register")
		for _, email := range []string{"brand.new@example.com", admin, "pending@example.com"} {
			h0, w0 := hashCounts(t, s)
			wantNoContent(t, register(s, map[string]any{"email": email, "password": "a-long-password-2"}), "register "+email)
			h1, w1 := hashCounts(t, s)
			if h1-h0 != 1 || w1-w0 != 1 {
				t.Errorf("registering %s: %d hashes, %d slot waits; want 1 and 1", email, h1-h0, w1-w0)
			}
		}
	}, registerEnv...)
}
