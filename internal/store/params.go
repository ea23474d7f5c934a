package store

import (
	"context"
	"database/sql"
	"reflect"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// params carries a hot query's values to the driver as parameters.
//
// bun writes values into the SQL text, so most statements have a text of
// their own; the pool runs those unprepared (see Open). The few queries on the
// request path (refresh, login, /users/me) instead put $n placeholders in the
// text and pass the values here, so their text never changes and pgx prepares
// each once per connection: no parse or plan per request, one round trip.
// SQLite gains nothing from this, and compares times as text in bun's format,
// so there the values stay inline.
type params struct {
	pg   bool
	mode pgx.QueryExecMode
	vals []any
}

func (s *Store) params() *params { return &params{pg: s.pg, mode: s.execMode} }

// execMode is how request-path queries run: prepared once per connection,
// or through a transaction pooler with only the description cached (as fast
// there; see BENCHMARKS.md, "PgBouncer").
func execMode(pooled bool) pgx.QueryExecMode {
	if pooled {
		return pgx.QueryExecModeCacheDescribe
	}
	return pgx.QueryExecModeCacheStatement
}

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
	return c.raw.QueryContext(ctx, query, c.args()...)
}

func (c boundConn) ExecContext(ctx context.Context, query string, _ ...any) (sql.Result, error) {
	return c.raw.ExecContext(ctx, query, c.args()...)
}

func (c boundConn) QueryRowContext(ctx context.Context, query string, _ ...any) *sql.Row {
	return c.raw.QueryRowContext(ctx, query, c.args()...)
}

// args leads with pgx's option to prepare the statement once per connection
// and reuse it: the pool's default runs statements unprepared (Open).
// Through a transaction pooler the next statement may reach another server
// connection, where that prepared statement does not exist: there pgx keeps
// only the statement's description and sends it unnamed each time.
func (c boundConn) args() []any {
	return append([]any{c.p.mode}, c.p.vals...)
}

// insertBound is an INSERT of model's row (a pointer to a struct) whose
// values are bound to p, so its text is the same for every row. bun would
// add RETURNING for every column set by Value, and scan the row it sent
// back into model; Returning("") leaves that out. exprs gives SQL to write
// instead of a bound value, by column.
func (s *Store) insertBound(p *params, model any, exprs map[string]string) *bun.InsertQuery {
	q := s.idb.NewInsert().Model(model)
	if !p.pg {
		return q
	}
	q = q.Returning("")
	row := reflect.ValueOf(model).Elem()
	for _, f := range s.db.Table(row.Type()).Fields {
		if e, ok := exprs[f.Name]; ok {
			q = q.Value(f.Name, e)
			continue
		}
		var v any
		if !(f.NullZero && f.HasZeroValue(row)) {
			v = f.Value(row).Interface()
		}
		q = q.Value(f.Name, "?", p.add(v))
	}
	return q
}
