package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// keys reset --discard-sealed: keys, sessions, queued bodies and 2FA
// proposals go; sent mail, users and their enabled 2FA stay.
func TestDiscardSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		sealed, pending := "v1:sealed-totp", "v1:sealed-proposal"
		u := &models.User{ID: uuid.NewString(), Status: models.StatusActive, Provider: "default", CreatedAt: now, UpdatedAt: now,
			TFASecret: &sealed, TFAPending: &pending, TFAPendingAt: &now}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddKey(ctx, &models.Key{KID: "k1", Alg: "ES256", PrivateJWK: "x", PublicJWK: "{}", CreatedAt: now,
			ActivatesAt: now, Generation: 1}, now.Add(time.Hour), now); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSession(ctx, &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastUsedAt: now}); err != nil {
			t.Fatal(err)
		}
		q, sent := queued(now, "a@example.com"), queued(now, "b@example.com")
		for _, m := range []*models.Message{q, sent} {
			if err := st.EnqueueMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.MarkSent(ctx, sent.ID, now); err != nil {
			t.Fatal(err)
		}
		d, err := st.DiscardSealed(ctx)
		if err != nil || d.Keys != 1 || d.Sessions != 1 || d.Messages != 1 {
			t.Fatalf("%+v %v", d, err)
		}
		if keys, _ := st.ListKeys(ctx); len(keys) != 0 {
			t.Fatalf("keys left: %v", keys)
		}
		m, err := st.OutboxMessage(ctx, q.ID)
		if err != nil || m.Status != models.MessageAbandoned || m.HTML != "" || m.Text != "" {
			t.Fatalf("queued message: %+v %v", m, err)
		}
		if m, _ := st.OutboxMessage(ctx, sent.ID); m.Status != models.MessageSent {
			t.Fatalf("sent message: %+v", m)
		}
		got, err := st.UserRecord(ctx, u.ID)
		if err != nil || got.TFAPending != nil || got.TFASecret == nil || *got.TFASecret != sealed {
			t.Fatalf("user: %+v %v", got, err)
		}
	})
}
