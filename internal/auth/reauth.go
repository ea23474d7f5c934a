package auth

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// Proof re-authenticates a change to one's own password, email or second
// factor when the session did not log in recently: the request fields
// "current_password" and, with 2FA on, "otp".
type Proof struct {
	CurrentPassword Value
	OTP             Value
}

// errReauthRequired answers a privileged change from a session that logged
// in too long ago and brought no password.
var errReauthRequired = InvalidPayload(`"current_password" is required`)

// requireRecentAuth guards a change the caller makes to their own account
// (Kratos's privileged session): a login within
// AUTH_PRIVILEGED_SESSION_MAX_AGE suffices; otherwise the current password
// must come with the request, and with 2FA on a code too, unless the route
// checks one itself (otpChecked). A stolen access token alone, used after
// that window, cannot take the account over.
func (s *Service) requireRecentAuth(ctx context.Context, a *Accountability, u *models.User, p Proof, otpChecked bool, m Meta) error {
	if !s.set.Reauth {
		return nil
	}
	recent, err := s.recentLogin(ctx, a)
	if err != nil || recent {
		return err
	}
	if !p.CurrentPassword.Set || p.CurrentPassword.NotString || p.CurrentPassword.Str == "" {
		return errReauthRequired
	}
	if err := s.checkCurrentPassword(ctx, u, p.CurrentPassword.Str, m); err != nil {
		return err
	}
	if otpChecked || u.TFASecret == nil || *u.TFASecret == "" {
		return nil
	}
	if p.OTP.NotString || p.OTP.Str == "" {
		return ErrInvalidOTP
	}
	return s.checkSecret(ctx, u, m, "otp", ErrInvalidOTP, func() (bool, error) {
		return otpMatched(s.checkOTP(ctx, u, p.OTP.Str, m))
	})
}

// recentLogin reports whether the request's session (named by the token:
// sid in json and cookie modes, session in session mode) is the caller's,
// alive, and began within AUTH_PRIVILEGED_SESSION_MAX_AGE. A refresh does
// not renew it: created_at is the login. Static tokens have no session.
func (s *Service) recentLogin(ctx context.Context, a *Accountability) (bool, error) {
	if a == nil || a.SessionRef == "" || s.set.PrivilegedAge <= 0 {
		return false, nil
	}
	sess, err := s.store.Session(ctx, a.SessionRef)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, internal(err)
	}
	now := s.now()
	return sess.UserID == a.UserID && sess.ExpiresAt.After(now) && now.Sub(sess.CreatedAt) < s.set.PrivilegedAge, nil
}

// checkCurrentPassword verifies the caller's password within the
// account's failure budget (AUTH_LOGIN_ATTEMPTS), as login does.
func (s *Service) checkCurrentPassword(ctx context.Context, u *models.User, plain string, m Meta) error {
	return s.checkSecret(ctx, u, m, "credentials", ErrInvalidCredentials, func() (bool, error) {
		if u.Password == nil || utf8.RuneCountInString(plain) > maxPasswordLength {
			return false, s.dummyHash(ctx, plain)
		}
		match, _, err := s.hasher.Verify(ctx, *u.Password, plain)
		if errors.Is(err, password.ErrBusy) {
			return false, busy()
		}
		if err != nil {
			s.log.ErrorContext(ctx, "stored password hash unusable", "user", u.ID, "err", err)
		}
		return match, nil
	})
}
