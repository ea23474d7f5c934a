package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func env(t *testing.T) []string {
	dir := t.TempDir()
	return []string{"DB_FILENAME=" + filepath.Join(dir, "g.db"), "DATA_DIR=" + dir,
		"HASH_MEMORY_COST=256", "HASH_TIME_COST=1", "LOGIN_STALL_TIME=0", "ADMIN_PASSWORD=first-admin-password"}
}

func cli(t *testing.T, environ []string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, environ, &out, &errOut); err != nil {
		t.Fatalf("gatehouse %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

// cliIn runs a command with stdin as its standard input.
func cliIn(t *testing.T, environ []string, stdin string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := runIO(context.Background(), args, environ, strings.NewReader(stdin), &out, &errOut); err != nil {
		t.Fatalf("gatehouse %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func TestCommands(t *testing.T) {
	e := env(t)
	if out := cli(t, e, "migrate"); !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %q", out)
	}
	if out := cli(t, e, "migrate"); !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %q", out)
	}
	// Issue 20: the password comes from standard input, never argv.
	if out := cliIn(t, e, "cli-user-password\n", "users", "create", "--email", "Cli@Example.com", "--admin"); !strings.Contains(out, "created user Cli@Example.com") {
		t.Fatalf("users create: %q", out)
	}
	var errOut bytes.Buffer
	if err := runIO(context.Background(), []string{"users", "create", "--email", "cli@example.com"}, e, strings.NewReader("cli-user-password\n"), io.Discard, &errOut); err == nil {
		t.Fatal("a duplicate email was accepted")
	}
	if err := runIO(context.Background(), []string{"users", "create", "--email", "x@example.com"}, e, strings.NewReader("short\n"), io.Discard, &errOut); err == nil || strings.Contains(err.Error(), "short") {
		t.Fatalf("weak password: %v", err)
	}
	// Issue 18 changed rotation: `keys rotate` stages a next key, which
	// signs only after JWKS_MAX_AGE + KEYS_RELOAD_INTERVAL; `keys list`
	// shows each key's state and when it changes.
	list := cli(t, e, "keys", "list")
	if got := keyStates(list); !slices.Equal(got, []string{"current"}) || !strings.Contains(list, "signs until the next rotation") {
		t.Fatalf("keys list: %q", list)
	}
	if out := cli(t, e, "keys", "rotate"); !strings.Contains(out, "next signing key") || !strings.Contains(out, "signs from") {
		t.Fatalf("keys rotate: %q", out)
	}
	list = cli(t, e, "keys", "list")
	if got := keyStates(list); !slices.Equal(got, []string{"next", "current"}) ||
		!strings.Contains(list, "becomes current ") || !strings.Contains(list, "retires ") {
		t.Fatalf("keys list after rotate: %q", list)
	}
	if out := cli(t, e, "keys", "rotate"); !strings.Contains(out, "is already next") {
		t.Fatalf("keys rotate while a key is next: %q", out)
	}
	if got := keyStates(cli(t, e, "keys", "list")); len(got) != 2 {
		t.Fatalf("a second rotate staged another key: %v", got)
	}
	if err := run(context.Background(), []string{"nope"}, e, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(context.Background(), nil, append(e, "DB_CLIENT=mysql"), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "DB_CLIENT") {
		t.Fatalf("bad config: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServeStartsAndStops(t *testing.T) {
	e := append(env(t), "PORT=0", "HOST=127.0.0.1", "ADMIN_PASSWORD=", "METRICS_ADDR=127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, e, &stdout, &stderr) }()
	addr := regexp.MustCompile(`\baddr=(127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && base == ""; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s", stderr.String())
	}
	res, err := http.Get(base + "/server/ping")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("ping: %d", res.StatusCode)
	}
	// Issue 17: metrics are on their own listener, not on the public port.
	var metricsBase string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && metricsBase == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`metrics_addr=(127\.0\.0\.1:\d+)`).FindStringSubmatch(stderr.String()); m != nil {
			metricsBase = "http://" + m[1]
		}
	}
	if metricsBase == "" || metricsBase == base {
		t.Fatalf("no metrics listener: %s", stderr.String())
	}
	for _, c := range []struct {
		url  string
		want int
	}{{base + "/metrics", http.StatusNotFound}, {metricsBase + "/metrics", http.StatusOK}, {metricsBase + "/auth", http.StatusNotFound}} {
		res, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.want || (c.want == 200) != strings.Contains(string(b), "gatehouse_http_requests_total") {
			t.Fatalf("GET %s: %d %.200s, want %d", c.url, res.StatusCode, b, c.want)
		}
	}
	// A generated admin password is printed once, on standard output only.
	pw := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(stdout.String())
	if pw == nil || strings.Contains(stderr.String(), pw[1]) {
		t.Fatalf("generated password: stdout %q", stdout.String())
	}
	body := strings.NewReader(`{"email":"admin@example.com","password":"` + pw[1] + `"}`)
	res, err = http.Post(base+"/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("login with the printed password: %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// keyStates is the STATE column of `keys list`.
func keyStates(list string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(list), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 2 {
			out = append(out, f[2])
		}
	}
	return out
}
