package mail_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/testclock"
	"github.com/gatehouse/gatehouse/models"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fixture struct {
	st    *store.Store
	sink  *sink
	clock *testclock.Clock
	tr    mail.Transport
	seal  *seal.Sealer
}

func setup(t *testing.T, client string) *fixture {
	t.Helper()
	s := newSink(t)
	host, port := s.hostPort()
	tr, err := mail.NewSMTP(mail.SMTPOptions{Host: host, Port: port, IgnoreTLS: true, Name: "gatehouse.test",
		Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bodies, err := mail.NewBodySealer([]byte("test-secret-0123456789-0123456789-abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: storetest.New(t, client), sink: s,
		clock: testclock.New(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)), tr: tr, seal: bodies}
}

func (f *fixture) worker(o mail.WorkerOptions) *mail.Worker {
	o.Store, o.Transport, o.Now = f.st, f.tr, f.clock.Now
	if o.Sealer == nil {
		o.Sealer = f.seal
	}
	if o.From == "" {
		o.From = "Gatehouse <no-reply@example.com>"
	}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return mail.NewWorker(o)
}

// enqueue renders a reset mail and queues it in a transaction, as the auth layer does.
func (f *fixture) enqueue(t *testing.T, to string, ttl time.Duration) *models.Message {
	t.Helper()
	r, err := mail.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := r.Render(mail.TemplatePasswordReset, map[string]any{
		"url": "http://localhost:8055/admin/reset-password?token=abc&x=1", "email": to,
		"projectName": "Gatehouse", "projectUrl": "http://localhost:8055", "ttl": ttl})
	if err != nil {
		t.Fatal(err)
	}
	msg.To = to
	now := f.clock.Now()
	row, err := mail.NewOutboxMessage(msg, now, now.Add(ttl), f.seal)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.InTx(context.Background(), func(tx *store.Store) error {
		return tx.EnqueueMessage(context.Background(), row)
	}); err != nil {
		t.Fatal(err)
	}
	return row
}

func (f *fixture) row(t *testing.T, id string) *models.Message {
	t.Helper()
	m, err := f.st.OutboxMessage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runOnce(t *testing.T, w *mail.Worker, want int) {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("RunOnce handled %d messages; want %d", n, want)
	}
}

func TestWorkerDelivers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		w := f.worker(mail.WorkerOptions{})
		row := f.enqueue(t, "Jane@Example.com", time.Hour)
		runOnce(t, w, 1)
		runOnce(t, w, 0) // nothing left

		got := f.sink.messages()
		if len(got) != 1 {
			t.Fatalf("received %d messages; want 1", len(got))
		}
		p := parse(t, got[0])
		if p.Subject != "Password Reset Request" || p.To != "Jane@Example.com" {
			t.Errorf("subject %q to %q", p.Subject, p.To)
		}
		if p.MessageID != "<"+row.ID+"@example.com>" {
			t.Errorf("Message-ID %q; want the outbox id", p.MessageID)
		}
		contains(t, "text part", p.Text, "http://localhost:8055/admin/reset-password?token=abc&x=1")
		contains(t, "text part", p.Text, "expires in 1 hour")
		contains(t, "html part", p.HTML, `href="http://localhost:8055/admin/reset-password?token=abc&amp;x=1"`)
		contains(t, "html part", p.HTML, "expires in 1 hour")

		m := f.row(t, row.ID)
		if m.Status != models.MessageSent || m.Attempts != 1 || m.SentAt == nil || !m.SentAt.Equal(f.clock.Now()) {
			t.Fatalf("row after send: %+v", m)
		}
	})
}

func TestWorkerRetriesThroughOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		w := f.worker(mail.WorkerOptions{})
		row := f.enqueue(t, "a@example.com", time.Hour)

		f.sink.setTempFail(true)
		runOnce(t, w, 1)
		m := f.row(t, row.ID)
		if m.Status != models.MessagePending || m.Attempts != 1 || !m.NextAttemptAt.After(f.clock.Now()) ||
			m.ClaimedUntil != nil || m.LastError == nil {
			t.Fatalf("after 451: %+v", m)
		}
		contains(t, "last_error", *m.LastError, "451")
		if m.NextAttemptAt.Sub(f.clock.Now()) > 5*time.Second {
			t.Errorf("first backoff %v exceeds the 5s base", m.NextAttemptAt.Sub(f.clock.Now()))
		}
		runOnce(t, w, 0) // not due yet

		// Then the server goes away entirely: connection refused is retried too.
		f.sink.down()
		f.clock.Advance(5 * time.Second)
		runOnce(t, w, 1)
		if m := f.row(t, row.ID); m.Status != models.MessagePending || m.Attempts != 2 {
			t.Fatalf("after refusal: %+v", m)
		}

		f.sink.setTempFail(false)
		f.sink.up()
		f.clock.Advance(10 * time.Second)
		runOnce(t, w, 1)
		if got := f.sink.messages(); len(got) != 1 {
			t.Fatalf("received %d messages after recovery; want exactly 1", len(got))
		}
		if m := f.row(t, row.ID); m.Status != models.MessageSent || m.Attempts != 3 {
			t.Fatalf("after recovery: %+v", m)
		}
		f.clock.Advance(time.Hour)
		runOnce(t, w, 0)
		if got := f.sink.messages(); len(got) != 1 {
			t.Fatalf("received %d messages; want exactly 1", len(got))
		}
	})
}

