package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// BenchmarkReadAndRotate is the refresh transaction alone: read a session
// with its user and role and rotate it, every worker on its own session, 8
// workers per CPU, against each database.
//
//	go test -run '^$' -bench ReadAndRotate ./internal/store
func BenchmarkReadAndRotate(b *testing.B) {
	benchStores(b, readAndRotate)
}

func readAndRotate(b *testing.B, st *store.Store, u *models.User) {
	ctx, now := context.Background(), time.Now().UTC()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		sess := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastUsedAt: now}
		if err := st.CreateSession(ctx, sess); err != nil {
			b.Error(err)
			return
		}
		for gen := int64(0); pb.Next(); gen++ {
			t := time.Now().UTC()
			got, rotated, err := st.ReadAndRotate(ctx, sess.ID, gen, t, t.Add(time.Hour))
			if err != nil || !rotated || got.Generation != gen {
				b.Errorf("rotate from %d: rotated=%v err=%v", gen, rotated, err)
				return
			}
		}
	})
}

// benchStores runs fn on each database with a fresh store and one user,
// made before fn so the timer does not count them.
func benchStores(b *testing.B, fn func(b *testing.B, st *store.Store, u *models.User)) {
	for _, client := range storetest.Dialects {
		b.Run(client, func(b *testing.B) {
			st := storetest.New(b, client)
			u := newUser(b, st, "bench@example.com")
			b.ResetTimer()
			fn(b, st, u)
		})
	}
}

// BenchmarkStartSession is a login's writes (user update, session, audit
// row) for one user at a time, as a login after its hash makes them.
func BenchmarkStartSession(b *testing.B) {
	benchStores(b, func(b *testing.B, st *store.Store, u *models.User) {
		ctx, now := context.Background(), time.Now().UTC()
		ip, agent := "192.0.2.1", "bench"
		for b.Loop() {
			sess := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour),
				CreatedAt: now, LastUsedAt: now, IP: &ip, UserAgent: &agent}
			a := &models.Activity{ID: uuid.NewString(), Action: models.ActionLogin, UserID: &u.ID, IP: &ip,
				UserAgent: &agent, Collection: "gh_users", Item: &u.ID, Timestamp: now}
			if err := st.StartSession(ctx, sess, "", a); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReadAndRotatePooler is BenchmarkReadAndRotate on PostgreSQL
// directly (statements prepared per connection) beside the same database
// through PgBouncer in transaction mode (as many server connections as the
// workers, so only the pooler's own cost shows), where the statement cache
// breaks and the two modes that work are compared.
//
//	go test -run '^$' -bench ReadAndRotatePooler -count 3 ./internal/store
func BenchmarkReadAndRotatePooler(b *testing.B) {
	o := storetest.Options(b, "pg")
	pooled := o
	pooled.DSN, pooled.Pooler = storetest.PgBouncerPool(b, o.DSN, 16), store.PoolerTransaction
	for _, c := range []struct {
		name string
		o    store.Options
		mode pgx.QueryExecMode
	}{
		{"direct/cache-statement", o, pgx.QueryExecModeCacheStatement},
		{"pgbouncer/exec", pooled, pgx.QueryExecModeExec},
		{"pgbouncer/cache-describe", pooled, pgx.QueryExecModeCacheDescribe},
	} {
		b.Run(c.name, func(b *testing.B) {
			db, err := store.Open(context.Background(), c.o)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			st := store.NewFor(db, c.o)
			store.SetExecMode(st, c.mode)
			u := newUser(b, st, uuid.NewString()+"@example.com")
			b.ResetTimer()
			readAndRotate(b, st, u)
		})
	}
}
