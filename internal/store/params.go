package store

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/uptrace/bun"
)

// params carries a hot query's values to the driver as parameters.
//
// bun writes values into the SQL text, so every query has a text of its own:
// pgx then prepares each one afresh (an extra round trip, and a parse and plan
// in PostgreSQL) and fills its per-connection statement cache with one-offs.
// The few queries on the request path (refresh, login, /users/me) instead put
// $n placeholders in the text and pass the values here, so the text is the
// same every time and pgx runs its cached prepared statement. SQLite gains
// nothing from this, and compares times as text in bun's format, so there the
// values stay inline.
type params struct {
	pg   bool
	vals []any
}

func (s *Store) params() *params { return &params{pg: s.pg} }

// add returns what to write in the query for v.
func (p *params) add(v any) any {
	if !p.pg {
		return v
	}
	p.vals = append(p.vals, v)
	return bun.Safe("$" + strconv.Itoa(len(p.vals)))
}

// conn is where a query built with p must run: the database or transaction
// of s, below bun's formatting, with p's values attached.
func (s *Store) conn(p *params) bun.IConn {
	if !p.pg {
		return s.idb
	}
	var raw bun.IConn = s.db.DB
	if tx, ok := s.idb.(bun.Tx); ok {
		raw = tx.Tx
	}
	return boundConn{raw: raw, p: p}
}

// boundConn reads p's values when the query runs, after the builder
// chain has added them all.
type boundConn struct {
	raw bun.IConn
	p   *params
}

func (c boundConn) QueryContext(ctx context.Context, query string, _ ...any) (*sql.Rows, error) {
	return c.raw.QueryContext(ctx, query, c.p.vals...)
}

func (c boundConn) ExecContext(ctx context.Context, query string, _ ...any) (sql.Result, error) {
	return c.raw.ExecContext(ctx, query, c.p.vals...)
}

func (c boundConn) QueryRowContext(ctx context.Context, query string, _ ...any) *sql.Row {
	return c.raw.QueryRowContext(ctx, query, c.p.vals...)
}
