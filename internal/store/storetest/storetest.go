// Package storetest gives each test its own migrated database: a SQLite file in
// a temp dir, or a PostgreSQL database copied from a template migrated once per
// test binary.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver

	"github.com/gatehouse/gatehouse/internal/store"
)

// Dialects are the database clients every store-backed test runs on.
var Dialects = []string{"sqlite3", "pg"}

// Each runs fn once per dialect, as parallel subtests.
func Each(t *testing.T, fn func(t *testing.T, client string)) {
	t.Helper()
	for _, client := range Dialects {
		t.Run(client, func(t *testing.T) {
			t.Parallel()
			fn(t, client)
		})
	}
}

// Options returns store options for a fresh, migrated database of the given
// client, dropped when the test ends.
func Options(t testing.TB, client string) store.Options {
	t.Helper()
	switch client {
	case "sqlite3":
		o := store.Options{Client: "sqlite3", Filename: filepath.Join(t.TempDir(), "gatehouse.db")}
		Migrate(t, o)
		return o
	case "pg":
		return store.Options{Client: "pg", DSN: pg.database(t)}
	}
	t.Fatalf("unknown client %q", client)
	return store.Options{}
}

// New opens a fresh, migrated store of the given client.
func New(t testing.TB, client string) *store.Store {
	t.Helper()
	return Open(t, Options(t, client))
}

// Open opens the store o names, minding its pooler, and closes it when the
// test ends: the one way tests open a store.
func Open(t testing.TB, o store.Options) *store.Store {
	t.Helper()
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store.NewFor(db, o)
}

// Migrate applies the migrations to the database o names.
func Migrate(t testing.TB, o store.Options) {
	t.Helper()
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := store.NewFor(db, o).Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

const prefix = "ghtest_"

// pgServer lazily migrates one template database per test binary.
type pgServer struct {
	once     sync.Once
	mu       sync.Mutex // CREATE DATABASE … TEMPLATE wants the template idle
	admin    *sql.DB
	template string
	err      error
}

var pg pgServer

func adminURL() string {
	if u := os.Getenv("TEST_PG_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%d_%s", prefix, time.Now().Unix(), hex.EncodeToString(b))
}

func (p *pgServer) setup() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", adminURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		p.err = fmt.Errorf("PostgreSQL is not reachable at TEST_PG_URL: %w", err)
		return
	}
	p.admin = admin
	p.dropLeftovers(ctx)
	p.template = randomName() + "_tmpl"
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+p.template); err != nil {
		p.err = err
		return
	}
	db, err := store.Open(ctx, store.Options{Client: "pg", DSN: withDatabase(adminURL(), p.template), PoolMax: 2})
	if err != nil {
		p.err = err
		return
	}
	_, p.err = store.New(db).Migrate(ctx)
	db.Close()
}

// dropLeftovers removes databases of crashed runs (older than an hour).
func (p *pgServer) dropLeftovers(ctx context.Context) {
	rows, err := p.admin.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix+"%")
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		parts := strings.SplitN(strings.TrimPrefix(n, prefix), "_", 2)
		ts, err := strconv.ParseInt(parts[0], 10, 64)
		if err == nil && time.Since(time.Unix(ts, 0)) > time.Hour {
			_, _ = p.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)")
		}
	}
}

// EmptyDatabase returns the DSN of a new PostgreSQL database with no tables
// (for migration tests), dropped when the test ends.
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	return pg.create(t, false)
}

func (p *pgServer) database(t testing.TB) string {
	t.Helper()
	return p.create(t, true)
}

// create makes a database, a copy of the migrated template or empty.
func (p *pgServer) create(t testing.TB, migrated bool) string {
	t.Helper()
	p.once.Do(p.setup)
	if p.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL tests must run under CI: %v", p.err)
		}
		t.Skipf("skipping PostgreSQL test: %v (set TEST_PG_URL or start PostgreSQL)", p.err)
	}
	name := randomName()
	q := "CREATE DATABASE " + name
	if migrated {
		q += " TEMPLATE " + p.template
	}
	p.mu.Lock()
	_, err := p.admin.Exec(q)
	p.mu.Unlock()
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = p.admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(adminURL(), name)
}

// Main runs the tests, then drops this binary's template database.
func Main(m *testing.M) {
	code := m.Run()
	if pg.admin != nil && pg.template != "" {
		_, _ = pg.admin.Exec("DROP DATABASE IF EXISTS " + pg.template + " WITH (FORCE)")
		pg.admin.Close()
	}
	os.Exit(code)
}
