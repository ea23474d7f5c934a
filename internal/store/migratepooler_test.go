package store_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/migrations"
)

// Instances that start together behind a transaction pooler migrate an empty
// database once between them, and leave no lock behind: through the pooler
// with a transaction-level lock, or around it with DB_DIRECT_URL.
func TestMigrateThroughPooler(t *testing.T) {
	for name, direct := range map[string]bool{"xact-lock": false, "direct-url": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.EmptyDatabase(t)
			o := store.Options{Client: "pg", DSN: storetest.PgBouncer(t, dsn), Pooler: store.PoolerTransaction, PoolMax: 4}
			if direct {
				o.DirectDSN = dsn
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			const instances = 4
			var wg sync.WaitGroup
			var mu sync.Mutex
			applied := 0
			for range instances {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db, err := store.Open(ctx, o)
					if err != nil {
						t.Error(err)
						return
					}
					defer db.Close()
					names, err := store.NewFor(db, o).Migrate(ctx)
					if err != nil {
						t.Errorf("migrate: %v", err)
					}
					mu.Lock()
					applied += len(names)
					mu.Unlock()
				}()
			}
			wg.Wait()
			ms, err := migrations.New()
			if err != nil {
				t.Fatal(err)
			}
			if want := len(ms.Sorted()); applied != want {
				t.Fatalf("%d migrations applied between the instances, want each of %d once", applied, want)
			}
			// Nothing holds the lock any more, on any server connection.
			raw, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			var held int
			if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
				WHERE l.locktype = 'advisory' AND d.datname = current_database()`).Scan(&held); err != nil {
				t.Fatal(err)
			}
			if held != 0 {
				t.Fatalf("%d advisory locks left behind", held)
			}
		})
	}
}
