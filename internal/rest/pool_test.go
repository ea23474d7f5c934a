package rest_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestPoolExhaustion parks every pooled connection: requests fail fast with
// 503 instead of hanging, the pool never grows past its size, and service
// resumes once the connections come back.
func TestPoolExhaustion(t *testing.T) {
	o := storetest.Options(t, "pg")
	o.PoolMax = 2
	s := apptest.NewOn(t, o, "DB_POOL_MAX=2", "REQUEST_TIMEOUT=400ms", "PASSWORD_RESET_STALL_TIME=1ms")
	rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)

	ctx := context.Background()
	var held []bun.Conn
	for range 2 {
		c, err := s.App.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	start := time.Now()
	r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt})
	if r.StatusCode != 503 || r.Code() != "SERVICE_UNAVAILABLE" {
		t.Fatalf("with the pool exhausted: %d %s", r.StatusCode, r.Body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("waited %v for a connection", d)
	}
	if st := s.App.DB.Stats(); st.OpenConnections > 2 {
		t.Fatalf("%d open connections with a pool of 2", st.OpenConnections)
	}
	for _, c := range held {
		c.Close()
	}
	if r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt}); r.StatusCode != 200 {
		t.Fatalf("after the pool recovered: %d %s", r.StatusCode, r.Body)
	}
}
