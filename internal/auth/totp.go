package auth

import (
	"context"
	"crypto/subtle"
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

// checkOTP accepts a code once: its step must be newer than the last one the
// user spent, recorded atomically so a replayed or raced code fails.
func (s *Service) checkOTP(ctx context.Context, u *models.User, code string) error {
	step, ok := matchTOTP(*u.TFASecret, code, s.now())
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
