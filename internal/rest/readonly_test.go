package rest_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestDatabaseReadOnly: a database that refuses writes (a standby reached by
// mistake, a primary set read-only during maintenance or a failover) is an
// outage, not a bug: writes answer 503, and the server recovers when the
// database takes writes again.
func TestDatabaseReadOnly(t *testing.T) {
	o := storetest.Options(t, "pg")
	s := apptest.NewOn(t, o)
	rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)

	u, _ := url.Parse(o.DSN)
	name := strings.TrimPrefix(u.Path, "/")
	pg, err := sql.Open("pgx", o.DSN)
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
	// New sessions start read-only; the server's pooled ones are ended so
	// it reconnects into them.
	exec(`ALTER DATABASE "` + name + `" SET default_transaction_read_only = on`)
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `' AND pid <> pg_backend_pid()`)
	for _, r := range []*apptest.Response{
		s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW}),
		s.Post("/auth/refresh", map[string]any{"refresh_token": rt}),
	} {
		wantError(t, r, 503, "SERVICE_UNAVAILABLE", "")
	}
	exec(`ALTER DATABASE "` + name + `" RESET default_transaction_read_only`)
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `' AND pid <> pg_backend_pid()`)
	if r := s.Post("/auth/refresh", map[string]any{"refresh_token": rt}); r.StatusCode != 200 {
		t.Fatalf("after the database takes writes again: %d %s", r.StatusCode, r.Body)
	}
}
