package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/models"
)

const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchTOTP finds the time step (±1 around now, for clock drift) whose code is
// code, or returns false.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for _, s := range []int64{step, step - 1, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// totpStep matches code against u's (sealed) secret.
func (s *Service) totpStep(u *models.User, code string) (int64, bool) {
	secret, err := s.openTFA(u.ID, *u.TFASecret)
	if err != nil {
		s.log.Error("cannot open a TOTP secret", "user", u.ID, "err", err)
		return 0, false
	}
	return matchTOTP(secret, code, s.now())
}

// checkOTP accepts a current TOTP code, or in its place an unused recovery
// code, each once.
func (s *Service) checkOTP(ctx context.Context, u *models.User, code string, m Meta) error {
	err := s.checkTOTP(ctx, u, code)
	if !errors.Is(err, ErrInvalidOTP) {
		return err
	}
	used, rerr := s.useRecoveryCode(ctx, u, code, m)
	if rerr != nil {
		return internal(rerr)
	}
	if used {
		return nil
	}
	return ErrInvalidOTP
}

// checkTOTP accepts a TOTP code once: its step must be newer than the last
// one the user spent, recorded atomically so a replayed or raced code fails.
func (s *Service) checkTOTP(ctx context.Context, u *models.User, code string) error {
	step, ok := s.totpStep(u, code)
	if !ok {
		return ErrInvalidOTP
	}
	fresh, err := s.store.UseTOTPStep(ctx, u.ID, step)
	if err != nil {
		return internal(err)
	}
	if !fresh {
		return ErrInvalidOTP
	}
	return nil
}

// otpMatched turns an OTP check's error into a verdict for checkSecret: a
// wrong code is a mismatch, anything else an error.
func otpMatched(err error) (bool, error) {
	if errors.Is(err, ErrInvalidOTP) {
		return false, nil
	}
	return err == nil, err
}
