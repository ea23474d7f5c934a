package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testproc"
)

// Cluster is a PostgreSQL primary with one streaming standby, both started
// for one test on spare loopback ports, synchronous (every commit waits until
// the standby has flushed it) and removed when the test ends.
type Cluster struct {
	t       testing.TB
	bin     string
	dir     string
	Primary *Node
	Standby *Node
}

// Node is one server of a Cluster.
type Node struct {
	Port int
	Data string
	proc *testproc.Proc
}

// pgBinDir finds the directory of initdb, pg_ctl, postgres and pg_basebackup:
// Debian's /usr/lib/postgresql/<version>/bin (the newest), else where initdb
// in PATH leads. Without one the test is skipped (fails under CI=true).
func pgBinDir(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	var tried []string
	for _, d := range dirs {
		tried = append(tried, filepath.Join(d, "initdb"))
	}
	initdb := testproc.Require(t, "PostgreSQL's initdb", append(tried, "initdb")...)
	if real, err := filepath.EvalSymlinks(initdb); err == nil {
		initdb = real
	}
	dir := filepath.Dir(initdb)
	for _, p := range []string{"pg_ctl", "postgres", "pg_basebackup"} {
		if _, err := exec.LookPath(filepath.Join(dir, p)); err != nil {
			testproc.Require(t, "PostgreSQL's "+p, filepath.Join(dir, p))
		}
	}
	return dir
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// NewCluster initialises a primary, clones a standby from it with
// pg_basebackup -R, starts both (as the postgres OS user when the test runs
// as root: initdb refuses root) and waits until the standby streams
// synchronously.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{t: t, bin: pgBinDir(t), dir: testproc.TempDir(t, "postgres")}
	as := testproc.Options{User: "postgres"}
	c.Primary = &Node{Port: testproc.FreePort(t), Data: filepath.Join(c.dir, "primary")}
	c.Standby = &Node{Port: testproc.FreePort(t), Data: filepath.Join(c.dir, "standby")}
	testproc.Run(t, c.path("initdb"), []string{"-D", c.Primary.Data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync"}, as)
	// Every commit waits for the standby ('*': whichever standby is
	// connected); fsync is off because the machine itself never crashes in
	// the test, only PostgreSQL is killed.
	c.start(c.Primary, "synchronous_standby_names=*")
	testproc.Run(t, c.path("pg_basebackup"), []string{"-h", "127.0.0.1", "-p", strconv.Itoa(c.Primary.Port),
		"-U", "postgres", "-D", c.Standby.Data, "-R", "-X", "stream", "--no-sync", "-c", "fast"}, as)
	// The standby, once promoted, has no standby of its own to wait for.
	c.start(c.Standby, "synchronous_standby_names=")
	c.waitSync()
	return c
}

func (c *Cluster) path(prog string) string { return filepath.Join(c.bin, prog) }

func (c *Cluster) start(n *Node, settings ...string) {
	c.t.Helper()
	args := []string{"-D", n.Data, "-c", "port=" + strconv.Itoa(n.Port), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + c.dir, "-c", "fsync=off", "-c", "synchronous_commit=on",
		"-c", "wal_level=replica", "-c", "max_wal_senders=4", "-c", "shared_buffers=32MB",
		"-c", "max_connections=100", "-c", "logging_collector=off"}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	n.proc = testproc.Start(c.t, c.path("postgres"), args, testproc.Options{User: "postgres"})
	n.proc.WaitTCP(c.t, n.addr(), 30*time.Second)
	c.waitReady(n)
}

func (n *Node) addr() string { return "127.0.0.1:" + strconv.Itoa(n.Port) }

// DSN reaches database on n alone.
func (n *Node) DSN(database string) string {
	return fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", n.addr(), database)
}

// Output is what n's postgres printed.
func (n *Node) Output() string { return n.proc.Output() }

// DSN lists both servers, read-write session required: pgx connects to
// whichever one is the primary.
func (c *Cluster) DSN(database string) string {
	return fmt.Sprintf("postgres://postgres@%s,%s/%s?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		c.Primary.addr(), c.Standby.addr(), database)
}

// waitReady waits until n accepts queries (a TCP listener comes first).
func (c *Cluster) waitReady(n *Node) {
	c.t.Helper()
	c.poll("postgres on port "+strconv.Itoa(n.Port)+" answering", n, "SELECT 1", 1)
}

// waitSync waits until the primary sees its standby streaming synchronously.
func (c *Cluster) waitSync() {
	c.t.Helper()
	c.poll("standby streaming synchronously", c.Primary,
		"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'", 1)
}

// poll runs q on n until it returns want (an integer), for at most 30s.
func (c *Cluster) poll(what string, n *Node, q string, want int) {
	c.t.Helper()
	db, err := sql.Open("pgx", n.DSN("postgres"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var got int
		err := db.QueryRowContext(ctx, q).Scan(&got)
		cancel()
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("waiting for %s: got %d, %v\n%s", what, got, err, n.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Exec runs q on the primary's postgres database.
func (c *Cluster) Exec(q string) {
	c.t.Helper()
	db, err := sql.Open("pgx", c.Primary.DSN("postgres"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
}

// PauseReplication stops the standby's WAL receiver (SIGSTOP), as a slow
// network or a busy standby would, and returns what resumes it.
func (c *Cluster) PauseReplication() (resume func()) {
	c.t.Helper()
	db, err := sql.Open("pgx", c.Standby.DSN("postgres"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	var pid int
	if err := db.QueryRow("SELECT pid FROM pg_stat_wal_receiver").Scan(&pid); err != nil {
		c.t.Fatalf("find the WAL receiver: %v", err)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		c.t.Fatal(err)
	}
	resume = func() { _ = syscall.Kill(pid, syscall.SIGCONT) }
	c.t.Cleanup(resume)
	return resume
}

// KillPrimary ends the primary at once (SIGKILL to its process group), as a
// crash or a lost machine would.
func (c *Cluster) KillPrimary() { c.Primary.proc.Kill() }

// Promote makes the standby the primary (pg_ctl promote) and waits until it
// accepts writes.
func (c *Cluster) Promote() {
	c.t.Helper()
	testproc.Run(c.t, c.path("pg_ctl"), []string{"promote", "-w", "-t", "30", "-D", c.Standby.Data},
		testproc.Options{User: "postgres"})
	c.poll("standby promoted", c.Standby, "SELECT CASE WHEN pg_is_in_recovery() THEN 0 ELSE 1 END", 1)
}
