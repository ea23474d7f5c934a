package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	texttemplate "text/template"
	"time"
)

// Template names, as Directus's.
const (
	TemplatePasswordReset    = "password-reset"
	TemplateUserInvitation   = "user-invitation"
	TemplateUserRegistration = "user-registration"
	TemplateEmailChange      = "email-change"  // to the new address: confirm it
	TemplateEmailChanged     = "email-changed" // to the old address: the account moved
)

// subjects are Directus's fixed subjects; data["subject"] overrides (invites).
var subjects = map[string]string{
	TemplatePasswordReset:    "Password Reset Request",
	TemplateUserInvitation:   "You've been invited",
	TemplateUserRegistration: "Verify your email address",
	TemplateEmailChange:      "Confirm your new email address",
	TemplateEmailChanged:     "Your email address was changed",
}

//go:embed templates/*
var builtin embed.FS

// Renderer turns a template name and data into a message. Templates are Go
// templates (html/template for .html, so values are escaped; text/template
// for .txt); data keys: url, email, projectName, projectUrl, ttl
// (time.Duration, shown with {{humanize .ttl}}), plus any the caller adds.
type Renderer struct {
	html map[string]*htmltemplate.Template
	text map[string]*texttemplate.Template
}

var funcs = map[string]any{"humanize": humanize}

// NewRenderer parses every template once, so a broken override fails at
// start. A file <dir>/<name>.html or <dir>/<name>.txt (EMAIL_TEMPLATES_PATH)
// replaces the built-in one; dir "" or a missing file means the built-in.
func NewRenderer(dir string) (*Renderer, error) {
	r := &Renderer{html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}}
	for name := range subjects {
		src, err := source(dir, name+".html")
		if err != nil {
			return nil, err
		}
		h, err := htmltemplate.New(name).Funcs(funcs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("email template %s.html: %w", name, err)
		}
		src, err = source(dir, name+".txt")
		if err != nil {
			return nil, err
		}
		t, err := texttemplate.New(name).Funcs(funcs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("email template %s.txt: %w", name, err)
		}
		r.html[name], r.text[name] = h, t
	}
	return r, nil
}

func source(dir, file string) (string, error) {
	if dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("email template %s: %w", file, err)
		}
	}
	b, err := builtin.ReadFile("templates/" + file)
	return string(b), err
}

// Render fills template name with data. The result has no recipient: the
// caller sets To.
func (r *Renderer) Render(name string, data map[string]any) (Message, error) {
	h, ok := r.html[name]
	if !ok {
		return Message{}, fmt.Errorf("unknown email template %q", name)
	}
	subject := subjects[name]
	if s, ok := data["subject"].(string); ok && s != "" {
		subject = s
	}
	var hb, tb bytes.Buffer
	if err := h.Execute(&hb, data); err != nil {
		return Message{}, fmt.Errorf("render %s.html: %w", name, err)
	}
	if err := r.text[name].Execute(&tb, data); err != nil {
		return Message{}, fmt.Errorf("render %s.txt: %w", name, err)
	}
	return Message{Subject: subject, HTML: hb.String(), Text: tb.String()}, nil
}

// humanize says how long a link lives: "1 hour", "7 days", "90 minutes".
func humanize(v any) string {
	var d time.Duration
	switch x := v.(type) {
	case time.Duration:
		d = x
	case int64:
		d = time.Duration(x) * time.Millisecond
	case int:
		d = time.Duration(x) * time.Millisecond
	case string:
		return x
	default:
		return "a limited time"
	}
	unit := func(n int64, s string) string {
		if n == 1 {
			return "1 " + s
		}
		return strconv.FormatInt(n, 10) + " " + s + "s"
	}
	switch {
	case d <= 0:
		return "a limited time"
	case d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	default:
		return unit(int64((d+time.Second-1)/time.Second), "second")
	}
}
