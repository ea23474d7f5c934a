package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/models"
)

// KeysChannel is the PostgreSQL NOTIFY channel AddKey signals, so instances
// listening on it reload their key set at once.
const KeysChannel = "gh_keys"

// ListKeys returns every signing key, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]models.Key, error) {
	var keys []models.Key
	err := s.idb.NewSelect().Model(&keys).Order("generation", "created_at", "kid").Scan(ctx)
	return keys, err
}

// AddKey stores k unless a key of its generation exists (another instance
// staged one first: false, nothing changed). In the same transaction every
// older key still unretired is retired at k.ActivatesAt and verifies until
// deleteAfter, and keys whose verification window closed before now go.
func (s *Store) AddKey(ctx context.Context, k *models.Key, deleteAfter, now time.Time) (bool, error) {
	added := false
	err := s.InTx(ctx, func(tx *Store) error {
		// ON CONFLICT DO NOTHING: a lost race is an answer, not an error
		// that would abort the transaction on PostgreSQL.
		res, err := tx.idb.NewInsert().Model(k).On("CONFLICT (generation) DO NOTHING").Exec(ctx)
		if err != nil {
			return mapErr(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		added = true
		if _, err := tx.idb.NewUpdate().Model((*models.Key)(nil)).
			Set("retired_at = ?", k.ActivatesAt).
			Set("delete_after = ?", deleteAfter).
			Where("generation < ?", k.Generation).
			Where("retired_at IS NULL").
			Exec(ctx); err != nil {
			return err
		}
		if err := tx.DeleteKeysBefore(ctx, now); err != nil {
			return err
		}
		return tx.notifyKeys(ctx, tx.idb)
	})
	return added, err
}

// notifyKeys wakes the instances listening on KeysChannel; PostgreSQL
// delivers it when the transaction commits (through a pooler too).
func (s *Store) notifyKeys(ctx context.Context, db bun.IDB) error {
	if !s.pg {
		return nil
	}
	_, err := db.ExecContext(ctx, "SELECT pg_notify(?, '')", KeysChannel)
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
