package mail_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
)

func TestTemplatesBuiltin(t *testing.T) {
	r, err := mail.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	for name, subject := range map[string]string{
		mail.TemplatePasswordReset:    "Password Reset Request",
		mail.TemplateUserInvitation:   "You've been invited",
		mail.TemplateUserRegistration: "Verify your email address",
	} {
		m, err := r.Render(name, map[string]any{"url": `https://x.test/a?token=t&b="<c>"`, "email": "u@x.test",
			"projectName": "Acme", "projectUrl": "https://x.test", "ttl": 7 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != subject || m.To != "" {
			t.Errorf("%s: subject %q, to %q", name, m.Subject, m.To)
		}
		contains(t, name+" text", m.Text, `https://x.test/a?token=t&b="<c>"`)
		contains(t, name+" text", m.Text, "7 days")
		contains(t, name+" html", m.HTML, "Acme")
		if strings.Contains(m.HTML, `"<c>"`) {
			t.Errorf("%s: html does not escape the url: %s", name, m.HTML)
		}
	}
	if _, err := r.Render("nope", nil); err == nil {
		t.Error("unknown template rendered")
	}
	m, _ := r.Render(mail.TemplateUserInvitation, map[string]any{"url": "u", "subject": "Join Acme"})
	if m.Subject != "Join Acme" {
		t.Errorf("subject override: %q", m.Subject)
	}
	m, _ = r.Render(mail.TemplatePasswordReset, map[string]any{"url": "u", "ttl": 90 * time.Minute})
	contains(t, "reset text", m.Text, "expires in 90 minutes")
}

func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "password-reset.html"),
		[]byte(`<b>Custom {{.email}}</b> <a href="{{.url}}">go</a> {{humanize .ttl}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := mail.NewRenderer(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Render(mail.TemplatePasswordReset, map[string]any{"url": "https://x.test/r?token=1",
		"email": "<u>@x.test", "ttl": time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if m.HTML != `<b>Custom &lt;u&gt;@x.test</b> <a href="https://x.test/r?token=1">go</a> 1 hour` {
		t.Errorf("override html: %q", m.HTML)
	}
	contains(t, "built-in text kept", m.Text, "Reset your password: https://x.test/r?token=1")

	// A broken override fails at start, naming the file.
	if err := os.WriteFile(filepath.Join(dir, "user-invitation.txt"), []byte("{{.url"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := mail.NewRenderer(dir); err == nil || !strings.Contains(err.Error(), "user-invitation.txt") {
		t.Fatalf("broken override: %v", err)
	}
}
