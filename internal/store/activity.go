package store

import (
	"context"

	"github.com/gatehouse/gatehouse/models"
)

// InsertActivity writes one audit row.
func (s *Store) InsertActivity(ctx context.Context, a *models.Activity) error {
	_, err := s.idb.NewInsert().Model(a).Exec(ctx)
	return err
}

// Activities lists a user's audit rows, oldest first (for tests and admins).
func (s *Store) Activities(ctx context.Context, userID string) ([]models.Activity, error) {
	var out []models.Activity
	err := s.idb.NewSelect().Model(&out).Where("user_id = ?", userID).Order("timestamp").Scan(ctx)
	return out, err
}
