// Package testproc runs external programs (PgBouncer, PostgreSQL, HAProxy)
// for integration tests: each in its own process group, killed with the
// test, its output kept for failure messages.
package testproc

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Require returns the first of paths that exists (a bare name is looked up
// in PATH). Without one the test is skipped with a message, or fails under
// CI=true, where .ci/run installs the programs.
func Require(t testing.TB, what string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI (tried %v)", what, paths)
	}
	t.Skipf("skipping: %s is not installed (tried %v)", what, paths)
	return ""
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Options tune how a program runs.
type Options struct {
	User string   // run as this OS user when the test runs as root (initdb refuses root)
	Env  []string // added to the environment
}

// command builds the exec.Cmd for path under o.
func command(t testing.TB, cmd *exec.Cmd, o Options) {
	t.Helper()
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.SysProcAttr = sysProcAttr()
	if cred := credential(t, o.User); cred != nil {
		cmd.SysProcAttr.Credential = cred
		cmd.Dir = os.TempDir() // the test's directory may be closed to that user
	}
}

// Proc is a running program.
type Proc struct {
	Cmd  *exec.Cmd
	name string
	out  *buffer
	done chan struct{}
	err  error
}

type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Start runs path with args in its own process group; the group is stopped
// when the test ends (and killed if the test binary dies first).
func Start(t testing.TB, path string, args []string, o Options) *Proc {
	t.Helper()
	cmd := exec.Command(path, args...)
	p := &Proc{Cmd: cmd, name: path, out: &buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	command(t, cmd, o)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.Stop)
	return p
}

// Run runs path to completion and fails the test unless it succeeds.
func Run(t testing.TB, path string, args []string, o Options) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	command(t, cmd, o)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", path, args, err, out)
	}
	return string(out)
}

// credential is the identity of name when the test runs as root, else nil
// (a non-root test runs everything as itself).
func credential(t testing.TB, name string) *syscall.Credential {
	t.Helper()
	if name == "" || os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// TempDir is a new directory, owned by the OS user name when the test runs
// as root, removed when the test ends. (t.TempDir's parent is private to
// root, so another user could not reach into it.)
func TempDir(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gatehouse-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if cred := credential(t, name); cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Output is what the program printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Exited reports whether the program has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the program's process group.
func (p *Proc) Signal(sig syscall.Signal) {
	if !p.Exited() {
		_ = syscall.Kill(-p.Cmd.Process.Pid, sig)
	}
}

// Stop asks the group to end (SIGTERM), then kills it after 5 seconds.
func (p *Proc) Stop() {
	if p.Exited() {
		return
	}
	p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.Kill()
	}
}

// Kill ends the group at once (SIGKILL) and waits for it.
func (p *Proc) Kill() {
	p.Signal(syscall.SIGKILL)
	<-p.done
}

// WaitTCP waits until addr accepts connections, failing the test if the
// program ends first or timeout passes.
func (p *Proc) WaitTCP(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	if err := p.Listening(addr, timeout); err != nil {
		t.Fatalf("%v\n%s", err, p.Output())
	}
}

// Listening waits until addr accepts connections; it fails if the program
// ends first or timeout passes.
func (p *Proc) Listening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if p.Exited() {
			return fmt.Errorf("%s exited before listening on %s: %v", p.name, addr, p.err)
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is not listening on %s after %s", p.name, addr, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
