package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// Mailer renders the emails that carry one-time tokens (internal/mail).
type Mailer interface {
	Render(name string, data map[string]any) (mail.Message, error)
}

// Notifier wakes the outbox worker after a message is queued.
type Notifier interface {
	Notify()
}

// newSecret returns 256 random bits, URL-safe, and the hash stored for it.
func newSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret), nil
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// passwordMark ties a token to the password it was issued against: a changed
// password changes the mark and kills the token.
func passwordMark(u *models.User) string {
	if u.Password == nil {
		return hashSecret("")[:16]
	}
	return hashSecret(*u.Password)[:16]
}

// sendToken issues a one-time token of kind for u and queues the email
// template name, whose link is link with the token appended.
func (s *Service) sendToken(ctx context.Context, u *models.User, kind, template, link string, ttl time.Duration) error {
	tok, msg, err := s.prepareToken(u, kind, template, link, ttl)
	if err != nil {
		return err
	}
	if err := s.store.IssueToken(ctx, tok, msg); err != nil {
		return internal(err)
	}
	s.wake()
	return nil
}

// prepareToken makes a token row and the outbox message carrying its link,
// mailed to the user's address.
func (s *Service) prepareToken(u *models.User, kind, template, link string, ttl time.Duration) (*models.OneTimeToken, *models.Message, error) {
	return s.prepareTokenTo(u, *u.Email, kind, template, link, ttl)
}

// prepareTokenTo is prepareToken mailing to another address (a new email
// to confirm): the token stays bound to the user's current address.
func (s *Service) prepareTokenTo(u *models.User, to, kind, template, link string, ttl time.Duration) (*models.OneTimeToken, *models.Message, error) {
	if s.mailer == nil {
		return nil, nil, internal(errors.New("no mailer configured"))
	}
	secret, hash, err := newSecret()
	if err != nil {
		return nil, nil, internal(err)
	}
	now := s.now().UTC()
	msg, err := s.mailer.Render(template, map[string]any{
		"url": withToken(link, secret), "email": *u.Email, "ttl": ttl,
		"projectName": s.set.ProjectName, "projectUrl": s.set.PublicURL,
	})
	if err != nil {
		return nil, nil, internal(err)
	}
	msg.To = to
	email := *u.Email
	tok := &models.OneTimeToken{Hash: hash, Kind: kind, UserID: u.ID, PasswordMark: passwordMark(u),
		UserEmail: &email, ExpiresAt: now.Add(ttl), CreatedAt: now}
	row, err := mail.NewOutboxMessage(msg, now, now.Add(ttl), s.bodies)
	if err != nil {
		return nil, nil, internal(err)
	}
	return tok, row, nil
}

// wake tells the outbox worker a message is waiting.
func (s *Service) wake() {
	if s.notify != nil {
		s.notify.Notify()
	}
}

// errTokenSpent is FORBIDDEN for a token used already or superseded by a
// password change; invite and verification map it to their own answers.
var errTokenSpent = &Error{Code: CodeForbidden, Message: ErrForbidden.Message}

// checkToken finds a live token of kind: unknown, or issued to an email the
// user no longer has → INVALID_TOKEN; expired → TOKEN_EXPIRED; spent, of
// another kind or issued against an older password → FORBIDDEN.
func (s *Service) checkToken(ctx context.Context, secret, kind string) (*models.OneTimeToken, *models.User, error) {
	if secret == "" || len(secret) > 512 {
		return nil, nil, ErrInvalidToken
	}
	t, err := s.store.Token(ctx, hashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, internal(err)
	}
	if t.Kind != kind {
		return nil, nil, ErrForbidden
	}
	if t.UsedAt != nil {
		return nil, nil, errTokenSpent
	}
	if !t.ExpiresAt.After(s.now()) {
		return nil, nil, ErrTokenExpired
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrForbidden
	}
	if err != nil {
		return nil, nil, internal(err)
	}
	if t.UserEmail == nil || u.Email == nil || *t.UserEmail != *u.Email {
		return nil, nil, ErrInvalidToken // mailed to an address the account no longer has
	}
	if passwordMark(u) != t.PasswordMark {
		return nil, nil, errTokenSpent // superseded: the password changed since
	}
	return t, u, nil
}
