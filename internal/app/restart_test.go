package app_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// privatePostgres starts a PostgreSQL cluster of its own (Debian's binaries,
// run as the postgres user) on a free port, so a test can restart it without
// touching the machine's shared server. It returns a DSN and a restart func.
func privatePostgres(t *testing.T) (dsn string, restart func()) {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs Debian's PostgreSQL binaries and root to run the restart test")
		}
		t.Skip("skipping: needs Debian's PostgreSQL binaries (/usr/lib/postgresql/*/bin) and root")
	}
	binDir := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "gh-pg-")
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "out.log")
	as := func(name string, args ...string) {
		t.Helper()
		// Output to a file, not a pipe: the server inherits it and would
		// keep a pipe open forever.
		logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(binDir, name)}, args...)...)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Run(); err != nil {
			out, _ := os.ReadFile(logPath)
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	data := filepath.Join(dir, "data")
	as("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir)
	if err := os.WriteFile(logPath, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	serverLog := filepath.Join(dir, "server.log")
	if out, err := exec.Command("chown", "postgres", logPath, dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	as("pg_ctl", "-D", data, "-o", opts, "-l", serverLog, "-w", "-s", "start")
	t.Cleanup(func() {
		_ = exec.Command("runuser", "-u", "postgres", "--", filepath.Join(binDir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "-s", "stop").Run()
		_ = os.RemoveAll(dir)
	})
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), func() {
		as("pg_ctl", "-D", data, "-o", opts, "-l", serverLog, "-m", "fast", "-w", "-s", "restart")
	}
}

// TestPostgresRestartUnderLoad restarts the database while clients keep
// calling: every answer is a 200 or a clean 503 (never a 500 or a wrong
// 200), service comes back without restarting Gatehouse, and the pool does
// not leak connections.
func TestPostgresRestartUnderLoad(t *testing.T) {
	dsn, restart := privatePostgres(t)
	o := store.Options{Client: "pg", DSN: dsn, PoolMax: 8}
	storetest.Migrate(t, o)
	s := apptest.NewOn(t, o, "DB_POOL_MAX=8", "REQUEST_TIMEOUT=2s")
	tok := s.Login(apptest.AdminEmail, apptest.AdminPassword).Data()["access_token"].(string)

	var mu sync.Mutex
	counts := map[int]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := s.Do("GET", "/users/me", nil, "Authorization", "Bearer "+tok)
				mu.Lock()
				counts[r.StatusCode]++
				mu.Unlock()
				if r.StatusCode != 200 && (r.StatusCode != 503 || r.Code() != "SERVICE_UNAVAILABLE") {
					t.Errorf("during the restart: %d %s", r.StatusCode, r.Body)
				}
				if r.StatusCode == 200 && r.Data()["email"] != apptest.AdminEmail {
					t.Errorf("a wrong 200: %s", r.Body)
				}
				time.Sleep(5 * time.Millisecond) // a steady load, not a spin
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	restart()
	// Recovery: within a few seconds of the database accepting connections.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := s.Do("GET", "/server/health", nil)
		if r.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the restart: %d %s", r.StatusCode, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	s.Login(apptest.AdminEmail, apptest.AdminPassword)
	if st := s.App.DB.Stats(); st.OpenConnections > 8 {
		t.Fatalf("%d open connections with a pool of 8", st.OpenConnections)
	}
	t.Logf("answers during the restart: %v", counts)
}
