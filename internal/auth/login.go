package auth

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// maxPasswordLength bounds what login hashes; longer never matches.
const maxPasswordLength = 256

// LoginInput is the login request, field by field.
type LoginInput struct {
	Email    Value
	Password Value
	Mode     Value
	OTP      Value
	// SkipEmailFormat drops the address syntax check (/graphql/system, as Directus).
	SkipEmailFormat bool
}

// validate applies Directus's login schema, reporting the first failure in key order.
func (in LoginInput) validate() (Mode, error) {
	if err := requireString("email", in.Email); err != nil {
		return "", err
	}
	if !in.SkipEmailFormat && !ValidEmail(in.Email.Str) {
		return "", InvalidPayload(`"email" must be a valid email`)
	}
	if err := requireString("password", in.Password); err != nil {
		return "", err
	}
	mode := ModeJSON
	if in.Mode.Set {
		m, ok := ParseMode(in.Mode.Str)
		if in.Mode.NotString || !ok {
			return "", InvalidPayload(`"mode" must be one of [cookie, json, session]`)
		}
		mode = m
	}
	if err := optionalString("otp", in.OTP); err != nil {
		return "", err
	}
	return mode, nil
}

// Login checks credentials and opens a session. Every outcome but a refused
// hash slot takes at least LOGIN_STALL_TIME, and unknown, inactive and
// wrong-password users cost the same hash and get the same error.
func (s *Service) Login(ctx context.Context, in LoginInput, m Meta) (Tokens, error) {
	start := time.Now()
	defer s.stallSince(start, s.set.LoginStall)

	t, err := s.login(ctx, in, m)
	s.metrics.LoginOutcome(outcome(err))
	return t, err
}

// outcome names a login result for metrics.
func outcome(err error) string {
	switch AsError(err).Code {
	case CodeInternal:
		if err == nil {
			return "success"
		}
		return "error"
	case CodeInvalidCredentials:
		return "invalid_credentials"
	case CodeInvalidOTP:
		return "invalid_otp"
	case CodeInvalidPayload:
		return "invalid_payload"
	case CodeRequestsExceeded:
		return "limited"
	case CodeServiceUnavailable:
		return "unavailable"
	}
	return "error"
}

func (s *Service) login(ctx context.Context, in LoginInput, m Meta) (Tokens, error) {
	mode, err := in.validate()
	if err != nil {
		return Tokens{}, err
	}
	if res, ok := s.allow(ctx, s.limits.Login, limitKey(in.Email.Str)); !ok {
		return Tokens{}, RequestsExceeded(res, s.now())
	}
	user, newHash, err := s.checkPassword(ctx, in.Email.Str, in.Password.Str, m)
	if err != nil {
		return Tokens{}, err
	}
	if user.TFASecret != nil && *user.TFASecret != "" {
		if err := s.checkOTP(ctx, user, in.OTP.Str, m); err != nil {
			if errors.Is(err, ErrInvalidOTP) {
				s.loginFailed(ctx, user, m, "otp")
			}
			return Tokens{}, err
		}
	}
	t, err := s.openSession(ctx, user, mode, newHash, m)
	if err != nil {
		return Tokens{}, err
	}
	return t, nil
}

