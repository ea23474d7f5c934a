package store

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// ListKeys returns every signing key, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]models.Key, error) {
	var keys []models.Key
	err := s.idb.NewSelect().Model(&keys).Order("created_at").Scan(ctx)
	return keys, err
}

// InsertKey stores a new key.
func (s *Store) InsertKey(ctx context.Context, k *models.Key) error {
	_, err := s.idb.NewInsert().Model(k).Exec(ctx)
	return mapErr(err)
}

// RetireKeys stops every unretired key older than exceptKID from signing.
// Only older ones: when two instances generate a key at the same moment,
// each retiring "all the others" would leave no signer at all.
func (s *Store) RetireKeys(ctx context.Context, exceptKID string, retiredAt, deleteAfter time.Time) error {
	newer := s.idb.NewSelect().Model((*models.Key)(nil)).Column("created_at").Where("kid = ?", exceptKID)
	_, err := s.idb.NewUpdate().Model((*models.Key)(nil)).
		Set("retired_at = ?", retiredAt).
		Set("delete_after = ?", deleteAfter).
		Where("kid <> ?", exceptKID).
		Where("retired_at IS NULL").
		// "Older" in the Manager's order: created_at, then kid.
		Where("(created_at < (?) OR (created_at = (?) AND kid < ?))", newer, newer, exceptKID).
		Exec(ctx)
	return err
}

// DeleteKeysBefore removes keys whose verification window closed before t.
func (s *Store) DeleteKeysBefore(ctx context.Context, t time.Time) error {
	_, err := s.idb.NewDelete().Model((*models.Key)(nil)).
		Where("delete_after IS NOT NULL").
		Where("delete_after < ?", t).
		Exec(ctx)
	return err
}
