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
// every session and spends the user's other reset tokens.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, userID, newHash string, now time.Time) (bool, error) {
	spent := false
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).
			Set("used_at = ?", now).
			Where("hash = ?", tokenHash).
			Where("used_at IS NULL").
			Where("expires_at > ?", now).
			Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
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
		if _, err := tx.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).
			Set("used_at = ?", now).
			Where("user_id = ?", userID).
			Where("kind = ?", models.TokenPasswordReset).
			Where("used_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, userID, "")
	})
	return spent, err
}

// DeleteSpentTokens purges tokens that expired before now.
func (s *Store) DeleteSpentTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.idb.NewDelete().Model((*models.OneTimeToken)(nil)).Where("expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
