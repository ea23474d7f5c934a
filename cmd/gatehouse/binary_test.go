package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestMain lets tests run the real binary: this test binary re-executed with
// GATEHOUSE_MAIN_ARGS runs main() with those arguments.
func TestMain(m *testing.M) {
	if a, ok := os.LookupEnv("GATEHOUSE_MAIN_ARGS"); ok {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			panic(err)
		}
		os.Args = append([]string{"gatehouse"}, args...)
		main()
		os.Exit(0)
	}
	storetest.Main(m)
}

// binaryCmd prepares the binary with exactly env (nothing inherited).
func binaryCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append([]string{"GATEHOUSE_MAIN_ARGS=" + string(a), "HOME=" + t.TempDir()}, env...)
	return cmd
}

// binary runs the binary to its end and returns its output and exit code.
func binary(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := binaryCmd(t, env, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// server is the binary serving until stop.
type server struct {
	cmd    *exec.Cmd
	addr   string
	log    *syncBuffer
	exited chan error
}

// startServer runs the binary and waits for its "listening" line.
func startServer(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	return startCmd(t, binaryCmd(t, env, args...))
}

// startCmd runs cmd, which runs the binary, and waits for its "listening" line.
func startCmd(t *testing.T, cmd *exec.Cmd) *server {
	t.Helper()
	s := &server{cmd: cmd, log: &syncBuffer{}, exited: make(chan error, 1)}
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`\baddr=(\S+)`)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.log.Write([]byte(sc.Text() + "\n"))
			if m := re.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "listening") {
				addr <- m[1]
			}
		}
		s.exited <- s.cmd.Wait()
	}()
	select {
	case s.addr = <-addr:
	case err := <-s.exited:
		t.Fatalf("the server exited: %v\n%s", err, s.log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not start:\n%s", s.log.String())
	}
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, s.log.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop")
	}
}
