// Command spendmut mutation-tests the store's single-use spends, whose rules
// live in SQL strings that gremlins cannot mutate. Each mutant drops or
// weakens one condition (or turns an atomic spend into read-then-write),
// is compiled in through `go test -overlay` (the working tree is never
// touched), and must make the store's spend tests fail: a mutant they
// survive is a rule no test guards.
//
//	go run ./scripts/spendmut            # from the module root
//
// It prints one line per mutant and a summary, and exits 1 when any mutant
// lived or a file no longer holds the text a mutant expects (the code moved:
// update the list below), 0 otherwise.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// tests are the store tests that race and check the spends (and the
// binding of a link to the email it was sent to).
const tests = "SingleUse|TestSpendRefusedAfterEmailChange|TestSpendingOneTokenSpendsTheOthers"

type mutant struct {
	name, file, old, new string
}

// orTrue weakens a WHERE condition to always true, keeping its placeholder.
func orTrue(file, cond string) mutant {
	return mutant{"drop " + cond, file, `"` + cond + `"`, `"(` + cond + `) OR 1 = 1"`}
}

var mutants = []mutant{
	orTrue("internal/store/users.go", "(tfa_last_step IS NULL OR tfa_last_step < ?)"),
	{"TOTP step reusable (< → <=)", "internal/store/users.go",
		`"(tfa_last_step IS NULL OR tfa_last_step < ?)"`, `"(tfa_last_step IS NULL OR tfa_last_step <= ?)"`},
	{"TOTP step read-then-write", "internal/store/users.go",
		"\tres, err := s.idb.NewUpdate().Model((*models.User)(nil)).\n\t\tSet(\"tfa_last_step = ?\", step).\n\t\tWhere(\"id = ?\", userID).\n\t\tWhere(\"(tfa_last_step IS NULL OR tfa_last_step < ?)\", step).",
		"\tcur := new(models.User)\n\tif err := s.idb.NewSelect().Model(cur).Where(\"id = ?\", userID).Scan(ctx); err != nil {\n\t\treturn false, err\n\t}\n" +
			"\tif cur.TFALastStep != nil && *cur.TFALastStep >= step {\n\t\treturn false, nil\n\t}\n" +
			"\tres, err := s.idb.NewUpdate().Model((*models.User)(nil)).\n\t\tSet(\"tfa_last_step = ?\", step).\n\t\tWhere(\"id = ?\", userID)."},
	{"recovery code: drop used_at IS NULL", "internal/store/admin.go",
		`Where("hash = ?", hash).Where("used_at IS NULL").Exec(ctx)`, `Where("hash = ?", hash).Exec(ctx)`},
	{"recovery code: drop user_id", "internal/store/admin.go",
		`Set("used_at = ?", now).
		Where("user_id = ?", userID)`, `Set("used_at = ?", now).
		Where("(user_id = ?) OR 1 = 1", userID)`},
	{"recovery code read-then-write", "internal/store/admin.go",
		"\tres, err := s.idb.NewUpdate().Model((*models.RecoveryCode)(nil)).Set(\"used_at = ?\", now).\n\t\tWhere(\"user_id = ?\", userID).Where(\"hash = ?\", hash).Where(\"used_at IS NULL\").Exec(ctx)",
		"\tn0, err := s.idb.NewSelect().Model((*models.RecoveryCode)(nil)).Where(\"user_id = ?\", userID).Where(\"hash = ?\", hash).Where(\"used_at IS NULL\").Count(ctx)\n" +
			"\tif err != nil || n0 == 0 {\n\t\treturn false, err\n\t}\n" +
			"\tres, err := s.idb.NewUpdate().Model((*models.RecoveryCode)(nil)).Set(\"used_at = ?\", now).\n\t\tWhere(\"user_id = ?\", userID).Where(\"hash = ?\", hash).Exec(ctx)"},
	// Reset, invite, verification and email-change links all spend through
	// spendToken (internal/store/tokens.go).
	{"token spend: drop used_at IS NULL", "internal/store/tokens.go",
		"\t\tWhere(\"hash = ?\", hash).\n\t\tWhere(\"used_at IS NULL\").\n", "\t\tWhere(\"hash = ?\", hash).\n"},
	{"token spend: drop expires_at", "internal/store/tokens.go",
		"\t\tWhere(\"used_at IS NULL\").\n\t\tWhere(\"expires_at > ?\", now).\n", "\t\tWhere(\"used_at IS NULL\").\n\t\tWhere(\"(expires_at > ?) OR 1 = 1\", now).\n"},
	{"token spend: drop the email binding", "internal/store/tokens.go",
		"\t\tWhere(\"user_email = (SELECT u.email FROM gh_users AS u WHERE u.id = ?TableAlias.user_id)\").\n", ""},
	{"token spend: n == 1 → n >= 0", "internal/store/tokens.go",
		"\treturn n == 1, err\n}\n", "\treturn n >= 0, err\n}\n"},
	{"token spend read-then-write", "internal/store/tokens.go",
		"\tres, err := s.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).\n\t\tSet(\"used_at = ?\", now).\n\t\tWhere(\"hash = ?\", hash).\n\t\tWhere(\"used_at IS NULL\").\n",
		"\tn0, err := s.idb.NewSelect().Model((*models.OneTimeToken)(nil)).Where(\"hash = ?\", hash).Where(\"used_at IS NULL\").Count(ctx)\n" +
			"\tif err != nil || n0 == 0 {\n\t\treturn false, err\n\t}\n" +
			"\tres, err := s.idb.NewUpdate().Model((*models.OneTimeToken)(nil)).\n\t\tSet(\"used_at = ?\", now).\n\t\tWhere(\"hash = ?\", hash).\n"},
}

