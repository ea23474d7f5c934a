package store

import (
	"context"

	"github.com/gatehouse/gatehouse/models"
)

// Discarded counts what DiscardSealed removed.
type Discarded struct {
	Keys, Sessions, Messages int64
}

// DiscardSealed is the last resort after SECRET is lost: it deletes every
// signing key (sealed with the lost SECRET), ends every session (their
// refresh tokens are keyed by it and their access tokens signed by those
// keys), abandons queued emails (their bodies are sealed by it) and drops
// 2FA proposals not yet enabled, in one transaction. TOTP secrets are left for the caller to report: clearing them
// would turn 2FA off without anyone deciding to.
func (s *Store) DiscardSealed(ctx context.Context) (Discarded, error) {
	var d Discarded
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.idb.NewDelete().Model((*models.Key)(nil)).Where("1 = 1").Exec(ctx)
		if err != nil {
			return mapErr(err)
		}
		d.Keys, _ = res.RowsAffected()
		if res, err = tx.idb.NewDelete().Model((*models.Session)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return mapErr(err)
		}
		d.Sessions, _ = res.RowsAffected()
		res, err = tx.idb.NewUpdate().Model((*models.Message)(nil)).
			Set("status = ?", models.MessageAbandoned).
			Set("last_error = ?", "sealed with a discarded SECRET (gatehouse keys reset)").
			Set("claimed_until = NULL").
			Set("html = ''").Set("text = ''").
			Where("status = ?", models.MessagePending).
			Exec(ctx)
		if err != nil {
			return mapErr(err)
		}
		d.Messages, _ = res.RowsAffected()
		// 2FA proposals not yet enabled: sealed too, and worth nothing.
		_, err = tx.idb.NewUpdate().Model((*models.User)(nil)).
			Set("tfa_pending = NULL").Set("tfa_pending_at = NULL").
			Where("tfa_pending IS NOT NULL").
			Exec(ctx)
		return mapErr(err)
	})
	return d, err
}
