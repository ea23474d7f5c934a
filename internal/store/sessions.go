package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// CreateSession inserts a new login session.
func (s *Store) CreateSession(ctx context.Context, sess *models.Session) error {
	_, err := s.idb.NewInsert().Model(sess).Exec(ctx)
	return mapErr(err)
}

// Session reads one session by id.
func (s *Store) Session(ctx context.Context, id string) (*models.Session, error) {
	sess := new(models.Session)
	err := s.idb.NewSelect().Model(sess).Where("id = ?", id).Limit(1).Scan(ctx)
	return sess, mapErr(err)
}

// Rotate advances the session's generation from `from` to from+1 in one
// conditional statement: of N concurrent callers with the same `from`,
// exactly one gets true.
func (s *Store) Rotate(ctx context.Context, id string, from int64, now, expires time.Time) (bool, error) {
	res, err := s.idb.NewUpdate().Model((*models.Session)(nil)).
		Set("generation = generation + 1").
		Set("rotated_at = ?", now).
		Set("expires_at = ?", expires).
		Set("last_used_at = ?", now).
		Where("id = ?", id).
		Where("generation = ?", from).
		Where("expires_at > ?", now).
		Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteSession removes one session; it reports whether one existed.
func (s *Store) DeleteSession(ctx context.Context, id string) (bool, error) {
	res, err := s.idb.NewDelete().Model((*models.Session)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeleteUserSessions ends every session of the user except `except` (may be "").
func (s *Store) DeleteUserSessions(ctx context.Context, userID, except string) error {
	q := s.idb.NewDelete().Model((*models.Session)(nil)).Where("user_id = ?", userID)
	if except != "" {
		q = q.Where("id <> ?", except)
	}
	_, err := q.Exec(ctx)
	return err
}

// DeleteExpiredSessions purges sessions that expired before now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.idb.NewDelete().Model((*models.Session)(nil)).Where("expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// UserSessions lists the user's unexpired sessions, newest first.
func (s *Store) UserSessions(ctx context.Context, userID string, now time.Time) ([]models.Session, error) {
	var out []models.Session
	err := s.idb.NewSelect().Model(&out).Where("user_id = ?", userID).Where("expires_at > ?", now).
		Order("created_at DESC", "id").Scan(ctx)
	return out, err
}

// SessionWithUser reads a session with its user and the user's role in one
// round trip (the refresh path).
func (s *Store) SessionWithUser(ctx context.Context, id string) (*models.Session, error) {
	sess := new(models.Session)
	err := s.idb.NewSelect().Model(sess).Relation("User").Relation("User.Role").
		Where("s.id = ?", id).Limit(1).Scan(ctx)
	if err == nil && sess.User == nil {
		return nil, ErrNotFound
	}
	return sess, mapErr(err)
}

// StartSession records a successful login in one transaction: the failure
// count reset and last_access (and a re-hashed password when newHash is
// set), the new session, and its audit row.
func (s *Store) StartSession(ctx context.Context, sess *models.Session, newHash string, a *models.Activity) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.RecordLogin(ctx, sess.UserID, sess.CreatedAt, newHash); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return tx.InsertActivity(ctx, a)
	})
}

// RotateWithUser is the refresh fast path on PostgreSQL: in one statement it
// rotates the session from generation `from` (only if unexpired and its user
// active) and returns what the new access token needs. ok is false when
// nothing was rotated (the caller then takes the general path) and always on
// SQLite, whose RETURNING cannot see the joined tables.
func (s *Store) RotateWithUser(ctx context.Context, id string, from int64, now, expires time.Time) (u *models.User, gen int64, ok bool, err error) {
	if !s.IsPostgres() {
		return nil, 0, false, nil
	}
	var row struct {
		Generation  int64      `bun:"generation"`
		UserID      string     `bun:"user_id"`
		RoleID      *string    `bun:"role"`
		LastAccess  *time.Time `bun:"last_access"`
		AdminAccess *bool      `bun:"admin_access"`
		AppAccess   *bool      `bun:"app_access"`
	}
	err = s.idb.NewRaw(`UPDATE gh_sessions AS s
SET generation = s.generation + 1, rotated_at = ?0, expires_at = ?1, last_used_at = ?0
FROM gh_users AS u LEFT JOIN gh_roles AS r ON r.id = u.role
WHERE s.id = ?2 AND s.generation = ?3 AND s.expires_at > ?0 AND u.id = s.user_id AND u.status = ?4
RETURNING s.generation, u.id AS user_id, u.role, u.last_access, r.admin_access, r.app_access`,
		now, expires, id, from, models.StatusActive).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	u = &models.User{ID: row.UserID, RoleID: row.RoleID, LastAccess: row.LastAccess, Status: models.StatusActive}
	if row.RoleID != nil {
		u.Role = &models.Role{ID: *row.RoleID, AdminAccess: row.AdminAccess != nil && *row.AdminAccess,
			AppAccess: row.AppAccess != nil && *row.AppAccess}
	}
	return u, row.Generation, true, nil
}
