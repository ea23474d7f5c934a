package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// On PostgreSQL the pool is sized against the server's max_connections: the
// default takes at most half, an explicit size above the whole is refused.
func TestPoolFitsServer(t *testing.T) {
	ctx := context.Background()
	o := storetest.Options(t, "pg")
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var maxConn, reserved int
	if err := db.QueryRowContext(ctx, "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int").
		Scan(&maxConn, &reserved); err != nil {
		t.Fatal(err)
	}
	if n := db.Stats().MaxOpenConnections; n < 2 || n > (maxConn-reserved)/2 {
		t.Errorf("default pool %d connections; server allows %d", n, maxConn-reserved)
	}
	db.Close()

	o.PoolMax = maxConn + 1
	if db, err := store.Open(ctx, o); err == nil {
		db.Close()
		t.Fatalf("pool of %d opened against max_connections %d", o.PoolMax, maxConn)
	} else if !strings.Contains(err.Error(), "DB_POOL_MAX") {
		t.Fatalf("error does not name DB_POOL_MAX: %v", err)
	}
}
