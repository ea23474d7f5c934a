package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// badEnv breaks the configuration in three ways at once.
var badEnv = []string{"DB_CLIENT=mysql", "PORT=abc", "ACCESS_TOKEN_TTL=900"}

// commandPaths lists every command and subcommand of the binary.
func commandPaths(cmd *cobra.Command, prefix []string) [][]string {
	out := [][]string{prefix}
	for _, sub := range cmd.Commands() {
		if sub.Name() == "help" {
			continue
		}
		out = append(out, commandPaths(sub, append(append([]string(nil), prefix...), sub.Name()))...)
	}
	return out
}

// Issue 20: every command and subcommand has --help, exiting 0 even when the
// environment would stop a start.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	paths := commandPaths((&runner{}).rootCommand(), nil)
	if len(paths) < 17 {
		t.Fatalf("only %d commands: %v", len(paths), paths)
	}
	for _, p := range paths {
		for _, flag := range []string{"--help", "-h"} {
			out, errOut, code := binary(t, badEnv, append(p, flag)...)
			if code != 0 || !strings.Contains(out, "Usage:") {
				t.Errorf("gatehouse %v %s: exit %d\n%s%s", p, flag, code, out, errOut)
			}
		}
	}
	if out, _, code := binary(t, badEnv, "help", "users", "create"); code != 0 || !strings.Contains(out, "standard input") {
		t.Errorf("help users create: %d %s", code, out)
	}
}

