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
	user, err := s.loginUser(ctx, in.Email.Str, in.Password.Str, m)
	if err != nil {
		return Tokens{}, err
	}
	// One reservation covers the password and the second factor: the
	// attempt fails if either does.
	a, err := s.beginAttempt(ctx, user, m)
	if err != nil {
		s.dummyHash(ctx, in.Password.Str) // a refusal costs what a comparison does
		return Tokens{}, err
	}
	t, outcome, why, err := s.authenticatePassword(ctx, a, user, mode, in, m)
	if outcome != attemptSucceeded {
		s.end(ctx, a, outcome, why, m)
	}
	return t, err
}

// authenticatePassword compares the password (and the OTP when the user has
// 2FA) inside a reserved attempt and opens the session, which records the
// success in the same write. It returns the attempt's outcome.
func (s *Service) authenticatePassword(ctx context.Context, a *attempt, user *models.User, mode Mode, in LoginInput, m Meta) (Tokens, int, string, error) {
	newHash, err := s.verifyPassword(ctx, user, in.Password.Str)
	if errors.Is(err, ErrInvalidCredentials) {
		return Tokens{}, attemptFailed, "credentials", err
	}
	if err != nil {
		return Tokens{}, attemptAbandoned, "", err
	}
	if user.TFASecret != nil && *user.TFASecret != "" {
		if err := s.checkOTP(ctx, user, in.OTP.Str, m); errors.Is(err, ErrInvalidOTP) {
			return Tokens{}, attemptFailed, "otp", err
		} else if err != nil {
			return Tokens{}, attemptAbandoned, "", err
		}
	}
	t, err := s.openSession(ctx, user, mode, newHash, m)
	if err != nil {
		return Tokens{}, attemptAbandoned, "", err
	}
	return t, attemptSucceeded, "", nil
}

// loginUser finds the user who may log in with a password. Unknown,
// inactive and password-less users cost the same hash as a real check and
// get the same error.
func (s *Service) loginUser(ctx context.Context, email, plain string, m Meta) (*models.User, error) {
	if utf8.RuneCountInString(plain) > maxPasswordLength {
		return nil, ErrInvalidCredentials
	}
	user, err := s.userByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal(err)
	}
	if err == nil && user.Status == models.StatusActive && user.Provider == "default" && user.Password != nil {
		return user, nil
	}
	if err := s.dummyHash(ctx, plain); err != nil {
		return nil, err
	}
	userID, why := "", "credentials"
	if user != nil {
		userID, why = user.ID, "refused: "+user.Status // no comparison was made
	}
	s.audit(ctx, models.ActionLoginFailed, userID, m, why)
	return nil, ErrInvalidCredentials
}

// verifyPassword compares plain with user's stored hash. It returns a
// re-hashed password when the stored one uses other parameters.
func (s *Service) verifyPassword(ctx context.Context, user *models.User, plain string) (string, error) {
	match, rehash, err := s.hasher.Verify(ctx, *user.Password, plain)
	if errors.Is(err, password.ErrBusy) {
		return "", busy()
	}
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash unusable", "user", user.ID, "err", err)
		if err := s.dummyHash(ctx, plain); err != nil {
			return "", err
		}
	}
	if !match {
		return "", ErrInvalidCredentials
	}
	var newHash string
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, plain); err != nil {
			newHash = "" // keep the old hash; try again next login
		}
	}
	return newHash, nil
}

// dummyHash spends the same hash time (and moves the same metrics) as a real
// comparison, so neither timing nor metrics tell refusals apart.
func (s *Service) dummyHash(ctx context.Context, plain string) error {
	if _, _, err := s.hasher.Verify(ctx, "", plain); errors.Is(err, password.ErrBusy) {
		return busy()
	}
	return nil
}

func busy() error {
	return ServiceUnavailable("authentication", "Too many logins in progress, try again shortly")
}

// openSession records the login (which ends its attempt as a success) and creates the session row and its audit
// row in one transaction (one commit per login; expired sessions are purged
// in the background), then issues the tokens of the chosen mode.
func (s *Service) openSession(ctx context.Context, user *models.User, mode Mode, newHash string, m Meta) (Tokens, error) {
	now := s.now().UTC()
	sess := &models.Session{
		ID: uuid.NewString(), UserID: user.ID, ExpiresAt: now.Add(s.set.RefreshTTL),
		CreatedAt: now, LastUsedAt: now,
		IP: optional(m.IP, 255), UserAgent: optional(m.UserAgent, 1024), Origin: optional(m.Origin, 255),
	}
	err := s.store.StartSession(ctx, sess, newHash, s.activity(models.ActionLogin, user.ID, user.ID, m, string(mode)))
	if errors.Is(err, store.ErrNotActive) {
		return Tokens{}, ErrInvalidCredentials // suspended while this login was in flight
	}
	if err != nil {
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
