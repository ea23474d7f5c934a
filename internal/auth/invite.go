package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// InviteInput is POST /users/invite.
type InviteInput struct {
	Emails    []string
	Role      Value
	InviteURL string
}

// ErrInvalidInvite is Directus's 400 for an invite that was already accepted.
var ErrInvalidInvite = &Error{Code: CodeInvalidInvite, Message: "This invite is no longer valid."}

// Invite creates invited users and emails each a link to set a password.
// Admins only. An email that already belongs to a non-invited user is
// skipped silently; an invited one gets a fresh link.
func (s *Service) Invite(ctx context.Context, a *Accountability, in InviteInput, m Meta) error {
	if err := s.requireAdmin(ctx, a); err != nil {
		return err
	}
	if len(in.Emails) == 0 {
		return InvalidPayload(`"email" is required`)
	}
	for _, e := range in.Emails {
		if !ValidEmail(e) {
			return InvalidPayload(`"email" must be a valid email`)
		}
		if _, err := NormalizeEmail(e); err != nil {
			return err
		}
	}
	if !in.Role.Set {
		return InvalidPayload(`"role" is required`)
	}
	if in.Role.NotString || uuid.Validate(in.Role.Str) != nil {
		return InvalidPayload(`"role" must be a valid GUID`)
	}
	role, err := s.store.Role(ctx, in.Role.Str)
	if errors.Is(err, store.ErrNotFound) {
		return InvalidPayload(fmt.Sprintf("Role %q doesn't exist", in.Role.Str))
	}
	if err != nil {
		return internal(err)
	}
	if in.InviteURL != "" && !s.set.InviteURLs.Allows(in.InviteURL) {
		return InvalidPayload(fmt.Sprintf("URL %q can't be used to invite users", in.InviteURL))
	}
	link := in.InviteURL
	if link == "" {
		link = s.set.PublicURL + "/admin/accept-invite"
	}
	for _, email := range in.Emails {
		invitee, err := s.inviteOne(ctx, email, role, link)
		if err != nil {
			return err
		}
		if invitee != "" {
			s.auditItem(ctx, models.ActionInviteSent, a.UserID, invitee, m, email)
		}
	}
	return nil
}

// inviteOne invites one address and returns the invited user's id, or ""
// when nothing was sent.
func (s *Service) inviteOne(ctx context.Context, email string, role *models.Role, link string) (string, error) {
	lower, err := NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	u, err := s.store.UserByEmail(ctx, lower)
	switch {
	case err == nil && u.Status == models.StatusInvited:
		return u.ID, s.sendToken(ctx, u, models.TokenInvite, mail.TemplateUserInvitation, link, s.set.InviteTTL)
	case err == nil:
		return "", nil // exists already: nothing to invite, and nothing to reveal
	case !errors.Is(err, store.ErrNotFound):
		return "", internal(err)
	}
	now := s.now().UTC()
	u = &models.User{ID: uuid.NewString(), Email: &email, EmailLower: &lower, Status: models.StatusInvited,
		RoleID: &role.ID, Provider: "default", CreatedAt: now, UpdatedAt: now}
	tok, msg, err := s.prepareToken(u, models.TokenInvite, mail.TemplateUserInvitation, link, s.set.InviteTTL)
	if err != nil {
		return "", err
	}
	if err := s.store.CreateUserWithToken(ctx, u, tok, msg); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return "", nil // a concurrent invite created it
		}
		return "", internal(err)
	}
	s.wake()
	return u.ID, nil
}

// AcceptInvite sets the invited user's password and activates them.
func (s *Service) AcceptInvite(ctx context.Context, token, password Value, m Meta) error {
	if err := requireString("token", token); err != nil {
		return err
	}
	if err := requireString("password", password); err != nil {
		return err
	}
	tok, u, err := s.checkToken(ctx, token.Str, models.TokenInvite)
	if err == errTokenSpent {
		return ErrInvalidInvite // the invite was accepted already
	}
	if err != nil {
		return err
	}
	if u.Status != models.StatusInvited {
		return ErrInvalidInvite
	}
	if err := s.checkPolicy(password.Str); err != nil {
		return err
	}
	h, err := s.hasher.Hash(ctx, password.Str)
	if err != nil {
		return s.hashFailure(err)
	}
	u.Password, u.Status, u.UpdatedAt = &h, models.StatusActive, s.now().UTC()
	spent, err := s.store.SpendToken(ctx, tok.Hash, u.UpdatedAt, u, []string{"password", "status", "updated_at"})
	if err != nil {
		return internal(err)
	}
	if !spent {
		return ErrInvalidInvite
	}
	s.audit(ctx, models.ActionInviteAccepted, u.ID, m, "")
	return nil
}
