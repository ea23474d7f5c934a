package auth

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// updateOwn applies a change a user makes to their own record. A new
// password or email (or, through the admin API, a cleared tfa_secret) needs
// a recent login or the Proof; a new email then waits until its mailbox
// confirms. AUTH_REAUTHENTICATION=false restores Directus's behaviour: no
// proof, and the email changes at once.
func (s *Service) updateOwn(ctx context.Context, a *Accountability, u *models.User, in UserInput, admin bool, m Meta) (*UserView, error) {
	if in.Password.Set || in.Email.Set || (admin && in.TFASecret.Set) {
		if err := s.requireRecentAuth(ctx, a, u, in.Proof, false, m); err != nil {
			return nil, err
		}
	}
	if !s.set.Reauth || !in.Email.Set {
		return s.updateUser(ctx, a, u, in, admin, m)
	}
	if in.Email.NotString || !ValidEmail(in.Email.Str) {
		return nil, errBadEmail
	}
	key, err := NormalizeEmail(in.Email.Str)
	if err != nil {
		return nil, err
	}
	if u.EmailLower != nil && *u.EmailLower == key {
		// The same mailbox, spelled differently: nothing to confirm.
		return s.updateUser(ctx, a, u, in, admin, m)
	}
	newEmail := in.Email.Str
	in.Email = Value{}
	view, err := s.updateUser(ctx, a, u, in, admin, m)
	if err != nil {
		return nil, err
	}
	if err := s.requestEmailChange(ctx, a, u, newEmail, key, m); err != nil {
		return nil, err
	}
	return view, nil
}

// requestEmailChange mails a one-time link to the new address. The answer
// is the same when the address belongs to another account (no mail then),
// so the route tells nobody which addresses have accounts.
func (s *Service) requestEmailChange(ctx context.Context, a *Accountability, u *models.User, email, key string, m Meta) error {
	other, err := s.store.UserByEmail(ctx, key)
	switch {
	case err == nil && other.ID != u.ID:
		s.audit(ctx, models.ActionEmailChangeRefused, u.ID, m, "address taken")
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return internal(err)
	}
	owner := *u
	if owner.Email == nil {
		owner.Email = &email
	}
	// The link proves the new mailbox; the text names the old address.
	tok, msg, err := s.prepareTokenTo(&owner, email, models.TokenEmailChange, mail.TemplateEmailChange,
		s.set.PublicURL+"/admin/confirm-email", s.set.EmailChangeTTL)
	if err != nil {
		return err
	}
	tok.NewEmail = &email
	if a.SessionRef != "" {
		ref := a.SessionRef
		tok.SessionID = &ref
	}
	if err := s.store.IssueToken(ctx, tok, msg); err != nil {
		return internal(err)
	}
	s.wake()
	s.audit(ctx, models.ActionEmailChangeRequested, u.ID, m, "")
	return nil
}

// ConfirmEmailChange spends an email-change link: the address it was sent to
// becomes the user's, the old address is told, and every session but the
// one that asked for the change ends.
func (s *Service) ConfirmEmailChange(ctx context.Context, token Value, m Meta) error {
	if err := requireString("token", token); err != nil {
		return err
	}
	tok, u, err := s.checkToken(ctx, token.Str, models.TokenEmailChange)
	if err != nil {
		return err
	}
	if tok.NewEmail == nil {
		return ErrForbidden
	}
	key, err := NormalizeEmail(*tok.NewEmail)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	old := u.Email
	u.Email, u.EmailLower, u.UpdatedAt = tok.NewEmail, &key, now
	var notice *models.Message
	if old != nil && *old != "" {
		if notice, err = s.emailChangedNotice(*old, *tok.NewEmail, now); err != nil {
			return err
		}
	}
	keep := ""
	if tok.SessionID != nil {
		keep = *tok.SessionID
	}
	spent, err := s.store.ChangeEmail(ctx, tok.Hash, u, keep, now, notice)
	if errors.Is(err, store.ErrDuplicate) {
		return notUnique(err, *tok.NewEmail) // taken since the request
	}
	if err != nil {
		return internal(err)
	}
	if !spent {
		return errTokenSpent
	}
	s.wake()
	s.audit(ctx, models.ActionEmailChanged, u.ID, m, "")
	return nil
}

// emailChangedNotice tells the old address that the account moved.
func (s *Service) emailChangedNotice(old, changedTo string, now time.Time) (*models.Message, error) {
	if s.mailer == nil {
		return nil, internal(errors.New("no mailer configured"))
	}
	msg, err := s.mailer.Render(mail.TemplateEmailChanged, map[string]any{
		"email": old, "newEmail": changedTo, "projectName": s.set.ProjectName, "projectUrl": s.set.PublicURL,
	})
	if err != nil {
		return nil, internal(err)
	}
	msg.To = old
	row, err := mail.NewOutboxMessage(msg, now, time.Time{}, s.bodies)
	if err != nil {
		return nil, internal(err)
	}
	return row, nil
}
