package store

import (
	"cmp"
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/models"
)

func (s *Store) userQuery(u *models.User) *bun.SelectQuery {
	return s.idb.NewSelect().Model(u).Relation("Role")
}

// UserByEmail finds a user by the lowered email.
func (s *Store) UserByEmail(ctx context.Context, emailLower string) (*models.User, error) {
	u, p := new(models.User), s.params()
	err := s.userQuery(u).Where("?TableAlias.email_lower = ?", p.add(emailLower)).Limit(1).Conn(s.conn(p)).Scan(ctx)
	return u, mapErr(err)
}

// UserRecord finds a user by id without the role join: for callers that need
// only the user's own columns (GET /users/me, the admin Users API).
func (s *Store) UserRecord(ctx context.Context, id string) (*models.User, error) {
	u, p := new(models.User), s.params()
	err := s.idb.NewSelect().Model(u).Where("id = ?", p.add(id)).Limit(1).Conn(s.conn(p)).Scan(ctx)
	return u, mapErr(err)
}

// UserByID finds a user by id, with its role.
func (s *Store) UserByID(ctx context.Context, id string) (*models.User, error) {
	u := new(models.User)
	err := s.userQuery(u).Where("?TableAlias.id = ?", id).Limit(1).Scan(ctx)
	return u, mapErr(err)
}

// ActiveUserByTokenHash finds the active user whose static token hashes to hash.
func (s *Store) ActiveUserByTokenHash(ctx context.Context, hash string) (*models.User, error) {
	u := new(models.User)
	err := s.userQuery(u).Where("?TableAlias.token_hash = ?", hash).
		Where("?TableAlias.status = ?", models.StatusActive).Limit(1).Scan(ctx)
	return u, mapErr(err)
}

// CreateUser inserts u; a taken email or token is ErrDuplicate.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	_, err := s.idb.NewInsert().Model(u).Exec(ctx)
	return mapErr(err)
}

// RecordLogin clears the failure counter, releases the login's check
// reservation, stamps last_access and, when newHash is set, stores a
// re-hashed password; only for an active user (ErrNotActive otherwise), so a
// user suspended while the login was in flight gets no session.
func (s *Store) RecordLogin(ctx context.Context, userID string, now time.Time, newHash string) error {
	p := s.params()
	res, err := s.recordLogin(p, userID, now, newHash).Conn(s.conn(p)).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, ErrNotActive)
	}
	return nil
}

// recordLogin is RecordLogin's UPDATE, for StartSession to run as a CTE.
func (s *Store) recordLogin(p *params, userID string, now time.Time, newHash string) *bun.UpdateQuery {
	q := s.idb.NewUpdate().Model((*models.User)(nil)).
		Set("failed_logins = 0").
		Set("login_pending = "+releasePending).
		Set("last_access = ?", p.add(now)).
		Where("id = ?", p.add(userID)).
		Where("status = ?", p.add(models.StatusActive))
	if newHash != "" {
		q = q.Set("password = ?", p.add(newHash)).Set("updated_at = ?", p.add(now))
	}
	return q
}

// TouchLastAccess stamps last_access unless it is already newer than since,
// so a refresh storm does not write the user row every time.
func (s *Store) TouchLastAccess(ctx context.Context, userID string, now, since time.Time) error {
	p := s.params()
	_, err := s.idb.NewUpdate().Model((*models.User)(nil)).Conn(s.conn(p)).
		Set("last_access = ?", p.add(now)).
		Where("id = ?", p.add(userID)).
		Where("(last_access IS NULL OR last_access < ?)", p.add(since)).
		Exec(ctx)
	return err
}

// HasAdmin reports whether any user holds a role with admin access.
func (s *Store) HasAdmin(ctx context.Context) (bool, error) {
	return s.idb.NewSelect().Model((*models.User)(nil)).
		Join("JOIN gh_roles AS r ON r.id = u.role").
		Where("r.admin_access = ?", true).Exists(ctx)
}

// AdminRole returns the first role with admin access.
func (s *Store) AdminRole(ctx context.Context) (*models.Role, error) {
	r := new(models.Role)
	err := s.idb.NewSelect().Model(r).Where("admin_access = ?", true).Order("created_at").Limit(1).Scan(ctx)
	return r, mapErr(err)
}

// CreateRole inserts r.
func (s *Store) CreateRole(ctx context.Context, r *models.Role) error {
	_, err := s.idb.NewInsert().Model(r).Exec(ctx)
	return mapErr(err)
}

// UseTOTPStep records step as the user's last spent TOTP step, only if it is
// newer than the one recorded: true means the code had not been used.
func (s *Store) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := s.idb.NewUpdate().Model((*models.User)(nil)).
		Set("tfa_last_step = ?", step).
		Where("id = ?", userID).
		Where("(tfa_last_step IS NULL OR tfa_last_step < ?)", step).
		Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
