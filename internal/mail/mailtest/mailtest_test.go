package mailtest_test

import (
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
)

const raw = "From: Gatehouse <no-reply@example.com>\r\n" +
	"To: Someone <someone@example.com>\r\n" +
	"Subject: =?UTF-8?q?R=C3=A9initialiser?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=BOUND\r\n" +
	"\r\n" +
	"--BOUND\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	// "Reset: http://x.test/r?token=abc&a=b\r\nbye\r\n"
	"UmVzZXQ6IGh0dHA6Ly94LnRlc3Qvcj90b2tlbj1hYmMmYT1iDQpieWUNCg==\r\n" +
	"--BOUND\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"<a href=3D\"http://x.test/r?token=3Dabc\">R=C3=A9set</a> a very long line th=\r\n" +
	"at was wrapped\r\n" +
	"--BOUND--\r\n"

func send(s *mailtest.Server) error {
	return smtp.SendMail(net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())), nil, "no-reply@example.com",
		[]string{"someone@example.com"}, []byte(raw))
}

func TestServer(t *testing.T) {
	s := mailtest.NewServer(t)
	if env := s.Env(); len(env) != 4 || env[0] != "EMAIL_TRANSPORT=smtp" || env[2] != "EMAIL_SMTP_PORT="+strconv.Itoa(s.Port()) {
		t.Fatalf("Env %v", env)
	}
	if err := send(s); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.Subject != "Réinitialiser" || len(m.To) != 1 || m.To[0] != "someone@example.com" || m.From != "no-reply@example.com" ||
		len(m.Rcpt) != 1 || string(m.Raw) != raw || m.Header.Get("Mime-Version") != "1.0" {
		t.Fatalf("headers: %+v", m)
	}
	if m.Text != "Reset: http://x.test/r?token=abc&a=b\r\nbye\r\n" {
		t.Fatalf("text %q", m.Text)
	}
	if !strings.Contains(m.HTML, `href="http://x.test/r?token=abc">Réset</a>`) || !strings.Contains(m.HTML, "that was wrapped") {
		t.Fatalf("html %q", m.HTML)
	}
	if l := mailtest.Link(t, m); l != "http://x.test/r?token=abc&a=b" {
		t.Fatalf("link %q", l)
	}

	s.SetTempFail(true)
	if err := send(s); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("temp fail: %v", err)
	}
	s.SetTempFail(false)

	port := s.Port()
	s.Down()
	if err := send(s); err == nil {
		t.Fatal("sent while down")
	}
	s.Up()
	if s.Port() != port {
		t.Fatalf("port changed %d → %d", port, s.Port())
	}
	if err := send(s); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
}

func TestParsePlain(t *testing.T) {
	m, err := mailtest.Parse([]byte("To: a@b.test, c@d.test\r\nSubject: hi\r\n\r\nbody http://h.test/?token=1\r\n"))
	if err != nil || m.Text != "body http://h.test/?token=1\r\n" || len(m.To) != 2 || m.Subject != "hi" || m.HTML != "" {
		t.Fatalf("%+v %v", m, err)
	}
}
