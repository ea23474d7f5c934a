package storetest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testproc"
)

// PgBouncerPoolSize is the server connections the test PgBouncer keeps per
// database: fewer than a Gatehouse pool, so client connections share server
// connections the way they do behind a real pooler.
const PgBouncerPoolSize = 4

// PgBouncer starts PgBouncer in transaction mode on a spare loopback port in
// front of the PostgreSQL server of dsn and returns dsn rewritten to go
// through it. It stops when the test ends. Without PgBouncer the test is
// skipped with a message (fails under CI=true).
func PgBouncer(t testing.TB, dsn string) string {
	t.Helper()
	return PgBouncerPool(t, dsn, PgBouncerPoolSize)
}

// PgBouncerPool is PgBouncer with size server connections.
func PgBouncerPool(t testing.TB, dsn string, size int) string {
	t.Helper()
	bin := testproc.Require(t, "PgBouncer", "/usr/sbin/pgbouncer", "pgbouncer")
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("PgBouncer: the DSN does not parse")
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	// PgBouncer refuses to run as root: as root, run it as postgres.
	dir := testproc.TempDir(t, "postgres")
	user := u.User.Username()
	users := filepath.Join(dir, "userlist.txt")
	write(t, users, fmt.Sprintf("%q \"\"\n", user))
	for attempt := 0; ; attempt++ {
		listen := testproc.FreePort(t)
		ini := filepath.Join(dir, "pgbouncer.ini")
		write(t, ini, fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 1000
server_reset_query =
ignore_startup_parameters = extra_float_digits
`, host, port, listen, users, size))
		p := testproc.Start(t, bin, []string{ini}, testproc.Options{User: "postgres"})
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(listen))
		if err := p.Listening(addr, 10*time.Second); err != nil {
			p.Stop()
			if attempt < 2 {
				continue // the spare port was taken meanwhile
			}
			t.Fatalf("PgBouncer: %v\n%s", err, p.Output())
		}
		pu := *u
		pu.Host = addr
		return pu.String()
	}
}

// PgBouncerOptions returns options for a fresh, migrated PostgreSQL database
// reached through a new PgBouncer in transaction mode.
func PgBouncerOptions(t testing.TB) store.Options {
	t.Helper()
	o := Options(t, "pg")
	o.DSN = PgBouncer(t, o.DSN)
	o.Pooler = store.PoolerTransaction
	return o
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
