package store

import (
	"context"

	"github.com/gatehouse/gatehouse/models"
)

// NonASCIIEmails lists the users whose email holds a character outside
// ASCII (id, email and email_lower only): the only rows whose email_lower
// can differ between the Unicode lowering once used and auth.NormalizeEmail.
func (s *Store) NonASCIIEmails(ctx context.Context) ([]models.User, error) {
	var out []models.User
	cond := "length(CAST(u.email AS BLOB)) <> length(u.email)" // SQLite: bytes vs characters
	if s.pg {
		cond = "octet_length(u.email) <> char_length(u.email)"
	}
	err := s.idb.NewSelect().Model(&out).Column("id", "email", "email_lower").
		Where("u.email IS NOT NULL").Where(cond).Order("u.created_at", "u.id").Scan(ctx)
	return out, mapErr(err)
}

// SetEmailKey rewrites one user's email_lower; a key another user holds is
// ErrDuplicate.
func (s *Store) SetEmailKey(ctx context.Context, userID, key string) error {
	_, err := s.idb.NewUpdate().Model((*models.User)(nil)).Set("email_lower = ?", key).
		Where("id = ?", userID).Exec(ctx)
	return mapErr(err)
}
