package auth

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// Every comparison of an account's secret (password, TOTP code, recovery
// code), wherever it happens, spends from one per-account budget of
// AUTH_LOGIN_ATTEMPTS consecutive failures. A check is reserved in the
// database before the comparison, so however requests interleave, across
// instances too, no more than the budget of failures is ever compared; the
// attempt that finds the budget spent suspends the account and fails.

const (
	// attemptHold bounds how long a reservation counts when its process
	// dies before releasing it: longer than any request may run.
	attemptHold = 2 * time.Minute
	// attemptWait bounds how long a check waits for the verdicts of checks
	// already in flight on the same account before answering 429.
	attemptWait = 5 * time.Second
)

// Attempt outcomes.
const (
	attemptFailed    = store.AttemptFailed
	attemptSucceeded = store.AttemptSucceeded
	attemptAbandoned = store.AttemptAbandoned
)

// attempt is one reserved secret check; end must follow.
type attempt struct {
	userID   string
	reserved bool
}

// beginAttempt reserves one secret check of u. With the budget spent it
// suspends u and returns ErrInvalidCredentials; with the rest of the budget
// held by checks in flight it waits for them, up to attemptWait.
func (s *Service) beginAttempt(ctx context.Context, u *models.User, m Meta) (*attempt, error) {
	limit := s.set.LoginAttempts
	if limit <= 0 {
		return &attempt{userID: u.ID}, nil
	}
	deadline := time.Now().Add(attemptWait)
	pause := 2 * time.Millisecond
	for {
		now := s.now().UTC()
		r, err := s.store.ReserveAttempt(ctx, u.ID, limit, now, now.Add(attemptHold))
		if err != nil {
			return nil, internal(err)
		}
		switch {
		case r.Reserved:
			return &attempt{userID: u.ID, reserved: true}, nil
		case !r.Active:
			return nil, ErrInvalidCredentials
		case r.Failures >= limit:
			return nil, s.suspendSpent(ctx, u.ID, limit, m)
		}
		if !time.Now().Add(pause).Before(deadline) {
			return nil, RequestsExceeded(ratelimit.Result{Limit: limit, Reset: now.Add(time.Second)}, now)
		}
		if err := wait(ctx, pause); err != nil {
			return nil, ServiceUnavailable("authentication", "Too many logins in progress, try again shortly")
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// end releases the reservation with the check's outcome. A failure is
// audited with why ("credentials", "otp", …).
func (s *Service) end(ctx context.Context, a *attempt, outcome int, why string, m Meta) {
	if outcome == attemptFailed {
		s.audit(ctx, models.ActionLoginFailed, a.userID, m, why)
	}
	if !a.reserved {
		return
	}
	// The verdict must be recorded even when the client has gone.
	if _, err := s.store.EndAttempt(context.WithoutCancel(ctx), a.userID, outcome); err != nil {
		s.log.ErrorContext(ctx, "recording a secret check failed", "err", err)
	}
}

// suspendSpent suspends the user whose failures reached limit.
func (s *Service) suspendSpent(ctx context.Context, userID string, limit int, m Meta) error {
	done, err := s.store.SuspendIfSpent(ctx, userID, limit, s.now().UTC())
	if err != nil {
		return internal(err)
	}
	if done {
		s.audit(ctx, models.ActionSuspend, userID, m, "too many failed logins")
	}
	return ErrInvalidCredentials
}

// checkSecret runs one comparison of u's secret within the budget: check
// reports whether it matched. A mismatch is wrong (returned as is); an error
// from check abandons the attempt and is returned.
func (s *Service) checkSecret(ctx context.Context, u *models.User, m Meta, why string, wrong error, check func() (bool, error)) error {
	a, err := s.beginAttempt(ctx, u, m)
	if err != nil {
		return err
	}
	ok, err := check()
	switch {
	case err != nil:
		s.end(ctx, a, attemptAbandoned, why, m)
		return err
	case !ok:
		s.end(ctx, a, attemptFailed, why, m)
		return wrong
	}
	s.end(ctx, a, attemptSucceeded, why, m)
	return nil
}

// wait sleeps for d unless ctx ends first.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
