package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// rawBodies reads the html and text columns as stored, bypassing the model.
func (f *fixture) rawBodies(t *testing.T, id string) (html, text string) {
	t.Helper()
	err := f.st.DB().NewRaw("SELECT html, text FROM gh_outbox WHERE id = ?", id).Scan(context.Background(), &html, &text)
	if err != nil {
		t.Fatal(err)
	}
	return html, text
}

// The enqueue fixture's link is .../reset-password?token=abc&x=1: none of it
// may be readable in the table, before or after delivery.
func TestOutboxBodiesSealedAtRestAndDroppedWhenSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		row := f.enqueue(t, "jane@example.com", time.Hour)
		html, text := f.rawBodies(t, row.ID)
		for _, col := range []string{html, text} {
			if !strings.HasPrefix(col, "v1:") || strings.Contains(col, "token=") || strings.Contains(col, "reset-password") ||
				strings.Contains(col, "localhost") {
				t.Fatalf("stored body is readable: %q", col)
			}
		}
		runOnce(t, f.worker(mail.WorkerOptions{}), 1)
		p := parse(t, f.sink.messages()[0])
		contains(t, "text part", p.Text, "http://localhost:8055/admin/reset-password?token=abc&x=1")
		if html, text := f.rawBodies(t, row.ID); html != "" || text != "" {
			t.Fatalf("body kept after delivery: %q %q", html, text)
		}
	})
}

func TestOutboxBodiesDroppedWhenAbandonedOrExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		w := f.worker(mail.WorkerOptions{MaxAttempts: 1})
		gone := f.enqueue(t, "a@example.com", time.Hour)
		f.sink.setTempFail(true)
		runOnce(t, w, 1)
		if m := f.row(t, gone.ID); m.Status != models.MessageAbandoned {
			t.Fatalf("row: %+v", m)
		}
		expired := f.enqueue(t, "b@example.com", time.Hour)
		f.clock.Advance(2 * time.Hour)
		runOnce(t, w, 1)
		if m := f.row(t, expired.ID); m.Status != models.MessageExpired {
			t.Fatalf("row: %+v", m)
		}
		for _, id := range []string{gone.ID, expired.ID} {
			if html, text := f.rawBodies(t, id); html != "" || text != "" {
				t.Fatalf("body kept after giving up: %q %q", html, text)
			}
		}
	})
}

// A body sealed under another SECRET, or moved onto another row, is never
// sent (and never retried); a body queued before sealing still goes out.
func TestOutboxUnopenableBodyIsAbandoned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		var abandoned []string
		w := f.worker(mail.WorkerOptions{OnAbandoned: func(_ context.Context, m models.Message) { abandoned = append(abandoned, m.ID) }})
		victim := f.enqueue(t, "victim@example.com", time.Hour)
		html, text := f.rawBodies(t, victim.ID)
		f.clock.Advance(time.Second) // the victim's row is the oldest
		moved := &models.Message{ID: uuid.NewString(), ToAddress: "attacker@example.com", Subject: "s", HTML: html, Text: text,
			Status: models.MessagePending, NextAttemptAt: f.clock.Now(), CreatedAt: f.clock.Now()}
		legacy := &models.Message{ID: uuid.NewString(), ToAddress: "old@example.com", Subject: "old", HTML: "<p>plain</p>",
			Text: "plain body", Status: models.MessagePending, NextAttemptAt: f.clock.Now(), CreatedAt: f.clock.Now()}
		for _, m := range []*models.Message{moved, legacy} {
			if err := f.st.InTx(context.Background(), func(tx *store.Store) error { return tx.EnqueueMessage(context.Background(), m) }); err != nil {
				t.Fatal(err)
			}
		}
		other, err := mail.NewBodySealer([]byte("another-secret-0123456789-0123456789-xyz"))
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, f.worker(mail.WorkerOptions{Sealer: other, BatchSize: 1}), 1) // the victim's, oldest: wrong SECRET
		runOnce(t, w, 2)
		got := f.sink.messages()
		if len(got) != 1 || parse(t, got[0]).To != "old@example.com" {
			t.Fatalf("sent %d messages, want only the unsealed legacy one", len(got))
		}
		for _, id := range []string{victim.ID, moved.ID} {
			m := f.row(t, id)
			if m.Status != models.MessageAbandoned || m.LastError == nil || !strings.Contains(*m.LastError, "cannot be opened") {
				t.Fatalf("row %s: %+v", id, m)
			}
		}
		if len(abandoned) != 1 || abandoned[0] != moved.ID {
			t.Fatalf("OnAbandoned: %v", abandoned)
		}
	})
}

func TestOutboxPurgeAfterRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		w := f.worker(mail.WorkerOptions{MaxAttempts: 1, Retention: 7 * 24 * time.Hour})
		sent := f.enqueue(t, "sent@example.com", time.Hour)
		runOnce(t, w, 1)
		f.sink.setTempFail(true)
		abandoned := f.enqueue(t, "abandoned@example.com", time.Hour)
		runOnce(t, w, 1)
		expired := f.enqueue(t, "expired@example.com", time.Minute)
		f.clock.Advance(2 * time.Minute)
		runOnce(t, w, 1)
		pending := f.enqueue(t, "pending@example.com", 30*24*time.Hour)
		if err := f.st.MarkRetry(context.Background(), pending.ID, 0, f.clock.Now().Add(30*24*time.Hour), ""); err != nil {
			t.Fatal(err)
		}

		f.clock.Advance(7*24*time.Hour - 3*time.Minute) // not yet
		if n, err := w.Purge(context.Background()); err != nil || n != 0 {
			t.Fatalf("purge before retention: %d %v", n, err)
		}
		recent := f.enqueue(t, "recent@example.com", time.Hour)
		f.sink.setTempFail(false)
		runOnce(t, w, 1)
		f.clock.Advance(5 * time.Minute)
		if n, err := w.Purge(context.Background()); err != nil || n != 3 {
			t.Fatalf("purge: %d %v, want 3", n, err)
		}
		for _, id := range []string{sent.ID, abandoned.ID, expired.ID} {
			if _, err := f.st.OutboxMessage(context.Background(), id); err != store.ErrNotFound {
				t.Fatalf("%s survived the purge: %v", id, err)
			}
		}
		for _, id := range []string{pending.ID, recent.ID} {
			if _, err := f.st.OutboxMessage(context.Background(), id); err != nil {
				t.Fatalf("%s was purged: %v", id, err)
			}
		}
	})
}