func TestWorkerAbandons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		var mu sync.Mutex
		var abandoned []models.Message
		w := f.worker(mail.WorkerOptions{MaxAttempts: 3, OnAbandoned: func(_ context.Context, m models.Message) {
			mu.Lock()
			abandoned = append(abandoned, m)
			mu.Unlock()
		}})
		row := f.enqueue(t, "a@example.com", 7*24*time.Hour)
		f.sink.setTempFail(true)
		for i := 1; i <= 3; i++ {
			runOnce(t, w, 1)
			if m := f.row(t, row.ID); m.Attempts != i {
				t.Fatalf("attempt %d: row %+v", i, m)
			}
			f.clock.Advance(15 * time.Minute) // at least the capped backoff
		}
		m := f.row(t, row.ID)
		if m.Status != models.MessageAbandoned || m.Attempts != 3 || m.LastError == nil {
			t.Fatalf("row: %+v", m)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(abandoned) != 1 || abandoned[0].ID != row.ID || abandoned[0].Attempts != 3 ||
			abandoned[0].Status != models.MessageAbandoned {
			t.Fatalf("OnAbandoned got %+v", abandoned)
		}
		f.sink.setTempFail(false)
		runOnce(t, w, 0)
		if n := len(f.sink.messages()); n != 0 {
			t.Fatalf("abandoned mail was sent %d times", n)
		}
	})
}

func TestWorkerSkipsExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		w := f.worker(mail.WorkerOptions{})
		row := f.enqueue(t, "a@example.com", time.Hour)
		f.clock.Advance(time.Hour + time.Millisecond) // the token died while queued
		runOnce(t, w, 1)
		if m := f.row(t, row.ID); m.Status != models.MessageExpired {
			t.Fatalf("row: %+v", m)
		}
		if n := len(f.sink.messages()); n != 0 {
			t.Fatalf("an expired link was mailed %d times", n)
		}
	})
}

func TestWorkersDeliverOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		f := setup(t, client)
		const n = 20
		ids := map[string]bool{}
		for range n {
			ids["<"+f.enqueue(t, "a@example.com", time.Hour).ID+"@example.com>"] = true
		}
		workers := []*mail.Worker{f.worker(mail.WorkerOptions{BatchSize: 3}), f.worker(mail.WorkerOptions{BatchSize: 3})}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		handled := make([]int, len(workers))
		for i, w := range workers {
			wg.Go(func() {
				<-start
				for {
					k, err := w.RunOnce(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
					mu.Lock()
					handled[i] += k
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if handled[0]+handled[1] != n {
			t.Fatalf("workers handled %v; want %d in total", handled, n)
		}
		got := f.sink.messages()
		if len(got) != n {
			t.Fatalf("received %d messages; want %d", len(got), n)
		}
		seen := map[string]bool{}
		for _, raw := range got {
			id := parse(t, raw).MessageID
			if !ids[id] || seen[id] {
				t.Fatalf("unexpected or duplicate Message-ID %q", id)
			}
			seen[id] = true
		}
		if d, _ := f.st.OutboxDepth(context.Background()); d != 0 {
			t.Fatalf("outbox depth %d; want 0", d)
		}
		t.Logf("split between workers: %v", handled)
	})
}

// Run drains: cancelling it returns only after the claimed batch is settled,
// and Notify wakes it without waiting for the poll interval.
func TestWorkerRunNotifyAndStop(t *testing.T) {
	f := setup(t, "sqlite3")
	w := f.worker(mail.WorkerOptions{PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	row := f.enqueue(t, "a@example.com", time.Hour)
	w.Notify()
	deadline := time.After(10 * time.Second)
	for f.row(t, row.ID).Status != models.MessageSent {
		select {
		case <-deadline:
			t.Fatal("Notify did not wake the worker")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
