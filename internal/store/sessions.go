package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

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
	p := s.params()
	res, err := s.rotation(p, id, from, now, expires).Conn(s.conn(p)).Exec(ctx)
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
// round trip (logout, and the refresh on SQLite).
func (s *Store) SessionWithUser(ctx context.Context, id string) (*models.Session, error) {
	sess, p := new(models.Session), s.params()
	err := withRefreshColumns(s.idb.NewSelect().Model(sess)).
		Where("s.id = ?", p.add(id)).Limit(1).Conn(s.conn(p)).Scan(ctx)
	if err == nil && sess.User == nil {
		return nil, ErrNotFound
	}
	return sess, mapErr(err)
}

// withRefreshColumns selects a session with its user and role, only the
// columns a refresh or logout reads.
func withRefreshColumns(q *bun.SelectQuery) *bun.SelectQuery {
	return q.Column("s.id", "s.user_id", "s.generation", "s.rotated_at", "s.expires_at", "s.created_at").
		Relation("User", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Column("id", "status", "role", "last_access")
		}).
		Relation("User.Role", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Column("id", "admin_access", "app_access")
		})
}

// ReadAndRotate reads a session with its user and role, as SessionWithUser,
// and advances it from generation `from` (as Rotate) when it is unexpired and
// its user active: on PostgreSQL in one statement, so a refresh costs one
// round trip. The session returned is as it was before the rotation; rotated
// tells whether this call advanced it (false too when a concurrent call with
// the same `from` got there first).
func (s *Store) ReadAndRotate(ctx context.Context, id string, from int64, now, expires time.Time) (*models.Session, bool, error) {
	if !s.pg {
		sess, err := s.SessionWithUser(ctx, id)
		if err != nil || sess.Generation != from || !sess.ExpiresAt.After(now) || sess.User.Status != models.StatusActive {
			return sess, false, err
		}
		ok, err := s.Rotate(ctx, id, from, now, expires)
		return sess, ok, err
	}
	p := s.params()
	rot := s.rotation(p, id, from, now, expires).
		Where("EXISTS (SELECT 1 FROM gh_users AS a WHERE a.id = s.user_id AND a.status = ?)", models.StatusActive).
		Returning("s.generation")
	// Every part of the statement sees the rows as they were when it began:
	// the SELECT reads the session before the UPDATE advances it.
	row := new(rotatedSession)
	err := withRefreshColumns(s.idb.NewSelect().Model(row).With("rot", rot)).
		ColumnExpr("(SELECT generation FROM rot) AS rotated_to").
		Where("s.id = ?", p.add(id)).Limit(1).Conn(s.conn(p)).Scan(ctx)
	if err == nil && row.User == nil {
		return nil, false, ErrNotFound
	}
	if err != nil {
		return nil, false, mapErr(err)
	}
	return &row.Session, row.RotatedTo != nil, nil
}

// rotation advances session id from generation `from`, if it is unexpired:
// the rule Rotate and ReadAndRotate share.
func (s *Store) rotation(p *params, id string, from int64, now, expires time.Time) *bun.UpdateQuery {
	pnow := p.add(now)
	return s.idb.NewUpdate().Model((*models.Session)(nil)).
		Set("generation = generation + 1").
		Set("rotated_at = ?", pnow).
		Set("expires_at = ?", p.add(expires)).
		Set("last_used_at = ?", pnow).
		Where("s.id = ?", p.add(id)).
		Where("s.generation = ?", p.add(from)).
		Where("s.expires_at > ?", pnow)
}

// rotatedSession is a session read by ReadAndRotate, with the generation its
// UPDATE produced (NULL when it did not rotate).
type rotatedSession struct {
	models.Session `bun:",extend"`
	RotatedTo      *int64 `bun:"rotated_to,scanonly"`
}

// StartSession records a successful login atomically, for a user that is
// still active (ErrNotActive otherwise): the failure count
// reset and last_access (and a re-hashed password when newHash is set), the
// new session, and its audit row.
//
// On PostgreSQL the three writes are one statement (the user UPDATE and the
// session INSERT as data-modifying CTEs of the audit INSERT) with bound
// values: one round trip and one prepared plan instead of BEGIN, three
// statements parsed afresh, and COMMIT. SQLite has no data-modifying CTEs,
// so there they run in a transaction.
func (s *Store) StartSession(ctx context.Context, sess *models.Session, newHash string, a *models.Activity) error {
	if s.pg {
		p := s.params()
		// The session's user_id is the id the user UPDATE returned: NULL,
		// and so a NOT NULL violation that undoes the whole statement, when
		// the user is no longer active.
		_, err := s.insertBound(p, a, nil).Conn(s.conn(p)).
			With("u", s.recordLogin(p, sess.UserID, sess.CreatedAt, newHash).Returning("id")).
			With("s", s.insertBound(p, sess, map[string]string{"user_id": "(SELECT id FROM u)"})).
			Exec(ctx)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23502" && pgErr.ColumnName == "user_id" {
			return ErrNotActive
		}
		return mapErr(err)
	}
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
