package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

func queued(now time.Time, to string) *models.Message {
	return &models.Message{ID: uuid.NewString(), ToAddress: to, Subject: "s", HTML: "<p>h</p>", Text: "t",
		Status: models.MessagePending, NextAttemptAt: now, CreatedAt: now}
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

		// A rolled-back transaction leaves no mail behind.
		rollback := errors.New("rollback")
		err := st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.EnqueueMessage(ctx, queued(now, "gone@example.com")); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		a, b := queued(now, "a@example.com"), queued(now.Add(time.Second), "b@example.com")
		if err := st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.EnqueueMessage(ctx, a); err != nil {
				return err
			}
			return tx.EnqueueMessage(ctx, b)
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := st.OutboxDepth(ctx); err != nil || n != 2 {
			t.Fatalf("depth = %d, %v; want 2", n, err)
		}

		// Only due messages are claimed; b is due a second later.
		got, err := st.ClaimMessages(ctx, now, time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].ID != a.ID || got[0].ClaimedUntil == nil {
			t.Fatalf("claim = %+v, %v; want only a", got, err)
		}
		// A leased message is not claimed again until its lease runs out.
		got, _ = st.ClaimMessages(ctx, now.Add(2*time.Second), time.Minute, 10)
		if len(got) != 1 || got[0].ID != b.ID {
			t.Fatalf("second claim = %+v; want only b", got)
		}
		got, _ = st.ClaimMessages(ctx, now.Add(2*time.Minute), time.Minute, 10)
		if len(got) != 2 || got[0].ID != a.ID {
			t.Fatalf("claim after lease = %d messages; want both, oldest first", len(got))
		}
		later := now.Add(2 * time.Minute)

		next := later.Add(10 * time.Second)
		if err := st.MarkRetry(ctx, a.ID, 1, next, "451 try later"); err != nil {
			t.Fatal(err)
		}
		m, err := st.OutboxMessage(ctx, a.ID)
		if err != nil || m.Attempts != 1 || !m.NextAttemptAt.Equal(next) || m.ClaimedUntil != nil ||
			m.LastError == nil || *m.LastError != "451 try later" || m.Status != models.MessagePending {
			t.Fatalf("after retry: %+v, %v", m, err)
		}
		if got, _ := st.ClaimMessages(ctx, next.Add(-time.Millisecond), time.Minute, 10); len(got) != 0 {
			t.Fatalf("claimed %d messages before their retry time", len(got))
		}
		if err := st.MarkSent(ctx, a.ID, next); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkAbandoned(ctx, b.ID, 8, "550 no"); err != nil {
			t.Fatal(err)
		}
		if m, _ := st.OutboxMessage(ctx, a.ID); m.Status != models.MessageSent || m.Attempts != 2 || m.SentAt == nil {
			t.Fatalf("sent row: %+v", m)
		}
		if m, _ := st.OutboxMessage(ctx, b.ID); m.Status != models.MessageAbandoned || m.Attempts != 8 {
			t.Fatalf("abandoned row: %+v", m)
		}
		// Finished rows are never claimed, and a late MarkRetry cannot revive them.
		if err := st.MarkRetry(ctx, b.ID, 9, now, "x"); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.ClaimMessages(ctx, now.Add(time.Hour), time.Minute, 10); len(got) != 0 {
			t.Fatalf("claimed %d finished messages", len(got))
		}

		c := queued(now, "c@example.com")
		na := now.Add(time.Hour)
		c.NotAfter = &na
		if err := st.EnqueueMessage(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkExpired(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if m, _ := st.OutboxMessage(ctx, c.ID); m.Status != models.MessageExpired || m.NotAfter == nil || !m.NotAfter.Equal(na) {
			t.Fatalf("expired row: %+v", m)
		}
		if n, _ := st.OutboxDepth(ctx); n != 0 {
			t.Fatalf("depth = %d; want 0", n)
		}
	})
}

// The lease must order correctly against sub-second times (SQLite compares
// timestamps as text).
func TestOutboxSubSecondTimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		m := queued(now.Add(500*time.Millisecond), "a@example.com")
		if err := st.EnqueueMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.ClaimMessages(ctx, now, time.Second, 1); len(got) != 0 {
			t.Fatal("claimed before due (whole second vs fraction)")
		}
		if got, _ := st.ClaimMessages(ctx, now.Add(499*time.Millisecond), time.Second, 1); len(got) != 0 {
			t.Fatal("claimed a millisecond early")
		}
		if got, _ := st.ClaimMessages(ctx, now.Add(500*time.Millisecond), time.Second, 1); len(got) != 1 {
			t.Fatal("not claimed when due")
		}
	})
}

// OutboxRetrying (the metric's count) ignores fresh messages and counts
// pending ones that failed at least once, until they are sent.
func TestOutboxRetrying(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		m := queued(now, "a@example.com")
		if err := st.EnqueueMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		count := func(want int) {
			t.Helper()
			if n, err := st.OutboxRetrying(ctx); err != nil || n != want {
				t.Fatalf("retrying = %d, %v; want %d", n, err, want)
			}
		}
		count(0)
		if err := st.MarkRetry(ctx, m.ID, 1, now.Add(time.Minute), "421 try later"); err != nil {
			t.Fatal(err)
		}
		count(1)
		if err := st.MarkSent(ctx, m.ID, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		count(0)
	})
}
