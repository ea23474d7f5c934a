package store

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/models"
)

// ErrNotActive means a write that needs an active user found none: the user
// was suspended (or deleted) while the request was in flight.
var ErrNotActive = errors.New("user is not active")

// Reservation is the outcome of ReserveAttempt.
type Reservation struct {
	Reserved bool // a check may run; EndAttempt must follow
	Failures int  // consecutive failures recorded
	Pending  int  // other checks in flight (not expired)
	Active   bool // the user exists and is active
}

// pendingNow is the number of checks in flight, not counting reservations
// whose hold has passed (a process that died between reserve and release).
const pendingNow = "(CASE WHEN login_pending_until IS NOT NULL AND login_pending_until > ? THEN login_pending ELSE 0 END)"

// ReserveAttempt reserves one secret check for the user when its recorded
// failures plus the checks already in flight stay below limit, in one
// conditional statement: of any number of concurrent callers, at most
// limit - failures get a reservation, so no more than limit failures are
// ever compared. hold bounds how long a reservation counts if never ended.
func (s *Store) ReserveAttempt(ctx context.Context, userID string, limit int, now, hold time.Time) (Reservation, error) {
	var n int
	err := s.idb.NewUpdate().Model((*models.User)(nil)).
		Set("login_pending = "+pendingNow+" + 1", now).
		Set("login_pending_until = ?", hold).
		Where("id = ?", userID).
		Where("status = ?", models.StatusActive).
		Where("failed_logins + "+pendingNow+" < ?", now, limit).
		Returning("failed_logins").
		Scan(ctx, &n)
	if err == nil {
		return Reservation{Reserved: true, Failures: n, Active: true}, nil
	}
	if !errors.Is(mapErr(err), ErrNotFound) {
		return Reservation{}, err
	}
	var row struct {
		Failures int    `bun:"failed_logins"`
		Pending  int    `bun:"pending"`
		Status   string `bun:"status"`
	}
	err = s.idb.NewSelect().Model((*models.User)(nil)).
		Column("failed_logins", "status").
		ColumnExpr(pendingNow+" AS pending", now).
		Where("id = ?", userID).Limit(1).Scan(ctx, &row)
	if err != nil {
		return Reservation{}, mapErr(err)
	}
	return Reservation{Failures: row.Failures, Pending: row.Pending, Active: row.Status == models.StatusActive}, nil
}

// Attempt outcomes for EndAttempt.
const (
	AttemptFailed    = iota // the secret did not match: one more failure
	AttemptSucceeded        // it matched: the failures start again from zero
	AttemptAbandoned        // no verdict (busy, error): the count stays
)

// EndAttempt releases a reservation with its outcome and returns the
// failures now recorded.
func (s *Store) EndAttempt(ctx context.Context, userID string, outcome int) (int, error) {
	q := s.idb.NewUpdate().Model((*models.User)(nil)).
		Set("login_pending = "+releasePending).
		Where("id = ?", userID).
		Returning("failed_logins")
	switch outcome {
	case AttemptFailed:
		q = q.Set("failed_logins = failed_logins + 1")
	case AttemptSucceeded:
		q = q.Set("failed_logins = 0")
	}
	var n int
	err := q.Scan(ctx, &n)
	return n, mapErr(err)
}

// releasePending gives back one reservation, never going below zero.
const releasePending = "CASE WHEN login_pending > 0 THEN login_pending - 1 ELSE 0 END"

// SuspendIfSpent suspends the user when its failures have reached limit,
// resetting the counters and ending every session, and reports whether it
// did. The condition is in the statement, so a success that reset the count
// meanwhile is never undone by a stale reading.
func (s *Store) SuspendIfSpent(ctx context.Context, userID string, limit int, now time.Time) (bool, error) {
	var done bool
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.suspend(userID, now).
			Where("status = ?", models.StatusActive).
			Where("failed_logins >= ?", limit).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		done = true
		return tx.DeleteUserSessions(ctx, userID, "")
	})
	return done, err
}

func (s *Store) suspend(userID string, now time.Time) *bun.UpdateQuery {
	return s.idb.NewUpdate().Model((*models.User)(nil)).
		Set("status = ?", models.StatusSuspended).
		Set("failed_logins = 0").
		Set("login_pending = 0").
		Set("updated_at = ?", now).
		Where("id = ?", userID)
}
