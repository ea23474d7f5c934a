package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPOptions mirror Directus's EMAIL_SMTP_* variables.
type SMTPOptions struct {
	Host      string        // EMAIL_SMTP_HOST
	Port      int           // EMAIL_SMTP_PORT; 0: 465 when Secure, else 587
	User      string        // EMAIL_SMTP_USER; empty: no authentication
	Password  string        // EMAIL_SMTP_PASSWORD
	Secure    bool          // EMAIL_SMTP_SECURE: implicit TLS from the first byte
	IgnoreTLS bool          // EMAIL_SMTP_IGNORE_TLS: never STARTTLS (plain text)
	Name      string        // EMAIL_SMTP_NAME: HELO/EHLO name; empty: "localhost"
	Timeout   time.Duration // per connection; 0: 15s
	TLSConfig *tls.Config   // optional (custom roots); ServerName defaults to Host
}

// SMTP sends through one SMTP server, one connection per message (auth
// mail is rare; a pool would only add stale-connection failures).
type SMTP struct {
	o    SMTPOptions
	opts []gomail.Option
	now  func() time.Time
}

// NewSMTP validates o. It does not connect.
func NewSMTP(o SMTPOptions) (*SMTP, error) {
	if o.Host == "" {
		return nil, errors.New("EMAIL_SMTP_HOST is required for the smtp transport")
	}
	port := o.Port
	if port == 0 {
		port = gomail.DefaultPortTLS
		if o.Secure {
			port = gomail.DefaultPortSSL
		}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = gomail.DefaultTimeout
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout)}
	switch {
	case o.Secure:
		opts = append(opts, gomail.WithSSL())
	case o.IgnoreTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		// As nodemailer: STARTTLS when the server offers it.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if o.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(o.TLSConfig))
	}
	if o.Name != "" {
		opts = append(opts, gomail.WithHELO(o.Name))
	}
	if o.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(o.User), gomail.WithPassword(o.Password))
	}
	// Build one client now so bad options fail at start, not at first send.
	if _, err := gomail.NewClient(o.Host, opts...); err != nil {
		return nil, redact(err, o.Password)
	}
	return &SMTP{o: o, opts: opts, now: time.Now}, nil
}

// Send delivers m. The error never contains the password.
func (s *SMTP) Send(ctx context.Context, m Message, from string) error {
	msg, err := buildMsg(m, from, s.now(), false)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.o.Host, s.opts...)
	if err != nil {
		return redact(err, s.o.Password)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return redact(err, s.o.Password)
	}
	return nil
}

// redact flattens err to text without the password: the error is logged and
// stored in gh_outbox.last_error.
func redact(err error, password string) error {
	msg := err.Error()
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "[redacted]")
	}
	return errors.New("smtp: " + msg)
}
