package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// ResetRequest is POST /auth/password/request.
type ResetRequest struct {
	Email    Value
	ResetURL string // optional; must be on PASSWORD_RESET_URL_ALLOW_LIST
}

// RequestPasswordReset emails a reset link to an active or suspended user.
// Whether the email exists never shows: every outcome but a refused reset_url
// is nil after the same stall, and failures are logged, not returned.
func (s *Service) RequestPasswordReset(ctx context.Context, in ResetRequest, m Meta) error {
	if !in.Email.Set || in.Email.NotString {
		return InvalidPayload(`"email" field is required`)
	}
	if in.ResetURL != "" && !s.set.ResetURLs.Allows(in.ResetURL) {
		return InvalidPayload(fmt.Sprintf("URL %q can't be used to reset passwords", in.ResetURL))
	}
	start := time.Now()
	defer s.stallSince(start, s.set.RequestStall)

	if _, ok := s.allow(ctx, s.limits.PasswordRequest, limitKey(in.Email.Str)); !ok {
		// Over the per-account limit: quietly send nothing, so the answer
		// still tells nothing about the email.
		return nil
	}
	u, err := s.userByEmail(ctx, in.Email.Str)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.ErrorContext(ctx, "password reset lookup failed", "err", err)
		}
		return nil
	}
	if (u.Status != models.StatusActive && u.Status != models.StatusSuspended) || u.Provider != "default" || u.Email == nil {
		return nil
	}
	link := in.ResetURL
	if link == "" {
		link = s.set.PublicURL + "/admin/reset-password"
	}
	if err := s.sendToken(ctx, u, models.TokenPasswordReset, mail.TemplatePasswordReset, link, s.set.ResetTTL); err != nil {
		s.log.ErrorContext(ctx, "queueing the reset email failed", "err", errors.Unwrap(err))
		return nil
	}
	s.audit(ctx, models.ActionPasswordResetRequested, u.ID, m, "")
	return nil
}

// ResetInput is POST /auth/password/reset.
type ResetInput struct {
	Token    Value
	Password Value
}

// ResetPassword spends a reset token and sets the new password. Every session
// of the user ends; a suspended user becomes active again.
func (s *Service) ResetPassword(ctx context.Context, in ResetInput, m Meta) error {
	if !in.Token.Set || in.Token.NotString {
		return InvalidPayload(`"token" field is required`)
	}
	if !in.Password.Set || in.Password.NotString {
		return InvalidPayload(`"password" field is required`)
	}
	tok, u, err := s.checkToken(ctx, in.Token.Str, models.TokenPasswordReset)
	if err != nil {
		return err
	}
	if err := s.checkPolicy(in.Password.Str); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, in.Password.Str)
	if err != nil {
		return s.hashFailure(err)
	}
	spent, err := s.store.ResetPassword(ctx, tok.Hash, u.ID, hash, s.now().UTC())
	if err != nil {
		return internal(err)
	}
	if !spent {
		return ErrForbidden // a concurrent reset spent it first
	}
	s.audit(ctx, models.ActionPasswordReset, u.ID, m, "")
	return nil
}

// MessageAbandoned records an email the outbox gave up on.
func (s *Service) MessageAbandoned(ctx context.Context, m models.Message) {
	userID := ""
	if u, err := s.userByEmail(ctx, m.ToAddress); err == nil {
		userID = u.ID
	}
	s.audit(ctx, models.ActionEmailAbandoned, userID, Meta{}, m.Subject)
}
