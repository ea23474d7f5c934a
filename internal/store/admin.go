package store

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// UserFilter narrows ListUsers.
type UserFilter struct {
	Email  string // an email_lower key (auth.NormalizeEmail)
	Status string
	Limit  int
	Offset int
}

// ListUsers pages through users, oldest first.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]models.User, error) {
	var out []models.User
	q := s.idb.NewSelect().Model(&out).Relation("Role").Order("u.created_at", "u.id")
	if f.Email != "" {
		q = q.Where("u.email_lower = ?", f.Email)
	}
	if f.Status != "" {
		q = q.Where("u.status = ?", f.Status)
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if f.Offset > 0 {
		q = q.Offset(int64(f.Offset))
	}
	return out, q.Scan(ctx)
}

// UpdateUser writes the named columns of u. When endSessions is set, the
// user's sessions other than keepSession end in the same transaction. A new
// email kills the links mailed to the old one, in the same transaction.
func (s *Store) UpdateUser(ctx context.Context, u *models.User, columns []string, endSessions bool, keepSession string) error {
	return s.InTx(ctx, func(tx *Store) error {
		res, err := tx.idb.NewUpdate().Model(u).Column(columns...).WherePK().Exec(ctx)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if slices.Contains(columns, "email") {
			if err := tx.DropTokensForOtherEmail(ctx, u.ID, u.Email); err != nil {
				return err
			}
		}
		if endSessions {
			return tx.DeleteUserSessions(ctx, u.ID, keepSession)
		}
		return nil
	})
}

// DeleteUser removes a user; sessions, tokens and codes go with it.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	res, err := s.idb.NewDelete().Model((*models.User)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Roles lists every role.
func (s *Store) Roles(ctx context.Context) ([]models.Role, error) {
	var out []models.Role
	return out, s.idb.NewSelect().Model(&out).Order("created_at", "id").Scan(ctx)
}

// Role reads one role.
func (s *Store) Role(ctx context.Context, id string) (*models.Role, error) {
	r := new(models.Role)
	return r, mapErr(s.idb.NewSelect().Model(r).Where("id = ?", id).Limit(1).Scan(ctx))
}

// CreateUserWithToken inserts a user together with a one-time token and its
// email (invites, registrations) in one transaction.
func (s *Store) CreateUserWithToken(ctx context.Context, u *models.User, t *models.OneTimeToken, m *models.Message) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return tx.IssueToken(ctx, t, m)
	})
}

// SpendToken marks a token used and applies u's columns in the same
// transaction; false means another caller spent it first (or the user's
// email changed since it was issued). The user's other tokens die with it
// and every session ends.
func (s *Store) SpendToken(ctx context.Context, hash string, now time.Time, u *models.User, columns []string) (bool, error) {
	spent := false
	err := s.InTx(ctx, func(tx *Store) error {
		ok, err := tx.spendToken(ctx, hash, now)
		if err != nil || !ok {
			return err
		}
		spent = true
		if _, err := tx.idb.NewUpdate().Model(u).Column(columns...).WherePK().Exec(ctx); err != nil {
			return mapErr(err)
		}
		if err := tx.spendUserTokens(ctx, u.ID, now); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, u.ID, "")
	})
	return spent, err
}

// ReplaceRecoveryCodes swaps the user's recovery codes for hashes.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.idb.NewDelete().Model((*models.RecoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		if len(hashes) == 0 {
			return nil
		}
		rows := make([]models.RecoveryCode, len(hashes))
		for i, h := range hashes {
			rows[i] = models.RecoveryCode{UserID: userID, Hash: h, CreatedAt: now}
		}
		_, err := tx.idb.NewInsert().Model(&rows).Exec(ctx)
		return err
	})
}

// UseRecoveryCode spends one code; true only for the one caller that did.
func (s *Store) UseRecoveryCode(ctx context.Context, userID, hash string, now time.Time) (bool, error) {
	res, err := s.idb.NewUpdate().Model((*models.RecoveryCode)(nil)).Set("used_at = ?", now).
		Where("user_id = ?", userID).Where("hash = ?", hash).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts the user's unused codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	n, err := s.idb.NewSelect().Model((*models.RecoveryCode)(nil)).Where("user_id = ?", userID).Where("used_at IS NULL").Count(ctx)
	return int(n), err
}
