package store

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// Queries for `gatehouse import directus` and for the imported tokens it
// leaves behind. Every write is an upsert by primary key, so an import can
// run again.

// AllUsers reads every user without relations (an import compares them all).
func (s *Store) AllUsers(ctx context.Context) ([]models.User, error) {
	var out []models.User
	return out, s.idb.NewSelect().Model(&out).Order("u.id").Scan(ctx)
}

// ImportedUserIDs returns the ids of users imported from source.
func (s *Store) ImportedUserIDs(ctx context.Context, source string) (map[string]bool, error) {
	var ids []string
	err := s.idb.NewSelect().Model((*models.ImportedUser)(nil)).Column("user_id").
		Where("source = ?", source).Scan(ctx, &ids)
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// UpsertRole inserts r, or overwrites the row with r's id.
func (s *Store) UpsertRole(ctx context.Context, r *models.Role) error {
	_, err := s.idb.NewInsert().Model(r).
		On("CONFLICT (id) DO UPDATE").
		Set("name = EXCLUDED.name").
		Set("description = EXCLUDED.description").
		Set("admin_access = EXCLUDED.admin_access").
		Set("app_access = EXCLUDED.app_access").
		Exec(ctx)
	return mapErr(err)
}

// ImportUser inserts u, or overwrites the named columns of the row with u's
// id, and marks it imported from source; one transaction.
func (s *Store) ImportUser(ctx context.Context, u *models.User, columns []string, source string, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		q := tx.idb.NewInsert().Model(u).On("CONFLICT (id) DO UPDATE")
		for _, c := range columns {
			q = q.Set(c + " = EXCLUDED." + c)
		}
		if _, err := q.Exec(ctx); err != nil {
			return mapErr(err)
		}
		_, err := tx.idb.NewInsert().Model(&models.ImportedUser{UserID: u.ID, Source: source, ImportedAt: now}).
			On("CONFLICT (user_id) DO NOTHING").Exec(ctx)
		return mapErr(err)
	})
}

// ImportedSessions lists every imported token with the session it became
// (nil once that session ended).
func (s *Store) ImportedSessions(ctx context.Context) ([]models.ImportedSession, error) {
	var out []models.ImportedSession
	return out, s.idb.NewSelect().Model(&out).Relation("Session").Order("isess.token_hash").Scan(ctx)
}

// CreateImportedSession inserts a session and the imported token that
// stands for its generation 0, in one transaction.
func (s *Store) CreateImportedSession(ctx context.Context, sess *models.Session, imp *models.ImportedSession) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		imp.SessionID = &sess.ID
		_, err := tx.idb.NewInsert().Model(imp).Exec(ctx)
		return mapErr(err)
	})
}

// DeleteImportedSession forgets an imported token and ends its session.
func (s *Store) DeleteImportedSession(ctx context.Context, tokenHash string) error {
	return s.InTx(ctx, func(tx *Store) error {
		imp := new(models.ImportedSession)
		err := tx.idb.NewSelect().Model(imp).Where("token_hash = ?", tokenHash).Limit(1).Scan(ctx)
		if err != nil {
			return mapErr(err)
		}
		if imp.SessionID != nil {
			if _, err := tx.DeleteSession(ctx, *imp.SessionID); err != nil {
				return err
			}
		}
		_, err = tx.idb.NewDelete().Model((*models.ImportedSession)(nil)).Where("token_hash = ?", tokenHash).Exec(ctx)
		return err
	})
}

// ImportedSessionID returns the live session an imported token stands for:
// ErrNotFound for an unknown token or one whose session has ended.
func (s *Store) ImportedSessionID(ctx context.Context, tokenHash string) (string, error) {
	imp, p := new(models.ImportedSession), s.params()
	err := s.idb.NewSelect().Model(imp).Column("session_id").Where("token_hash = ?", p.add(tokenHash)).
		Limit(1).Conn(s.conn(p)).Scan(ctx)
	if err == nil && imp.SessionID == nil {
		return "", ErrNotFound
	}
	if err != nil {
		return "", mapErr(err)
	}
	return *imp.SessionID, nil
}

// ImportedUser reads a user imported from source, with its role;
// ErrNotFound for any other user.
func (s *Store) ImportedUser(ctx context.Context, id, source string) (*models.User, error) {
	u := new(models.User)
	err := s.userQuery(u).Where("?TableAlias.id = ?", id).
		Where("EXISTS (SELECT 1 FROM gh_imported_users AS iu WHERE iu.user_id = ?TableAlias.id AND iu.source = ?)", source).
		Limit(1).Scan(ctx)
	return u, mapErr(err)
}
