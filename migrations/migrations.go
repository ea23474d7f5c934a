// Package migrations holds Gatehouse's schema as portable SQL files that run
// unchanged on PostgreSQL and SQLite (type names SQLite accepts by affinity).
package migrations

import (
	"embed"

	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var files embed.FS

// New returns the migration set. A fresh value each call: no global state.
func New() (*migrate.Migrations, error) {
	m := migrate.NewMigrations()
	if err := m.Discover(files); err != nil {
		return nil, err
	}
	return m, nil
}
