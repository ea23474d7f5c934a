package store_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// The token-binding migration's data steps, run over rows as an older
// version left them: tokens get their user's email, a user's first
// verification link gets the stored password, later ones (re-sends that
// carried no password) die, and finished messages lose their bodies.
func TestTokenBindingMigrationData(t *testing.T) {
	raw, err := os.ReadFile("../../migrations/20261201000020_token_binding.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		u := newUser(t, st, "pending@example.com")
		pw := "$argon2id$first-registrant"
		u.Password = &pw
		if err := st.UpdateUser(ctx, u, []string{"password"}, false, ""); err != nil {
			t.Fatal(err)
		}
		other := newUser(t, st, "active@example.com")
		legacy := func(user *models.User, kind string, created time.Time) string {
			tok := &models.OneTimeToken{Hash: uuid.NewString(), Kind: kind, UserID: user.ID, PasswordMark: "m",
				ExpiresAt: created.Add(7 * 24 * time.Hour), CreatedAt: created}
			if _, err := st.DB().NewInsert().Model(tok).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return tok.Hash
		}
		first := legacy(u, models.TokenVerifyEmail, t0)
		resent := legacy(u, models.TokenVerifyEmail, t0.Add(time.Minute))
		reset := legacy(other, models.TokenPasswordReset, t0)
		sent := &models.Message{ID: uuid.NewString(), ToAddress: "a@example.com", Subject: "s", HTML: "<a>token=1</a>",
			Text: "token=1", Status: models.MessageSent, NextAttemptAt: t0, CreatedAt: t0, SentAt: &t0}
		queued := &models.Message{ID: uuid.NewString(), ToAddress: "b@example.com", Subject: "s", HTML: "<a>token=2</a>",
			Text: "token=2", Status: models.MessagePending, NextAttemptAt: t0, CreatedAt: t0}
		for _, m := range []*models.Message{sent, queued} {
			if err := st.EnqueueMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}

		for _, stmt := range strings.Split(string(raw), "--bun:split") {
			if strings.HasPrefix(strings.TrimSpace(stmt), "ALTER") {
				continue // the columns exist already: this database is fully migrated
			}
			if _, err := st.DB().ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}

		tok := func(h string) *models.OneTimeToken {
			got, err := st.Token(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if f := tok(first); f.UsedAt != nil || f.PasswordHash == nil || *f.PasswordHash != pw || f.UserEmail == nil || *f.UserEmail != "pending@example.com" {
			t.Fatalf("first verification link: %+v", f)
		}
		if r := tok(resent); r.UsedAt == nil {
			t.Fatalf("a re-sent verification link survived: %+v", r)
		}
		if r := tok(reset); r.UsedAt != nil || r.UserEmail == nil || *r.UserEmail != "active@example.com" {
			t.Fatalf("reset link: %+v", r)
		}
		for m, want := range map[*models.Message]string{sent: "", queued: "token=2"} {
			got, err := st.OutboxMessage(ctx, m.ID)
			if err != nil || got.Text != want {
				t.Fatalf("outbox %s: text %q, want %q (%v)", m.Status, got.Text, want, err)
			}
		}
	})
}