func main() {
	tmp, err := os.MkdirTemp("", "spendmut-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer os.RemoveAll(tmp)
	// Control: unmutated, the tests must pass, or every "kill" means nothing.
	if out, err := exec.Command("go", "test", "-count=1", "-run", tests, "./internal/store/").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "spendmut: the spend tests fail without any mutation:\n%s", out)
		os.RemoveAll(tmp)
		os.Exit(2)
	}
	killed, lived, broken := 0, 0, 0
	for i, m := range mutants {
		start := time.Now()
		status, err := run(tmp, i, m)
		switch {
		case err != nil:
			broken++
			status = "BROKEN (" + err.Error() + ")"
		case status == "KILLED":
			killed++
		default:
			lived++
		}
		fmt.Printf("%12s  %-45s %s (%s)\n", status, m.name, m.file, time.Since(start).Round(time.Second))
	}
	total := killed + lived
	fmt.Printf("spend mutants: killed %d of %d (efficacy %.1f%%), broken %d\n", killed, total, pct(killed, total), broken)
	if lived > 0 || broken > 0 {
		os.Exit(1)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// run builds mutant i through an overlay and runs the spend tests: KILLED
// when they fail, LIVED when they pass. A mutant that does not compile is
// an error, not a kill.
func run(tmp string, i int, m mutant) (string, error) {
	src, err := os.ReadFile(m.file)
	if err != nil {
		return "", err
	}
	if n := strings.Count(string(src), m.old); n != 1 {
		return "", fmt.Errorf("%d matches of the text to mutate", n)
	}
	abs, err := filepath.Abs(m.file)
	if err != nil {
		return "", err
	}
	mutated := filepath.Join(tmp, fmt.Sprintf("m%d.go", i))
	if err := os.WriteFile(mutated, []byte(strings.Replace(string(src), m.old, m.new, 1)), 0o600); err != nil {
		return "", err
	}
	overlay := filepath.Join(tmp, fmt.Sprintf("m%d.json", i))
	raw, _ := json.Marshal(map[string]any{"Replace": map[string]string{abs: mutated}})
	if err := os.WriteFile(overlay, raw, 0o600); err != nil {
		return "", err
	}
	out, err := exec.Command("go", "test", "-count=1", "-overlay", overlay, "-run", tests, "./internal/store/").CombinedOutput()
	switch {
	case err == nil:
		return "LIVED", nil
	case strings.Contains(string(out), "[build failed]") || strings.Contains(string(out), "[setup failed]"):
		return "", fmt.Errorf("does not build")
	}
	return "KILLED", nil
}
