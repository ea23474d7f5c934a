package mail

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/models"
)

// Outbox is the storage the worker needs (implemented by *store.Store).
type Outbox interface {
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]models.Message, error)
	MarkSent(ctx context.Context, id string, now time.Time) error
	MarkRetry(ctx context.Context, id string, attempts int, next time.Time, lastErr string) error
	MarkAbandoned(ctx context.Context, id string, attempts int, lastErr string) error
	MarkExpired(ctx context.Context, id string) error
	DeleteFinishedMessages(ctx context.Context, before time.Time) (int64, error)
}

// WorkerOptions configure a Worker; zero values take the defaults.
type WorkerOptions struct {
	Store        Outbox
	Transport    Transport
	Sealer       *seal.Sealer  // opens sealed bodies (NewBodySealer); nil sends only unsealed ones
	Retention    time.Duration // EMAIL_OUTBOX_RETENTION: finished rows are purged after it; default 7 days
	From         string        // EMAIL_FROM, may carry a display name
	MaxAttempts  int           // EMAIL_MAX_ATTEMPTS; default 8
	BaseBackoff  time.Duration // first retry delay, doubling; default 5s
	MaxBackoff   time.Duration // default 15m
	PollInterval time.Duration // default 1s
	Lease        time.Duration // how long a claim lasts; must exceed SendTimeout; default 5m
	SendTimeout  time.Duration // one delivery attempt; default 1m
	BatchSize    int           // messages claimed at once; default 10
	Now          func() time.Time
	Logger       *slog.Logger
	// OnAbandoned runs after a message is given up (e.g. to write an audit row).
	OnAbandoned func(ctx context.Context, m models.Message)
}

// Worker sends queued messages: at least once, with exponential backoff, and
// never after their link has expired.
type Worker struct {
	o      WorkerOptions
	wake   chan struct{}
	randMu sync.Mutex
	rnd    *rand.Rand
}

// NewWorker fills in defaults.
func NewWorker(o WorkerOptions) *Worker {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 15 * time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = time.Minute
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Lease <= o.SendTimeout {
		o.Lease = 2 * o.SendTimeout
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Worker{o: o, wake: make(chan struct{}, 1),
		rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// Notify wakes Run early; call it after enqueueing. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx is done. The message being sent when ctx
// ends is finished (its send runs on a context detached from ctx, bounded
// by SendTimeout) before Run returns.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.o.Logger.ErrorContext(ctx, "email outbox", "error", err)
		}
		next := w.o.PollInterval
		if n == w.o.BatchSize && err == nil {
			next = 0 // more may be due: don't wait
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(next)
	}
}

// RunOnce claims one batch of due messages and handles each: sent, retried
// later, abandoned or expired. It returns how many it handled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	msgs, err := w.o.Store.ClaimMessages(ctx, w.o.Now(), w.o.Lease, w.o.BatchSize)
	if err != nil {
		return 0, err
	}
	// Store updates must land even when ctx ends mid-batch, or a delivered
	// message would be sent again after its lease.
	bg := context.WithoutCancel(ctx)
	var errs []error
	done := 0
	for i, m := range msgs {
		if ctx.Err() != nil {
			// Give the rest back unchanged, so another worker needn't wait out the lease.
			for _, r := range msgs[i:] {
				errs = append(errs, w.o.Store.MarkRetry(bg, r.ID, r.Attempts, r.NextAttemptAt, deref(r.LastError)))
			}
			break
		}
		errs = append(errs, w.deliver(bg, m))
		done++
	}
	return done, errors.Join(errs...)
}

func (w *Worker) deliver(ctx context.Context, m models.Message) error {
	log := w.o.Logger.With("message_id", m.ID, "subject", m.Subject)
	now := w.o.Now()
	if m.NotAfter != nil && now.After(*m.NotAfter) {
		log.WarnContext(ctx, "email not sent: its link expired while queued", "attempts", m.Attempts)
		return w.o.Store.MarkExpired(ctx, m.ID)
	}
	msg, err := fromRow(m, w.o.Sealer)
	if err != nil {
		// Retrying cannot help: the body was sealed with another SECRET or altered.
		return w.abandon(ctx, log, m, m.Attempts, "message body cannot be opened: "+err.Error())
	}
	sendCtx, cancel := context.WithTimeout(ctx, w.o.SendTimeout)
	err = w.o.Transport.Send(sendCtx, msg, w.o.From)
	cancel()
	now = w.o.Now()
	if err == nil {
		log.InfoContext(ctx, "email sent", "attempts", m.Attempts+1)
		return w.o.Store.MarkSent(ctx, m.ID, now)
	}
	attempts := m.Attempts + 1
	lastErr := err.Error()
	if attempts >= w.o.MaxAttempts {
		return w.abandon(ctx, log, m, attempts, lastErr)
	}
	next := now.Add(w.backoff(attempts))
	log.WarnContext(ctx, "email send failed; will retry", "attempts", attempts, "next_attempt_at", next, "error", lastErr)
	return w.o.Store.MarkRetry(ctx, m.ID, attempts, next, lastErr)
}

// abandon gives up on m after attempts and tells OnAbandoned.
func (w *Worker) abandon(ctx context.Context, log *slog.Logger, m models.Message, attempts int, lastErr string) error {
	log.ErrorContext(ctx, "email abandoned", "attempts", attempts, "error", lastErr)
	if err := w.o.Store.MarkAbandoned(ctx, m.ID, attempts, lastErr); err != nil {
		return err
	}
	if w.o.OnAbandoned != nil {
		m.Status, m.Attempts, m.LastError, m.ClaimedUntil = models.MessageAbandoned, attempts, &lastErr, nil
		m.HTML, m.Text = "", ""
		w.o.OnAbandoned(ctx, m)
	}
	return nil
}

// Purge deletes sent, abandoned and expired messages that finished more than
// Retention ago; it returns how many. The app's purge loop calls it.
func (w *Worker) Purge(ctx context.Context) (int64, error) {
	return w.o.Store.DeleteFinishedMessages(ctx, w.o.Now().Add(-w.o.Retention))
}

// backoff after the n-th failure: BaseBackoff·2^(n-1), capped, with "equal
// jitter" (half fixed, half random) so many failed mails don't retry in step.
func (w *Worker) backoff(n int) time.Duration {
	d := w.o.BaseBackoff
	for i := 1; i < n && d < w.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.o.MaxBackoff)
	half := d / 2
	w.randMu.Lock()
	j := time.Duration(w.rnd.Int64N(int64(half) + 1))
	w.randMu.Unlock()
	return half + j
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
