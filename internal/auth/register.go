package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// Registration holds the self-registration settings.
type Registration struct {
	Enabled     bool          // PUBLIC_REGISTRATION
	VerifyEmail bool          // PUBLIC_REGISTRATION_VERIFY_EMAIL
	RoleID      string        // PUBLIC_REGISTRATION_ROLE
	Domains     []string      // PUBLIC_REGISTRATION_EMAIL_FILTER: allowed domains; empty allows all
	URLs        URLAllowList  // USER_REGISTER_URL_ALLOW_LIST
	TTL         time.Duration // EMAIL_VERIFICATION_TOKEN_TTL
	Stall       time.Duration // REGISTER_STALL_TIME
}

// RegisterInput is POST /users/register.
type RegisterInput struct {
	Email, Password, FirstName, LastName Value
	VerificationURL                      string
}

// Register creates an unverified user and emails a verification link. After
// the checks that need no lookup, every outcome takes the same stall and
// answers nil: an existing email is indistinguishable from a new one.
func (s *Service) Register(ctx context.Context, in RegisterInput, m Meta) error {
	r := s.set.Registration
	if !r.Enabled {
		return ErrForbidden
	}
	if res, ok := s.allow(ctx, s.limits.Registration, m.IP); !ok {
		return RequestsExceeded(res, s.now())
	}
	if err := requireString("email", in.Email); err != nil {
		return err
	}
	if !ValidEmail(in.Email.Str) {
		return InvalidPayload(`"email" must be a valid email`)
	}
	key, err := NormalizeEmail(in.Email.Str)
	if err != nil {
		return err
	}
	if err := requireString("password", in.Password); err != nil {
		return err
	}
	for name, v := range map[string]Value{"first_name": in.FirstName, "last_name": in.LastName} {
		if err := optionalString(name, v); err != nil {
			return err
		}
	}
	if in.VerificationURL != "" && !r.URLs.Allows(in.VerificationURL) {
		return InvalidPayload(fmt.Sprintf("URL %q can't be used to verify registered users", in.VerificationURL))
	}
	if !domainAllowed(key, r.Domains) {
		return ErrForbidden
	}
	if err := s.checkPolicy(in.Password.Str); err != nil {
		return err
	}
	start := time.Now()
	defer s.stallSince(start, r.Stall)

	// Hash before looking the email up: existing and new emails then do the
	// same hashing work, wait for a hash slot the same way and fail the same
	// way when the hasher is busy, so neither timing nor metrics tell them apart.
	hash, err := s.hasher.Hash(ctx, in.Password.Str)
	if err != nil {
		return s.hashFailure(err)
	}
	link := in.VerificationURL
	if link == "" {
		link = s.set.PublicURL + "/users/register/verify-email"
	}
	existing, err := s.store.UserByEmail(ctx, key)
	switch {
	case err == nil && existing.Status == models.StatusUnverified && r.VerifyEmail:
		// Send a new link; the account stays as it was (as Directus keeps the
		// stored password and names). The link carries this registration's
		// password: whichever link the mailbox owner uses decides the password,
		// so an earlier registrant's password cannot survive verification.
		if err := s.resendVerification(ctx, existing, hash, link); err != nil {
			s.log.ErrorContext(ctx, "resending verification failed", "err", errors.Unwrap(err))
		}
		return nil
	case err == nil:
		return nil
	case !errors.Is(err, store.ErrNotFound):
		s.log.ErrorContext(ctx, "registration lookup failed", "err", err)
		return nil
	}
	u, err := s.newRegisteredUser(ctx, in, hash, key)
	if err != nil {
		return err
	}
	if !r.VerifyEmail {
		u.Status = models.StatusActive
		if err := s.store.CreateUser(ctx, u); err != nil && !errors.Is(err, store.ErrDuplicate) {
			return internal(err)
		}
	} else {
		tok, msg, err := s.prepareToken(u, models.TokenVerifyEmail, mail.TemplateUserRegistration, link, r.TTL)
		if err != nil {
			return err
		}
		tok.PasswordHash = &hash
		if err := s.store.CreateUserWithToken(ctx, u, tok, msg); err != nil && !errors.Is(err, store.ErrDuplicate) {
			return internal(err)
		}
		s.wake()
	}
	s.audit(ctx, models.ActionRegistered, u.ID, m, "")
	return nil
}

// resendVerification mails u a new verification link bound to hash.
func (s *Service) resendVerification(ctx context.Context, u *models.User, hash, link string) error {
	r := s.set.Registration
	tok, msg, err := s.prepareToken(u, models.TokenVerifyEmail, mail.TemplateUserRegistration, link, r.TTL)
	if err != nil {
		return err
	}
	tok.PasswordHash = &hash
	if err := s.store.IssueToken(ctx, tok, msg); err != nil {
		return internal(err)
	}
	s.wake()
	return nil
}

// newRegisteredUser builds the user row from a registration whose password
// hashes to h, under the normalised email key.
func (s *Service) newRegisteredUser(ctx context.Context, in RegisterInput, h, key string) (*models.User, error) {
	now := s.now().UTC()
	email, lower := in.Email.Str, key
	u := &models.User{ID: uuid.NewString(), Email: &email, EmailLower: &lower, Password: &h,
		Status: models.StatusUnverified, Provider: "default", CreatedAt: now, UpdatedAt: now}
	if in.FirstName.Set && !in.FirstName.NotString {
		u.FirstName = &in.FirstName.Str
	}
	if in.LastName.Set && !in.LastName.NotString {
		u.LastName = &in.LastName.Str
	}
	if id := s.set.Registration.RoleID; id != "" {
		if _, err := s.store.Role(ctx, id); err != nil {
			s.log.ErrorContext(ctx, "PUBLIC_REGISTRATION_ROLE names no role; registration is off until it does", "role", id, "err", err)
			return nil, ServiceUnavailable("registration", "Registration is misconfigured")
		}
		u.RoleID = &id
	}
	return u, nil
}

// domainAllowed matches a NormalizeEmail key's domain against the filter,
// whose entries are normalised the same way (so bücher.de and
// xn--bcher-kva.de name one domain, and a look-alike names another).
func domainAllowed(key string, domains []string) bool {
	if len(domains) == 0 {
		return true
	}
	d := key[strings.LastIndexByte(key, '@')+1:]
	for _, allowed := range domains {
		if a := normalizeDomain(allowed); a != "" && d == a {
			return true
		}
	}
	return false
}

// VerifyEmail activates an unverified user from the emailed link. The
// password that becomes active is the one chosen with the registration that
// sent this link; every other link of the user dies.
func (s *Service) VerifyEmail(ctx context.Context, token string, m Meta) error {
	tok, u, err := s.checkToken(ctx, token, models.TokenVerifyEmail)
	if err == errTokenSpent {
		return InvalidPayload("Invalid verification code") // verified already
	}
	if err != nil {
		return err
	}
	if u.Status != models.StatusUnverified {
		return InvalidPayload("Invalid verification code")
	}
	u.Status, u.UpdatedAt = models.StatusActive, s.now().UTC()
	cols := []string{"status", "updated_at"}
	if tok.PasswordHash != nil {
		u.Password = tok.PasswordHash
		cols = append(cols, "password")
	}
	spent, err := s.store.SpendToken(ctx, tok.Hash, u.UpdatedAt, u, cols)
	if err != nil {
		return internal(err)
	}
	if !spent {
		return InvalidPayload("Invalid verification code")
	}
	s.audit(ctx, models.ActionEmailVerified, u.ID, m, "")
	return nil
}
