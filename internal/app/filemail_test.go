package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail"
)

var plainLink = regexp.MustCompile(`https?://[^\s<>"']+`)

// TestFileTransportLinkWorks asks for a reset with the default (file)
// transport, finds the link in the written .eml by a plain-text search, as
// a developer would, and uses it: the page opens with the token and the
// form sets the password. Quoted-printable bodies broke the copied link
// ("token=3D…", soft line breaks).
func TestFileTransportLinkWorks(t *testing.T) {
	s := apptest.New(t, "sqlite3", "EMAIL_TRANSPORT=file")
	if r := s.Post("/auth/password/request", map[string]any{"email": apptest.AdminEmail}); r.StatusCode != http.StatusNoContent {
		t.Fatalf("request: %d %s", r.StatusCode, r.Body)
	}
	if n, err := s.App.Outbox.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("deliver: %d %v", n, err)
	}
	dir := filepath.Join(s.App.Config.DataDir, "mail")
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("mail files in %s: %v %v", dir, files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, l := range plainLink.FindAllString(string(raw), -1) {
		if strings.Contains(l, "token") {
			links = append(links, l)
		}
	}
	if len(links) == 0 {
		t.Fatalf("no link in the file:\n%s", raw)
	}
	for _, l := range links[1:] {
		if l != links[0] {
			t.Errorf("the file's parts carry different links:\n%s\n%s", links[0], l)
		}
	}
	u, err := url.Parse(links[0])
	if err != nil || !strings.HasPrefix(links[0], "http://gatehouse.test/admin/reset-password?token=") {
		t.Fatalf("link %q: %v", links[0], err)
	}
	// The link names PUBLIC_URL; the test server listens elsewhere.
	page := s.Do(http.MethodGet, u.RequestURI(), nil)
	if page.StatusCode != http.StatusOK || !bytes.Contains(page.Body, []byte(`name="password"`)) {
		t.Fatalf("opening the link: %d\n%s", page.StatusCode, page.Body)
	}
	form := url.Values{"token": {u.Query().Get("token")}, "password": {"a-new-password-42"}, "confirm": {"a-new-password-42"}}
	res := s.Do(http.MethodPost, u.Path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusOK || !bytes.Contains(res.Body, []byte("Your password has been changed")) {
		t.Fatalf("submitting the form: %d\n%s", res.StatusCode, res.Body)
	}
	s.Login(apptest.AdminEmail, "a-new-password-42")
}

// TestFileTransportLogsWhereNotWhat: the log names the file, never the link.
func TestFileTransportLogsWhereNotWhat(t *testing.T) {
	var logs bytes.Buffer
	dir := t.TempDir()
	tr, err := mail.NewFile(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	link := "http://gatehouse.test/admin/reset-password?token=" + strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 6) + "sig"
	m := mail.Message{To: "a@example.com", Subject: "Reset", Text: "Open " + link + " to reset.", HTML: `<a href="` + link + `">reset</a>`}
	if err := tr.Send(context.Background(), m, "no-reply@example.com"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 || !strings.Contains(logs.String(), files[0]) {
		t.Errorf("the log does not say where the mail is (%v):\n%s", files, logs.String())
	}
	if strings.Contains(logs.String(), "token=") {
		t.Errorf("the log carries the link:\n%s", logs.String())
	}
	raw, _ := os.ReadFile(files[0])
	if got := bytes.Count(raw, []byte(link)); got != 2 {
		t.Errorf("the link appears %d times verbatim in the file, want 2 (text and html):\n%s", got, raw)
	}
}
