package store

import (
	"context"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/models"
)

// maxLastError bounds the stored transport error; SMTP replies can be long.
const maxLastError = 1000

// EnqueueMessage queues one email. It runs on s.idb so that, inside InTx, the
// mail commits or rolls back together with the token it carries.
func (s *Store) EnqueueMessage(ctx context.Context, m *models.Message) error {
	if m.Status == "" {
		m.Status = models.MessagePending
	}
	_, err := s.idb.NewInsert().Model(m).Exec(ctx)
	return mapErr(err)
}

// ClaimMessages leases up to limit due, pending messages to the caller until
// now+lease. One conditional UPDATE does it, so concurrent workers never claim
// the same row: on PostgreSQL the subquery skips rows another worker has
// locked; SQLite has one writer at a time, so the statement alone is atomic.
// A worker that dies mid-send loses its lease and the message is retried.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]models.Message, error) {
	sub := s.idb.NewSelect().Model((*models.Message)(nil)).Column("id").
		Where("status = ?", models.MessagePending).
		Where("next_attempt_at <= ?", now).
		Where("(claimed_until IS NULL OR claimed_until < ?)", now).
		Order("next_attempt_at").
		Limit(int64(limit))
	if s.IsPostgres() {
		sub = sub.For("UPDATE SKIP LOCKED")
	}
	var msgs []models.Message
	err := s.idb.NewUpdate().Model((*models.Message)(nil)).
		Set("claimed_until = ?", now.Add(lease)).
		Where("id IN (?)", sub).
		Returning("*").
		Scan(ctx, &msgs)
	if err != nil {
		return nil, mapErr(err)
	}
	// RETURNING has no order; hand them out oldest first.
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].NextAttemptAt.Before(msgs[j].NextAttemptAt) })
	return msgs, nil
}

// MarkSent records a delivery, releases the lease and drops the body. Every
// way out of pending (sent, abandoned, expired) drops the body: it carries a
// live link that must not sit in the table (or its backups) afterwards.
func (s *Store) MarkSent(ctx context.Context, id string, now time.Time) error {
	_, err := s.idb.NewUpdate().Model((*models.Message)(nil)).
		Set("status = ?", models.MessageSent).
		Set("attempts = attempts + 1").
		Set("sent_at = ?", now).
		Set("claimed_until = NULL").
		Set("html = ''").Set("text = ''"). // the link inside must not outlive its delivery
		Where("id = ?", id).
		Where("status = ?", models.MessagePending).
		Exec(ctx)
	return mapErr(err)
}

// MarkRetry records a failed attempt and schedules the next one at next.
func (s *Store) MarkRetry(ctx context.Context, id string, attempts int, next time.Time, lastErr string) error {
	_, err := s.idb.NewUpdate().Model((*models.Message)(nil)).
		Set("attempts = ?", attempts).
		Set("next_attempt_at = ?", next).
		Set("last_error = ?", truncate(lastErr)).
		Set("claimed_until = NULL").
		Where("id = ?", id).
		Where("status = ?", models.MessagePending).
		Exec(ctx)
	return mapErr(err)
}

// MarkAbandoned gives up on a message after its last failed attempt.
func (s *Store) MarkAbandoned(ctx context.Context, id string, attempts int, lastErr string) error {
	_, err := s.idb.NewUpdate().Model((*models.Message)(nil)).
		Set("status = ?", models.MessageAbandoned).
		Set("attempts = ?", attempts).
		Set("last_error = ?", truncate(lastErr)).
		Set("claimed_until = NULL").
		Set("html = ''").Set("text = ''"). // the link inside must not outlive its delivery
		Where("id = ?", id).
		Where("status = ?", models.MessagePending).
		Exec(ctx)
	return mapErr(err)
}

// MarkExpired retires a message whose link died while it was queued.
func (s *Store) MarkExpired(ctx context.Context, id string) error {
	_, err := s.idb.NewUpdate().Model((*models.Message)(nil)).
		Set("status = ?", models.MessageExpired).
		Set("claimed_until = NULL").
		Set("html = ''").Set("text = ''"). // the link inside must not outlive its delivery
		Where("id = ?", id).
		Where("status = ?", models.MessagePending).
		Exec(ctx)
	return mapErr(err)
}

// DeleteFinishedMessages purges sent, abandoned and expired messages that
// finished before before: sent_at for sent ones, the last scheduled attempt
// for the others.
func (s *Store) DeleteFinishedMessages(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.idb.NewDelete().Model((*models.Message)(nil)).
		Where("status IN (?)", bun.In([]string{models.MessageSent, models.MessageAbandoned, models.MessageExpired})).
		Where("COALESCE(sent_at, next_attempt_at) < ?", before.UTC()).
		Exec(ctx)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

// OutboxDepth counts messages still waiting to be sent.
func (s *Store) OutboxDepth(ctx context.Context) (int, error) {
	n, err := s.idb.NewSelect().Model((*models.Message)(nil)).
		Where("status = ?", models.MessagePending).Count(ctx)
	return int(n), mapErr(err)
}

// OutboxRetrying counts messages still waiting to be sent after at least
// one failed attempt: what the outbox metric reports. A fresh message does
// not count, so queueing a reset or verification email moves no metric.
func (s *Store) OutboxRetrying(ctx context.Context) (int, error) {
	n, err := s.idb.NewSelect().Model((*models.Message)(nil)).
		Where("status = ?", models.MessagePending).Where("attempts > 0").Count(ctx)
	return int(n), mapErr(err)
}

// OutboxMessage reads one outbox row by id.
func (s *Store) OutboxMessage(ctx context.Context, id string) (*models.Message, error) {
	m := new(models.Message)
	err := s.idb.NewSelect().Model(m).Where("id = ?", id).Limit(1).Scan(ctx)
	return m, mapErr(err)
}

func truncate(s string) string {
	if len(s) <= maxLastError {
		return s
	}
	// Cut on a rune boundary so PostgreSQL accepts the text.
	cut := maxLastError
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}
