package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
)

const (
	secretA = "the-secret-that-sealed-the-keys-0123456789"
	secretB = "a-new-secret-generated-by-mistake-98765432"
)

// withTOTPUser adds a user whose TOTP secret is sealed with the environment's SECRET.
func withTOTPUser(t *testing.T, e []string, email string) {
	t.Helper()
	cfg, err := config.Load(e)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: email, Password: "totp-user-password"})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := a.Auth.SealTOTPSecret(u.ID, "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	u.TFASecret = &sealed
	if err := a.Store.UpdateUser(ctx, u, []string{"tfa_secret"}, false, ""); err != nil {
		t.Fatal(err)
	}
}

// Issue 20: a second start with another SECRET said only that it differs.
// The refusal now names both SECRETs by fingerprint, where the one in use
// came from, how to restore, and the last resort, which works and says what
// it broke.
func TestSecretMismatchSaysWhatToDo(t *testing.T) {
	t.Parallel()
	base := env(t)
	withA, withB := append(base, "SECRET="+secretA), append(base, "SECRET="+secretB)
	cli(t, withA, "keys", "list")
	withTOTPUser(t, withA, "totp@example.com")

	for _, args := range [][]string{{"keys", "list"}, {"serve"}} {
		err := run(context.Background(), args, append(withB, "PORT=0", "METRICS_ADDR="), io.Discard, io.Discard)
		if err == nil {
			t.Fatalf("%v: started with another SECRET", args)
		}
		msg := err.Error()
		for _, want := range []string{"SECRET differs from the one that sealed them", token.Fingerprint([]byte(secretA)),
			token.Fingerprint([]byte(secretB)), "came from SECRET (or SECRET_FILE)", "gatehouse keys reset --discard-sealed", "recovery code"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: %q lacks %q", args, msg, want)
			}
		}
		if strings.Contains(msg, secretA) || strings.Contains(msg, secretB) {
			t.Fatalf("a secret in %q", msg)
		}
	}
	out := cli(t, withB, "keys", "reset", "--discard-sealed")
	for _, want := range []string{"discarded 1 signing key(s)", token.Fingerprint([]byte(secretB)), "totp@example.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("keys reset: %q lacks %q", out, want)
		}
	}
	if list := cli(t, withB, "keys", "list"); strings.Count(list, " current ") != 1 {
		t.Fatalf("keys list after reset: %s", list)
	}
	// Nothing to discard any more: refused rather than breaking a working set.
	err := run(context.Background(), []string{"keys", "reset", "--discard-sealed"}, withB, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "opens the signing keys") {
		t.Fatalf("second reset: %v", err)
	}
	cli(t, withB, "keys", "list")
}

// A generated SECRET in another DATA_DIR (a container without its volume,
// another working directory) is named as the cause.
func TestGeneratedSecretInAnotherDataDir(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "g.db")
	first := []string{"DB_FILENAME=" + db, "DATA_DIR=" + t.TempDir()}
	cli(t, first, "keys", "list")
	err := run(context.Background(), []string{"keys", "list"}, []string{"DB_FILENAME=" + db, "DATA_DIR=" + t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "generated just now") || !strings.Contains(err.Error(), "DATA_DIR") {
		t.Fatalf("%v", err)
	}
}

// Issue 20: the README's PostgreSQL line, as written, run twice in a row on a
// fresh database (the README once generated a new SECRET inline, so the
// second start refused): only the database name and the binary differ.
func TestPostgresReadmeLineTwice(t *testing.T) {
	t.Parallel()
	dsn := storetest.EmptyDatabase(t)
	line := readmeCommand(t, "## Running on PostgreSQL")
	if !strings.Contains(line, "go run ./cmd/gatehouse") {
		t.Fatalf("no go run in %q", line)
	}
	line = regexp.MustCompile(`postgres://\S+`).ReplaceAllString(line, "'"+dsn+"'")
	line = strings.Replace(line, "go run ./cmd/gatehouse", `exec "$GATEHOUSE_BIN"`, 1)
	dir := t.TempDir()
	for i := range 2 {
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = dir // ./data lands here
		cmd.Env = []string{"GATEHOUSE_BIN=" + os.Args[0], "GATEHOUSE_MAIN_ARGS=[]", "PATH=" + os.Getenv("PATH"), "HOME=" + dir,
			"PORT=0", "HOST=127.0.0.1", "METRICS_ADDR=", "HASH_MEMORY_COST=256", "HASH_TIME_COST=1"}
		s := startCmd(t, cmd)
		if !strings.Contains(s.log.String(), "database_location=postgres://") {
			t.Fatalf("start %d:\n%s", i+1, s.log.String())
		}
		s.stop(t)
	}
}

// readmeCommand returns the command of the first sh block after heading in
// README.md that runs the server, continuation lines joined.
func readmeCommand(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	_, rest, _ = strings.Cut(rest, "```sh\n")
	block, _, _ := strings.Cut(rest, "```")
	for _, cmd := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		if strings.Contains(cmd, "./cmd/gatehouse") {
			cmd, _, _ = strings.Cut(cmd, "  #") // a trailing comment
			return strings.TrimSpace(cmd)
		}
	}
	t.Fatalf("no server command under %q", heading)
	return ""
}