// checkPassword finds the user and verifies the password. It returns a
// re-hashed password when the stored one uses other parameters.
func (s *Service) checkPassword(ctx context.Context, email, plain string, m Meta) (*models.User, string, error) {
	if utf8.RuneCountInString(plain) > maxPasswordLength {
		return nil, "", ErrInvalidCredentials
	}
	user, err := s.userByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, "", internal(err)
	}
	if err != nil || user.Status != models.StatusActive || user.Provider != "default" || user.Password == nil {
		// Spend the same hash time as a real check, so timing tells nothing.
		if _, _, herr := s.hasher.Verify(ctx, "", plain); errors.Is(herr, password.ErrBusy) {
			return nil, "", busy()
		}
		userID := ""
		if user != nil {
			userID = user.ID
		}
		s.audit(ctx, models.ActionLoginFailed, userID, m, "credentials")
		return nil, "", ErrInvalidCredentials
	}
	if limit := s.set.LoginAttempts; limit > 0 && user.FailedLogins >= limit {
		// This attempt is the one past the limit: it fails whatever the
		// password, and the account is suspended.
		return nil, "", s.suspend(ctx, user, m)
	}
	match, rehash, err := s.hasher.Verify(ctx, *user.Password, plain)
	if errors.Is(err, password.ErrBusy) {
		return nil, "", busy()
	}
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash unusable", "user", user.ID, "err", err)
	}
	if !match {
		s.loginFailed(ctx, user, m, "credentials")
		return nil, "", ErrInvalidCredentials
	}
	var newHash string
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, plain); err != nil {
			newHash = "" // keep the old hash; try again next login
		}
	}
	return user, newHash, nil
}

// loginFailed counts a failed attempt atomically. Only failures count, so
// concurrent correct logins never trip the limit; a failure that takes the
// count past AUTH_LOGIN_ATTEMPTS suspends the user at once, so a burst of
// concurrent guesses ends in suspension too.
func (s *Service) loginFailed(ctx context.Context, user *models.User, m Meta, why string) {
	s.audit(ctx, models.ActionLoginFailed, user.ID, m, why)
	limit := s.set.LoginAttempts
	if limit <= 0 {
		return
	}
	n, err := s.store.CountFailedLogin(ctx, user.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "counting a failed login failed", "err", err)
		return
	}
	if n > limit {
		_ = s.suspend(ctx, user, m)
	}
}

func (s *Service) suspend(ctx context.Context, user *models.User, m Meta) error {
	if err := s.store.Suspend(ctx, user.ID, s.now().UTC()); err != nil {
		return internal(err)
	}
	s.audit(ctx, models.ActionSuspend, user.ID, m, "too many failed logins")
	return ErrInvalidCredentials
}

func busy() error {
	return ServiceUnavailable("authentication", "Too many logins in progress, try again shortly")
}

// openSession records the login and creates the session row and its audit
// row in one transaction (one commit per login; expired sessions are purged
// in the background), then issues the tokens of the chosen mode.
func (s *Service) openSession(ctx context.Context, user *models.User, mode Mode, newHash string, m Meta) (Tokens, error) {
	now := s.now().UTC()
	sess := &models.Session{
		ID: uuid.NewString(), UserID: user.ID, ExpiresAt: now.Add(s.set.RefreshTTL),
		CreatedAt: now, LastUsedAt: now,
		IP: optional(m.IP, 255), UserAgent: optional(m.UserAgent, 1024), Origin: optional(m.Origin, 255),
	}
	if err := s.store.StartSession(ctx, sess, newHash, s.activity(models.ActionLogin, user.ID, user.ID, m, string(mode))); err != nil {
		return Tokens{}, internal(err)
	}
	return s.issue(user, mode, sess.ID, 0, now)
}

// issue signs the access token (and encodes the refresh token) for a session generation.
func (s *Service) issue(user *models.User, mode Mode, sessionID string, gen int64, now time.Time) (Tokens, error) {
	c := claimsFor(user)
	ttl := s.set.AccessTTL
	t := Tokens{Mode: mode, UserID: user.ID, issuedAt: now}
	if mode == ModeSession {
		c.Session, c.Generation = sessionID, gen
		ttl = s.set.SessionTTL
	} else {
		t.RefreshToken = s.refresh.Encode(sessionID, gen)
		c.SessionRef = sessionID
	}
	access, _, err := s.signer.Sign(c, ttl)
	if err != nil {
		return Tokens{}, internal(err)
	}
	t.AccessToken, t.Expires = access, ttl
	return t, nil
}

func claimsFor(u *models.User) token.Claims {
	c := token.Claims{UserID: u.ID, Role: u.RoleID}
	if u.Role != nil {
		c.AppAccess, c.AdminAccess = u.Role.AppAccess, u.Role.AdminAccess
	}
	return c
}
