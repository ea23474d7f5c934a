package rest_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestDatabaseOutage cuts the server off from its PostgreSQL database (new
// connections refused, open ones terminated), checks that every answer is a
// clean 503 rather than a 500, then lets the database back and checks that
// the server recovers without a restart.
func TestDatabaseOutage(t *testing.T) {
	o := storetest.Options(t, "pg")
	s := apptest.NewOn(t, o)
	rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)

	u, _ := url.Parse(o.DSN)
	dbName := strings.TrimPrefix(u.Path, "/")
	adminURL := os.Getenv("TEST_PG_URL")
	if adminURL == "" {
		adminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	pg, err := sql.Open("pgx", adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := pg.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`ALTER DATABASE "` + dbName + `" ALLOW_CONNECTIONS false`)
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + dbName + `'`)

	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r *apptest.Response
			switch i % 3 {
			case 0:
				r = s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW})
			case 1:
				r = s.Post("/auth/refresh", map[string]any{"refresh_token": rt})
			default:
				r = s.Do("GET", "/server/health", nil)
			}
			if r.StatusCode != 503 {
				t.Errorf("during the outage: %d %s", r.StatusCode, r.Body)
			}
			if r.StatusCode == 503 && i%3 != 2 && r.Code() != "SERVICE_UNAVAILABLE" {
				t.Errorf("503 not in Directus's shape: %s", r.Body)
			}
		}()
	}
	wg.Wait()

	exec(`ALTER DATABASE "` + dbName + `" ALLOW_CONNECTIONS true`)
	if r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt}); r.StatusCode != 200 {
		t.Fatalf("after the outage: %d %s", r.StatusCode, r.Body)
	}
	s.Login(admin, adminPW)
	if stats := s.App.DB.Stats(); stats.MaxOpenConnections > 0 && stats.OpenConnections > stats.MaxOpenConnections {
		t.Fatalf("open connections %d above the pool size %d", stats.OpenConnections, stats.MaxOpenConnections)
	}
}
