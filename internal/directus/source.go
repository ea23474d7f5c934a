// Package directus reads a Directus 11/12 database (PostgreSQL or SQLite,
// read-only) and imports its roles, users, 2FA secrets, static tokens and
// live sessions into Gatehouse (`gatehouse import directus`). Reading lives
// here; writes go through internal/store, and the token rules Gatehouse
// applies to what was imported live in internal/auth (directus.go).
package directus

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver
	_ "modernc.org/sqlite"             // "sqlite" driver
)

// ErrNotDirectus means the source is not a Directus database, or one of a
// version the importer does not know.
var ErrNotDirectus = errors.New("not a Directus database this importer knows")

// Source is an open, read-only Directus database.
type Source struct {
	db *sql.DB
	pg bool
}

// isPostgres tells a PostgreSQL connection string from a file path.
func isPostgres(from string) bool {
	l := strings.ToLower(from)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") ||
		strings.Contains(l, "host=") || strings.Contains(l, "dbname=")
}

// Open opens from read-only: a PostgreSQL connection string, or the path of
// a SQLite file (optionally prefixed sqlite: or file:). Directus may keep
// running meanwhile.
func Open(ctx context.Context, from string) (*Source, error) {
	if strings.TrimSpace(from) == "" {
		return nil, errors.New("--from is required: a Directus PostgreSQL connection string or SQLite file")
	}
	if isPostgres(from) {
		db, err := sql.Open("pgx", from)
		if err == nil {
			err = db.PingContext(ctx)
		}
		if err != nil {
			// The connection string may hold a password: never echo it.
			return nil, fmt.Errorf("cannot connect to the Directus PostgreSQL database: %s", pgReason(err))
		}
		db.SetMaxOpenConns(2)
		return &Source{db: db, pg: true}, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(from, "sqlite:"), "file:")
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return nil, fmt.Errorf("cannot read the Directus SQLite file %s: not a readable file", path)
	}
	// mode=ro opens read-only (Directus may hold it open); query_only
	// refuses writes on this connection too.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("open the Directus SQLite file %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return &Source{db: db}, nil
}

// pgReason keeps a connect error's gist without connection details.
func pgReason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "does not exist"):
		return "the database does not exist"
	case strings.Contains(msg, "password authentication failed"):
		return "password authentication failed"
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "dial"):
		return "the server does not answer"
	}
	return "the connection string is invalid or the server refused it"
}

// Close releases the connection.
func (s *Source) Close() error { return s.db.Close() }

// columns returns the column names of table ("" set when it does not exist).
func (s *Source) columns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	q := "SELECT name FROM pragma_table_info(?)"
	if s.pg {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
	}
	rows, err := tx.QueryContext(ctx, q, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}
