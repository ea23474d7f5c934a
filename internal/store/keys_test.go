package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

func keyRow(kid string, gen int64, created time.Time) *models.Key {
	return &models.Key{KID: kid, Alg: "ES256", PrivateJWK: "sealed", PublicJWK: "{}", CreatedAt: created,
		ActivatesAt: created, Generation: gen}
}

// Issue 18: generations are unique, so of several instances staging a key
// at once exactly one stores it, and the others are told, not failed; the
// winner's transaction retires the older keys at its activation and drops
// keys whose verification window closed.
func TestAddKeyOnePerGeneration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		gone := t0.Add(-time.Hour)
		old := keyRow("old", 1, t0.Add(-48*time.Hour))
		old.RetiredAt, old.DeleteAfter = &gone, &gone
		if ok, err := st.AddKey(ctx, old, t0, t0.Add(-72*time.Hour)); !ok || err != nil {
			t.Fatalf("first key: %v %v", ok, err)
		}
		if ok, err := st.AddKey(ctx, keyRow("cur", 2, t0), t0, t0); !ok || err != nil {
			t.Fatalf("second key: %v %v", ok, err)
		}

		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := keyRow(fmt.Sprintf("next-%d", i), 3, t0.Add(time.Minute))
				k.ActivatesAt = t0.Add(91 * time.Second)
				ok, err := st.AddKey(ctx, k, k.ActivatesAt.Add(24*time.Hour), t0.Add(time.Minute))
				if err != nil {
					t.Errorf("racing AddKey: %v", err)
				}
				if ok {
					won.Add(1)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d of 8 racing instances stored generation 3, want 1", won.Load())
		}
		rows, err := st.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].KID != "cur" || rows[1].Generation != 3 {
			t.Fatalf("rows %+v, want cur and one generation-3 key (old dropped)", rows)
		}
		cur := rows[0]
		if cur.RetiredAt == nil || !cur.RetiredAt.Equal(t0.Add(91*time.Second)) || !cur.DeleteAfter.Equal(t0.Add(91*time.Second+24*time.Hour)) {
			t.Fatalf("current key after a successor was staged: retired %v, delete after %v", cur.RetiredAt, cur.DeleteAfter)
		}
		if !rows[1].ActivatesAt.Equal(t0.Add(91 * time.Second)) {
			t.Fatalf("activates_at %v", rows[1].ActivatesAt)
		}
	})
}

// Issue 18: on PostgreSQL a staged key wakes the instances listening for it.
func TestListenKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := storetest.Options(t, "pg")
	st := storetest.Open(t, o)
	if store.ListenDSN(o) != o.DSN || store.ListenDSN(store.Options{Client: "sqlite3"}) != "" ||
		store.ListenDSN(store.Options{Client: "pg", DSN: "x", Pooler: store.PoolerTransaction}) != "" ||
		store.ListenDSN(store.Options{Client: "pg", DSN: "x", Pooler: store.PoolerTransaction, DirectDSN: "d"}) != "d" {
		t.Fatal("ListenDSN picks the wrong session")
	}
	wake := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- store.ListenKeys(ctx, o.DSN, wake, true) }()
	select {
	case <-wake: // listening
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("never listening")
	}
	now := time.Now().UTC()
	if ok, err := st.AddKey(ctx, keyRow("k", 1, now), now, now); !ok || err != nil {
		t.Fatal(ok, err)
	}
	select {
	case <-wake:
	case <-time.After(10 * time.Second):
		t.Fatal("no notification after a key was staged")
	}
	cancel()
	<-done
}

// The key-states migration's data steps over rows an older version left:
// every key signs from its creation, generations follow creation order.
func TestKeyStatesMigrationData(t *testing.T) {
	raw, err := os.ReadFile("../../migrations/20261201000060_key_states.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		for i, kid := range []string{"b", "a", "c"} { // created in this order
			if _, err := st.DB().NewInsert().Model(&models.Key{KID: kid, Alg: "ES256", PrivateJWK: "s", PublicJWK: "{}",
				CreatedAt: t0.Add(time.Duration(i) * time.Hour)}).ExcludeColumn("activates_at", "generation").Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, stmt := range strings.Split(string(raw), "--bun:split") {
			if s := strings.TrimSpace(stmt); strings.HasPrefix(s, "ALTER") || strings.HasPrefix(s, "CREATE") {
				continue // the columns exist already: this database is fully migrated
			}
			if _, err := st.DB().ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		rows, err := st.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"b", "a", "c"} {
			if r := rows[i]; r.KID != want || r.Generation != int64(i+1) || !r.ActivatesAt.Equal(r.CreatedAt) {
				t.Fatalf("row %d: %+v, want %s, generation %d, signing from its creation", i, r, want, i+1)
			}
		}
	})
}
