package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/gatehouse/gatehouse/migrations"
)

// migrationLockID is the PostgreSQL advisory lock key that serialises
// migrations when several instances start together.
const migrationLockID = 0x6761746568 // "gateh"

// Migrate applies every pending migration and returns their names.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	ms, err := migrations.New()
	if err != nil {
		return nil, err
	}
	if s.IsPostgres() {
		// bun's own lock is a row that a crash leaves behind; an advisory
		// lock dies with its connection.
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, redactErr(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockID); err != nil {
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockID) //nolint:errcheck
	}
	m := migrate.NewMigrator(s.db, ms, migrate.WithTableName("gh_migrations"), migrate.WithLocksTableName("gh_migration_locks"))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var names []string
	for _, mg := range group.Migrations {
		names = append(names, mg.Name)
	}
	return names, nil
}
