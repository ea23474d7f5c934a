package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/gatehouse/gatehouse/migrations"
)

// migrationLockID is the PostgreSQL advisory lock key that serialises
// migrations when several instances start together.
const migrationLockID = 0x6761746568 // "gateh"

// Migrate applies every pending migration and returns their names.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	var names []string
	err := s.withMigrator(ctx, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, mg := range group.Migrations {
			names = append(names, mg.Name)
		}
		return nil
	})
	return names, err
}

// withMigrator runs fn under the migration lock, over a session of its own
// when a pooler sits in the way and DB_DIRECT_URL goes around it.
func (s *Store) withMigrator(ctx context.Context, fn func(m *migrate.Migrator) error) error {
	if s.direct != "" {
		// Behind a pooler, with a way around it: migrate over a session of
		// our own, where the session lock below is safe.
		db, err := Open(ctx, Options{Client: "pg", DSN: s.direct, PoolMax: 2})
		if err != nil {
			return fmt.Errorf("DB_DIRECT_URL: %w", err)
		}
		defer db.Close()
		return New(db).withMigrator(ctx, fn)
	}
	ms, err := migrations.New()
	if err != nil {
		return err
	}
	if s.IsPostgres() {
		unlock, err := s.migrationLock(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	m := migrate.NewMigrator(s.db, ms, migrate.WithTableName("gh_migrations"), migrate.WithLocksTableName("gh_migration_locks"))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	return fn(m)
}

// migrationLock takes the migration lock and returns its release. bun's own
// lock is a row that a crash leaves behind; an advisory lock dies with its
// connection.
func (s *Store) migrationLock(ctx context.Context) (func(), error) {
	if s.pooled {
		return s.migrationXactLock(ctx)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, redactErr(err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockID); err != nil {
		conn.Close()
		return nil, fmt.Errorf("take migration lock: %w", redactErr(err))
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockID)
		conn.Close()
	}, nil
}

// migrationXactLock is the lock through a transaction pooler, where a session
// lock would be taken on one server connection and released on another (or
// never). A transaction keeps its server connection until it ends, so the
// lock is a transaction-level one, held by a transaction left open while the
// migrations run on other connections; if this process dies, the pooler drops
// that server connection and the lock with it. Waiters poll with a try-lock
// instead of blocking, so they hold no server connection the holder needs.
func (s *Store) migrationXactLock(ctx context.Context) (func(), error) {
	for {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("take migration lock: %w", redactErr(err))
		}
		var got bool
		if err := tx.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock(?)", migrationLockID).Scan(&got); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("take migration lock: %w", redactErr(err))
		}
		if got {
			return func() { _ = tx.Rollback() }, nil
		}
		_ = tx.Rollback()
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("take migration lock: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
