package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
)

var plainMsg = mail.Message{To: "a@example.com", Subject: "Hello", HTML: "<p>hi</p>", Text: "hi"}

// The default TLS policy is opportunistic, as nodemailer's: a server without
// STARTTLS still gets the mail.
func TestSMTPOpportunisticTLS(t *testing.T) {
	s := newSink(t)
	host, port := s.hostPort()
	tr, err := mail.NewSMTP(mail.SMTPOptions{Host: host, Port: port, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Send(context.Background(), plainMsg, "no-reply@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := s.messages(); len(got) != 1 || parse(t, got[0]).Subject != "Hello" {
		t.Fatalf("received %d messages", len(got))
	}
}

func TestSMTPErrorsHideThePassword(t *testing.T) {
	s := newSink(t)
	s.password = "hunter2-very-secret"
	// Credentials only travel encrypted: the sink offers STARTTLS.
	clientTLS := s.withTLS()
	host, port := s.hostPort()
	tr, err := mail.NewSMTP(mail.SMTPOptions{Host: host, Port: port, TLSConfig: clientTLS,
		User: "mailer", Password: s.password, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Send(context.Background(), plainMsg, "no-reply@example.com")
	if err == nil {
		t.Fatal("send succeeded against a server refusing the credentials")
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), s.password) {
		t.Fatalf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error %q does not carry the server's reply", err)
	}
	if len(s.messages()) != 0 {
		t.Fatal("message delivered without authentication")
	}
}

func TestSMTPOptions(t *testing.T) {
	if _, err := mail.NewSMTP(mail.SMTPOptions{}); err == nil || !strings.Contains(err.Error(), "EMAIL_SMTP_HOST") {
		t.Fatalf("missing host: %v", err)
	}
	s := newSink(t)
	host, port := s.hostPort()
	tr, err := mail.NewSMTP(mail.SMTPOptions{Host: host, Port: port, IgnoreTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	bad := plainMsg
	bad.To = "a@example.com\r\nBcc: victim@example.com"
	if err := tr.Send(context.Background(), bad, "no-reply@example.com"); err == nil {
		t.Fatal("a header-injecting recipient was accepted")
	}
	if len(s.messages()) != 0 {
		t.Fatal("header-injected message was sent")
	}
}
