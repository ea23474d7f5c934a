package mail_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/gatehouse/gatehouse/internal/mail"
)

func TestFileTransport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	tr, err := mail.NewFile(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m := plainMsg
	m.ID = "0b9d7c4e-6a4f-4f2e-9a57-9c1e2f3a4b5c"
	m.Subject = "Password Reset Request"
	if err := tr.Send(context.Background(), m, "Gatehouse <no-reply@example.com>"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d files in %s; want 1 (no temporaries left)", len(entries), dir)
	}
	name := entries[0].Name()
	if !regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-` + m.ID + `\.eml$`).MatchString(name) {
		t.Fatalf("file name %q", name)
	}
	info, _ := entries[0].Info()
	if info.Mode().Perm()&0o077 != 0 {
		t.Errorf("mail file mode %v is readable by others; it holds a live token", info.Mode().Perm())
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	if p.Subject != "Password Reset Request" || p.To != "a@example.com" || p.Text != "hi" || p.HTML != "<p>hi</p>" {
		t.Fatalf("parsed %+v", p)
	}
}