// Issue 20: an unknown command, subcommand or flag, or a missing argument,
// exits non-zero with a hint; a bad environment names the right variable.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := env(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"serv"}, `did you mean "serve"`},
		{[]string{"serve", "--nope"}, "unknown flag: --nope"},
		{[]string{"--nope"}, "unknown flag: --nope"},
		{[]string{"users", "nope"}, `unknown command "nope" for "gatehouse users"`},
		{[]string{"users"}, "needs a subcommand"},
		{[]string{"users", "create"}, `required flag(s) "email" not set`},
		{[]string{"users", "create", "--email", "a@example.com", "--password", "p"}, "unknown flag: --password"},
		{[]string{"keys", "reset"}, "--discard-sealed"},
		{[]string{"migrate", "sideways"}, `unknown command "sideways"`},
		{[]string{"serve", "--port", "70000"}, "--port 70000"},
		{[]string{"serve", "--port", "x"}, "--port"},
	} {
		_, errOut, code := binary(t, e, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "--help' for usage") {
			t.Errorf("gatehouse %v: exit %d, %q", c.args, code, errOut)
		}
	}
	for envVar, name := range map[string]string{"PORT=abc": "PORT", "REFRESH_TOKEN_COOKIE_SECURE=maybe": "REFRESH_TOKEN_COOKIE_SECURE"} {
		_, errOut, code := binary(t, append(e, envVar), "migrate")
		if code != 1 || !regexp.MustCompile(`gatehouse: `+name+`: `).MatchString(errOut) {
			t.Errorf("%s: exit %d, %q", envVar, code, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, code := binary(t, badEnv, "--version")
	if code != 0 || !regexp.MustCompile(`^gatehouse \S+, commit \S+.*, go1\.`).MatchString(out) {
		t.Fatalf("--version: %d %q", code, out)
	}
}

// Issue 20: ACCESS_TOKEN_TTL=900 (milliseconds) started, then every login
// was a 500. It now stops the start, naming the variable and the range.
func TestOutOfBoundsStopsTheStart(t *testing.T) {
	t.Parallel()
	_, errOut, code := binary(t, append(env(t), "ACCESS_TOKEN_TTL=900", "PORT=0", "METRICS_ADDR="), "serve")
	if code != 1 || !strings.Contains(errOut, "ACCESS_TOKEN_TTL") || !strings.Contains(errOut, "between 1s and") || strings.Contains(errOut, "listening") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Issue 20: serve --host/--port are obeyed (they were ignored, and 8055
// bound); DATA_DIR holds the SQLite database, whose location the start log
// prints; healthcheck exits 0 while the server answers, 1 after.
func TestServeFlagsDataDirAndHealthcheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := freePort(t)
	e := []string{"DATA_DIR=" + dir, "HOST=0.0.0.0", "PORT=" + fmt.Sprint(freePort(t)), "METRICS_ADDR=",
		"HASH_MEMORY_COST=256", "HASH_TIME_COST=1", "ADMIN_PASSWORD=first-admin-password"}
	s := startServer(t, e, "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port))
	if want := fmt.Sprintf("127.0.0.1:%d", port); s.addr != want {
		t.Fatalf("listening on %s, want %s", s.addr, want)
	}
	db := filepath.Join(dir, "gatehouse.db")
	if _, err := os.Stat(db); err != nil || !strings.Contains(s.log.String(), "database_location="+db) ||
		!regexp.MustCompile(`seal_fingerprint=[0-9a-f]{12}\b`).MatchString(s.log.String()) {
		t.Fatalf("database not in DATA_DIR (%v):\n%s", err, s.log.String())
	}
	health := "http://" + s.addr + "/server/health"
	if out, errOut, code := binary(t, e, "healthcheck", "--url", health); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("healthcheck: %d %s %s", code, out, errOut)
	}
	// Without --url it goes to PORT on loopback (HOST is a wildcard).
	if _, errOut, code := binary(t, append(e, "PORT="+fmt.Sprint(port)), "healthcheck"); code != 0 {
		t.Fatalf("healthcheck from PORT: %d %s", code, errOut)
	}
	s.stop(t)
	if _, errOut, code := binary(t, e, "healthcheck", "--url", health, "--timeout", "2s"); code != 1 || !strings.Contains(errOut, "unhealthy") {
		t.Fatalf("healthcheck of a stopped server: %d %s", code, errOut)
	}
	// The root command serves too, with the same flags (README: go run ./cmd/gatehouse).
	port = freePort(t)
	s = startServer(t, e, "--port", fmt.Sprint(port))
	if !strings.HasSuffix(s.addr, fmt.Sprintf(":%d", port)) {
		t.Fatalf("root: listening on %s", s.addr)
	}
	s.stop(t)
}

// Issue 20: the users and sessions commands, passwords from standard input.
func TestUsersAndSessionsCommands(t *testing.T) {
	t.Parallel()
	e := env(t)
	cliIn(t, e, "first-password-123\n", "users", "create", "--email", "ops@example.com")
	list := cli(t, e, "users", "list")
	if !regexp.MustCompile(`ops@example.com\s+active`).MatchString(list) {
		t.Fatalf("users list: %s", list)
	}
	if out := cliIn(t, e, "second-password-456\r\n", "users", "set-password", "--email", "OPS@example.com"); !strings.Contains(out, "password set") {
		t.Fatalf("set-password: %s", out)
	}
	if out := cli(t, e, "sessions", "revoke", "--user", "ops@example.com"); !strings.Contains(out, "revoked 0 session(s)") {
		t.Fatalf("sessions revoke: %s", out)
	}
	if out := cli(t, e, "users", "disable", "--email", "ops@example.com"); !strings.Contains(out, "suspended") {
		t.Fatalf("disable: %s", out)
	}
	if list := cli(t, e, "users", "list", "--status", "suspended"); !strings.Contains(list, "ops@example.com") || strings.Contains(list, "admin@example.com") {
		t.Fatalf("users list --status: %s", list)
	}
	for _, args := range [][]string{{"users", "set-password", "--email", "nobody@example.com"}, {"sessions", "revoke", "--user", "nobody@example.com"}} {
		if err := runIO(context.Background(), args, e, strings.NewReader("third-password-789\n"), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no user") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if err := runIO(context.Background(), []string{"users", "create", "--email", "b@example.com"}, e, strings.NewReader(""), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Errorf("empty stdin: %v", err)
	}
}

// Issue 20: migrate up, status, and down (one migration, only with --yes).
func TestMigrateSubcommands(t *testing.T) {
	t.Parallel()
	e := env(t)
	cli(t, e, "migrate", "up")
	st := cli(t, e, "migrate", "status")
	if strings.Contains(st, "pending") || !strings.Contains(st, "applied") {
		t.Fatalf("status: %s", st)
	}
	last := regexp.MustCompile(`(?m)^(\d+\S*)\s+applied`).FindAllStringSubmatch(st, -1)
	name := last[len(last)-1][1]
	if err := run(context.Background(), []string{"migrate", "down"}, e, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("down without --yes: %v", err)
	}
	if out := cli(t, e, "migrate", "down", "--yes"); !strings.Contains(out, "reverted "+name) {
		t.Fatalf("down: %s", out)
	}
	if st := cli(t, e, "migrate", "status"); strings.Count(st, "pending") != 1 || !regexp.MustCompile(name+`\s+pending`).MatchString(st) {
		t.Fatalf("status after down: %s", st)
	}
	if out := cli(t, e, "migrate"); !strings.Contains(out, "applied "+strings.SplitN(name, "_", 2)[0]) {
		t.Fatalf("migrate: %s", out)
	}
}
