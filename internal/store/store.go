// Package store holds every query Gatehouse runs, over bun, for PostgreSQL and
// SQLite alike. Callers get models and sentinel errors, never SQL.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Errors callers branch on.
var (
	ErrNotFound  = errors.New("store: not found")
	ErrDuplicate = errors.New("store: duplicate value")
)

// Store runs Gatehouse's queries.
type Store struct {
	db     *bun.DB
	idb    bun.IDB // db, or the transaction this Store runs in
	pg     bool
	pooled bool   // PostgreSQL behind a transaction-mode pooler: no session state
	direct string // DSN that bypasses the pooler, for migrations; may be empty
	// execMode is how the request-path queries run (params.go).
	execMode pgx.QueryExecMode
}

// New wraps an open database reached directly (no transaction pooler).
func New(db *bun.DB) *Store {
	return &Store{db: db, idb: db, pg: db.Dialect().Name() == dialect.PG, execMode: execMode(false)}
}

// NewFor wraps db, opened from o, minding o's pooler and direct DSN.
func NewFor(db *bun.DB, o Options) *Store {
	s := New(db)
	s.pooled = s.pg && o.Pooler == PoolerTransaction
	s.execMode = execMode(s.pooled)
	if s.pg {
		s.direct = o.DirectDSN
	}
	return s
}

// Pooled reports whether the database is reached through a transaction
// pooler, where session state (LISTEN, session locks, prepared statements)
// does not survive from one transaction to the next.
func (s *Store) Pooled() bool { return s.pooled }

// DirectDSN is the connection string that bypasses the pooler, if configured
// (LISTEN and migrations need a session of their own).
func (s *Store) DirectDSN() string { return s.direct }

// DB exposes the handle for migrations and tests.
func (s *Store) DB() *bun.DB { return s.db }

// Options select and size the database.
type Options struct {
	Client   string // "sqlite3" or "pg"
	Filename string // sqlite3
	DSN      string // pg
	PoolMax  int    // 0 = a default sized to the machine and the server (pool.go)
	// Pooler is PoolerTransaction when DSN goes through a transaction-mode
	// pooler such as PgBouncer; DirectDSN then may bypass it for migrations.
	Pooler    string
	DirectDSN string
}

// PoolerTransaction names a transaction-mode pooler in Options.Pooler.
const PoolerTransaction = "transaction"

// Open connects to the database described by o.
func Open(ctx context.Context, o Options) (*bun.DB, error) {
	switch o.Client {
	case "pg":
		cfg, err := pgx.ParseConfig(o.DSN)
		if err != nil {
			return nil, errors.New("open postgres: the connection string does not parse") // it may hold a password
		}
		if !strings.Contains(o.DSN, "default_query_exec_mode") {
			// Most statements carry their values in the SQL text (bun writes
			// them there), so each text is new: run them as unnamed statements,
			// one round trip and nothing cached. The request-path queries pass
			// parameters and ask for the statement cache (params.go).
			cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
		}
		sqldb := stdlib.OpenDB(*cfg)
		db := bun.NewDB(sqldb, pgdialect.New())
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("connect to postgres: %w", redactErr(err))
		}
		if err := fitPool(ctx, sqldb, o.PoolMax); err != nil {
			_ = db.Close()
			return nil, err
		}
		return db, nil
	case "sqlite3":
		if dir := filepath.Dir(o.Filename); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		// WAL lets readers run beside the one writer; immediate transactions
		// take the write lock up front so two writers never deadlock.
		dsn := "file:" + o.Filename + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
		sqldb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		n := o.PoolMax
		if n <= 0 {
			n = 2 * runtime.NumCPU()
		}
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		db := bun.NewDB(sqldb, sqlitedialect.New())
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", o.Filename, err)
		}
		return db, nil
	}
	return nil, fmt.Errorf("unknown database client %q", o.Client)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// IsPostgres tells the dialect apart where SQL must differ.
func (s *Store) IsPostgres() bool { return s.pg }

// InTx runs fn in one transaction; inside a transaction it joins it.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if _, inTx := s.idb.(bun.Tx); inTx {
		return fn(s)
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		in := *s
		in.idb = tx
		return fn(&in)
	})
}

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %s", ErrDuplicate, pgErr.ConstraintName)
	}
	if msg := err.Error(); strings.Contains(msg, "UNIQUE constraint failed") {
		// SQLite names the columns (never the values) after the colon.
		_, cols, _ := strings.Cut(msg, "UNIQUE constraint failed:")
		return fmt.Errorf("%w: %s", ErrDuplicate, strings.TrimSpace(cols))
	}
	return err
}

// redactErr keeps driver errors free of the password. A failed connection
// names the server(s) tried and the cause, which are what an operator needs.
func redactErr(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fmt.Errorf("cannot connect to the database server %s: %s", serversOf(ce.Config), connectCause(ce))
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return errors.New(pgErr.Message)
	}
	return err
}

// serversOf lists host:port of every server a connection may try, with the
// user and database (never the password).
func serversOf(c *pgconn.Config) string {
	if c == nil {
		return "(unknown)"
	}
	hosts := []string{net.JoinHostPort(c.Host, fmt.Sprint(c.Port))}
	for _, f := range c.Fallbacks {
		if hp := net.JoinHostPort(f.Host, fmt.Sprint(f.Port)); !slices.Contains(hosts, hp) {
			hosts = append(hosts, hp)
		}
	}
	return fmt.Sprintf("%s (user %q, database %q)", strings.Join(hosts, ", "), c.User, c.Database)
}

// connectCause is the reason a connection failed: the server's message, or
// the network's. pgx's own text starts with the user and database, already named.
func connectCause(ce *pgconn.ConnectError) string {
	var pgErr *pgconn.PgError
	if errors.As(ce, &pgErr) {
		return pgErr.Message
	}
	if inner := errors.Unwrap(ce); inner != nil {
		return strings.ReplaceAll(inner.Error(), "\n", "; ")
	}
	return "unknown cause"
}

// IsUnavailable reports whether err means the database could not be reached
// (down, restarting, pool exhausted past the deadline) rather than a bad query:
// callers answer 503 and retry later instead of 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception; 57P01-03: admin shutdown, crash shutdown,
		// cannot connect now; 25006: a read-only server (a standby, or a
		// primary set read-only during a failover or maintenance).
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") || pgErr.Code == "25006"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "database is locked")
}
