// Package mail delivers Gatehouse's emails through an outbox: callers queue a
// rendered message in the same transaction as the token it carries, and a
// Worker sends it with retries over a Transport (SMTP or .eml files).
package mail

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"

	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/models"
)

// Message is one rendered email.
type Message struct {
	ID      string // outbox id; becomes the Message-ID so a retried mail can be deduplicated
	To      string
	Subject string
	HTML    string
	Text    string
}

// Transport hands one message to the outside world.
type Transport interface {
	Send(ctx context.Context, m Message, from string) error
}

// NewOutboxMessage turns a rendered message into a pending outbox row, due
// now, its bodies sealed with s (NewBodySealer). notAfter (zero: never) is
// when the link inside stops working: the worker will not send it after that.
func NewOutboxMessage(m Message, now, notAfter time.Time, s *seal.Sealer) (*models.Message, error) {
	if s == nil {
		return nil, errNoSealer
	}
	row := &models.Message{
		ID:            uuid.NewString(),
		ToAddress:     m.To,
		Subject:       m.Subject,
		Status:        models.MessagePending,
		NextAttemptAt: now,
		CreatedAt:     now,
	}
	var err error
	if row.HTML, err = sealBody(s, row, "html", m.HTML); err != nil {
		return nil, err
	}
	if row.Text, err = sealBody(s, row, "text", m.Text); err != nil {
		return nil, err
	}
	if !notAfter.IsZero() {
		row.NotAfter = &notAfter
	}
	return row, nil
}

// fromRow opens a row's sealed bodies.
func fromRow(r models.Message, s *seal.Sealer) (Message, error) {
	html, err := openBody(s, r, "html", r.HTML)
	if err != nil {
		return Message{}, err
	}
	text, err := openBody(s, r, "text", r.Text)
	if err != nil {
		return Message{}, err
	}
	return Message{ID: r.ID, To: r.ToAddress, Subject: r.Subject, HTML: html, Text: text}, nil
}

// buildMsg assembles a multipart/alternative (text, html) RFC 5322 message.
// Bodies are quoted-printable unless raw: then they are written as they are
// (8bit), so a link read from the file is the link that was sent.
func buildMsg(m Message, from string, now time.Time, raw bool) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if raw {
		msg.SetEncoding(gomail.NoEncoding)
	}
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("invalid sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("invalid recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID + "@" + domainOf(from))
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

func domainOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
			return a.Address[i+1:]
		}
	}
	return "gatehouse.invalid"
}
