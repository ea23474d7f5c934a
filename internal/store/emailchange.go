package store

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// ChangeEmail spends an email-change token and moves the user to the
// address it confirmed, in one transaction: of concurrent callers with one
// token exactly one succeeds (true). The user's other email-change tokens
// are spent, every session but keepSession ends, and notice (when given) is
// queued. A taken address is ErrDuplicate and changes nothing.
func (s *Store) ChangeEmail(ctx context.Context, tokenHash string, u *models.User, keepSession string, now time.Time, notice *models.Message) (bool, error) {
	spent := false
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).
			Set("used_at = ?", now).
			Where("hash = ?", tokenHash).
			Where("kind = ?", models.TokenEmailChange).
			Where("used_at IS NULL").
			Where("expires_at > ?", now).
			Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		if _, err := tx.idb.NewUpdate().Model(u).Column("email", "email_lower", "updated_at").WherePK().Exec(ctx); err != nil {
			return mapErr(err)
		}
		if _, err := tx.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).
			Set("used_at = ?", now).
			Where("user_id = ?", u.ID).
			Where("kind = ?", models.TokenEmailChange).
			Where("used_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID, keepSession); err != nil {
			return err
		}
		if notice != nil {
			if err := tx.EnqueueMessage(ctx, notice); err != nil {
				return err
			}
		}
		spent = true
		return nil
	})
	return spent, err
}
