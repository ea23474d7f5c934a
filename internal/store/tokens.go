package store

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// IssueToken stores a one-time token and, in the same transaction, the email
// that carries it: neither exists without the other.
func (s *Store) IssueToken(ctx context.Context, t *models.OneTimeToken, m *models.Message) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.idb.NewInsert().Model(t).Exec(ctx); err != nil {
			return mapErr(err)
		}
		return tx.EnqueueMessage(ctx, m)
	})
}

// Token reads a one-time token by its hash.
func (s *Store) Token(ctx context.Context, hash string) (*models.OneTimeToken, error) {
	t := new(models.OneTimeToken)
	err := s.idb.NewSelect().Model(t).Where("hash = ?", hash).Limit(1).Scan(ctx)
	return t, mapErr(err)
}

// ResetPassword spends a reset token and sets the password in one
// transaction: of concurrent callers with one token exactly one succeeds
// (true). It reactivates a suspended user, clears the failure count, ends
// every session and spends every other token of the user (reset, invite,
// verification): after the mailbox owner resets, nothing issued before works.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, userID, newHash string, now time.Time) (bool, error) {
	spent := false
	err := s.InTx(ctx, func(tx *Store) error {
		ok, err := tx.spendToken(ctx, tokenHash, now)
		if err != nil || !ok {
			return err
		}
		spent = true
		if _, err := tx.idb.NewUpdate().Model((*models.User)(nil)).
			Set("password = ?", newHash).
			Set("failed_logins = 0").
			Set("updated_at = ?", now).
			Set("status = CASE WHEN status = ? THEN ? ELSE status END", models.StatusSuspended, models.StatusActive).
			Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		if err := tx.spendUserTokens(ctx, userID, now); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, userID, "")
	})
	return spent, err
}

// spendToken marks one live token used. It must still be bound to its user's
// current email: checked in the same statement, so an email change that
// commits first wins over a spend already under way.
func (s *Store) spendToken(ctx context.Context, hash string, now time.Time) (bool, error) {
	res, err := s.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).
		Set("used_at = ?", now).
		Where("hash = ?", hash).
		Where("used_at IS NULL").
		Where("expires_at > ?", now).
		Where("user_email = (SELECT u.email FROM gh_users AS u WHERE u.id = ?TableAlias.user_id)").
		Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// spendUserTokens marks every unspent token of the user used.
func (s *Store) spendUserTokens(ctx context.Context, userID string, now time.Time) error {
	_, err := s.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).
		Set("used_at = ?", now).
		Where("user_id = ?", userID).
		Where("used_at IS NULL").Exec(ctx)
	return err
}

// DropTokensForOtherEmail deletes the user's unspent tokens issued while the
// user had an email other than email: a link mailed to an address the
// account no longer has must not work (it answers as unknown). UpdateUser
// calls it when the email is written; any other path that changes an email
// should call it in the same transaction.
func (s *Store) DropTokensForOtherEmail(ctx context.Context, userID string, email *string) error {
	q := s.idb.NewDelete().Model((*models.OneTimeToken)(nil)).
		Where("user_id = ?", userID).
		Where("used_at IS NULL")
	if email != nil {
		q = q.Where("(user_email IS NULL OR user_email <> ?)", *email)
	}
	_, err := q.Exec(ctx)
	return err
}

// DeleteSpentTokens purges tokens that expired before now.
func (s *Store) DeleteSpentTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.idb.NewDelete().Model((*models.OneTimeToken)(nil)).Where("expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
