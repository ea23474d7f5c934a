package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
)

// defaultPool is the pool size when none is configured: enough connections
// to keep PostgreSQL's cores busy while others wait on the network.
func defaultPool() int { return 4*runtime.NumCPU() + 8 }

// poolSize fits the pool to what the server allows. An explicit size above
// the server's whole allowance is an error: past max_connections PostgreSQL
// refuses connections, and requests would fail under load instead of at
// start. The default takes at most half of the allowance, leaving the rest
// to other instances, migrations and people with psql.
func poolSize(requested, available int) (int, error) {
	if requested > 0 {
		if requested > available {
			return 0, fmt.Errorf("DB_POOL_MAX=%d is more than the %d connections the PostgreSQL server allows", requested, available)
		}
		return requested, nil
	}
	return max(2, min(defaultPool(), available/2)), nil
}

// fitPool sizes the pool of db against the server's max_connections, less
// the connections it reserves for superusers (and, from PostgreSQL 16, for
// the pg_use_reserved_connections role).
func fitPool(ctx context.Context, db *sql.DB, requested int) error {
	var available int
	err := db.QueryRowContext(ctx, `SELECT current_setting('max_connections')::int
		- current_setting('superuser_reserved_connections')::int
		- coalesce(current_setting('reserved_connections', true), '0')::int`).Scan(&available)
	if err != nil {
		return fmt.Errorf("read max_connections: %w", redactErr(err))
	}
	n, err := poolSize(requested, available)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return nil
}
