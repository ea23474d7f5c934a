package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMFinishesInFlight runs the real binary (this test binary,
// re-executed as main), holds a login inside its stall, sends SIGTERM, and
// checks that the login still completes, new connections are refused, and the
// process exits 0.
func TestSIGTERMFinishesInFlight(t *testing.T) {
	if os.Getenv("GATEHOUSE_AS_MAIN") == "1" {
		os.Args = []string{"gatehouse", "serve"}
		main()
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGTERMFinishesInFlight$")
	cmd.Env = append(os.Environ(), "GATEHOUSE_AS_MAIN=1", "HOST=127.0.0.1", "PORT=0", "DATA_DIR="+dir,
		"DB_FILENAME="+dir+"/g.db", "ADMIN_PASSWORD=first-admin-password", "HASH_MEMORY_COST=256", "HASH_TIME_COST=1",
		"LOGIN_STALL_TIME=1500ms", "LOG_STYLE=text", "DB_CLIENT=sqlite3", "METRICS_ADDR=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`\baddr=(127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Post(base+"/auth/login", "application/json",
			strings.NewReader(`{"email":"admin@example.com","password":"first-admin-password"}`))
		if err != nil {
			done <- result{err: err}
			return
		}
		res.Body.Close()
		done <- result{status: res.StatusCode}
	}()
	time.Sleep(300 * time.Millisecond) // the login is now inside its 1.5 s stall
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.status != 200 {
		t.Fatalf("in-flight login across SIGTERM: %d %v", r.status, r.err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not exit after SIGTERM")
	}
	if _, err := http.Get(base + "/server/ping"); err == nil {
		t.Fatal("the server still accepts connections after exiting")
	}
}
