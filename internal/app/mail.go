package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/models"
)

// buildMail prepares templates, the transport and the outbox worker.
func (a *App) buildMail(now func() time.Time, secret []byte) error {
	cfg := a.Config
	r, err := mail.NewRenderer(cfg.Email.TemplatesPath)
	if err != nil {
		return fmt.Errorf("EMAIL_TEMPLATES_PATH: %w", err)
	}
	a.Mail = r
	var t mail.Transport
	switch cfg.Email.Transport {
	case "smtp":
		t, err = mail.NewSMTP(mail.SMTPOptions{Host: cfg.Email.SMTPHost, Port: cfg.Email.SMTPPort, User: cfg.Email.SMTPUser,
			Password: cfg.Email.SMTPPassword, Secure: cfg.Email.SMTPSecure, IgnoreTLS: cfg.Email.SMTPIgnoreTLS, Name: cfg.Email.SMTPName})
	default:
		dir := filepath.Join(cfg.DataDir, "mail")
		t, err = mail.NewFile(dir, a.Log)
		a.Log.Info("emails are written as .eml files (set EMAIL_TRANSPORT=smtp to send them)", "dir", dir)
	}
	if err != nil {
		return err
	}
	from := cfg.Email.From
	if !strings.Contains(from, "<") && cfg.ProjectName != "" {
		from = fmt.Sprintf("%s <%s>", cfg.ProjectName, from)
	}
	bodies, err := mail.NewBodySealer(secret)
	if err != nil {
		return err
	}
	a.Outbox = mail.NewWorker(mail.WorkerOptions{Store: a.Store, Transport: t, From: from, Sealer: bodies,
		MaxAttempts: cfg.Email.MaxAttempts, Retention: cfg.Email.OutboxRetention.D(), Now: now, Logger: a.Log,
		OnAbandoned: func(ctx context.Context, m models.Message) { a.Auth.MessageAbandoned(ctx, m) }})
	return nil
}
