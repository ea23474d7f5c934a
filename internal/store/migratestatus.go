package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun/migrate"
)

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Name      string // the version, e.g. 20261127000001
	Comment   string // the rest of the file name, e.g. init
	Applied   bool
	AppliedAt time.Time // zero when pending
}

// MigrationStatus lists every migration this binary knows, oldest first.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	var out []MigrationState
	err := s.withMigrator(ctx, func(m *migrate.Migrator) error {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		for _, mg := range ms {
			out = append(out, MigrationState{Name: mg.Name, Comment: mg.Comment, Applied: mg.IsApplied(), AppliedAt: mg.MigratedAt})
		}
		return nil
	})
	return out, err
}

// Label is the migration's file name without its suffix.
func (m MigrationState) Label() string {
	if m.Comment == "" {
		return m.Name
	}
	return m.Name + "_" + m.Comment
}

// ErrNothingApplied: there is no migration to roll back.
var ErrNothingApplied = errors.New("no migration is applied")

// LastApplied is the newest applied migration.
func (s *Store) LastApplied(ctx context.Context) (MigrationState, error) {
	st, err := s.MigrationStatus(ctx)
	if err != nil {
		return MigrationState{}, err
	}
	for i := len(st) - 1; i >= 0; i-- {
		if st[i].Applied {
			return st[i], nil
		}
	}
	return MigrationState{}, ErrNothingApplied
}

// RollbackLast reverts the newest applied migration, one only (bun's own
// rollback reverts a whole group, which on a first start is every table),
// provided it is still name: the caller confirmed that one.
func (s *Store) RollbackLast(ctx context.Context, name string) error {
	return s.withMigrator(ctx, func(m *migrate.Migrator) error {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		for i := len(ms) - 1; i >= 0; i-- {
			mg := &ms[i]
			if !mg.IsApplied() {
				continue
			}
			if mg.Name != name {
				return fmt.Errorf("the newest applied migration is now %s, not %s", mg.Name, name)
			}
			if mg.Down == nil {
				return fmt.Errorf("%s has no down migration", mg.Name)
			}
			if err := mg.Down(ctx, m, mg); err != nil {
				return fmt.Errorf("%s: down: %w", mg.Name, err)
			}
			return m.MarkUnapplied(ctx, mg)
		}
		return ErrNothingApplied
	})
}
