package auth

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/models"
)

// recoveryCount is how many codes one call issues.
const recoveryCount = 10

var recoveryAlphabet = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// normalRecovery folds a typed code: case, spaces and dashes don't matter.
func normalRecovery(code string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(code)))
}

// RecoveryCodes issues fresh single-use codes, replacing older ones. The
// caller proves the second factor with a current otp.
func (s *Service) RecoveryCodes(ctx context.Context, a *Accountability, otp Value, p Proof, m Meta) ([]string, error) {
	u, err := s.tfaUser(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := s.requireRecentAuth(ctx, a, u, p, true, m); err != nil {
		return nil, err
	}
	if u.TFASecret == nil || *u.TFASecret == "" {
		return nil, InvalidPayload(fmt.Sprintf("User %q doesn't have TFA enabled", u.ID))
	}
	if !otp.Set || otp.NotString || otp.Str == "" {
		return nil, InvalidPayload(`"otp" is required`)
	}
	// A current TOTP code only: a recovery code cannot mint new ones.
	if err := s.checkSecret(ctx, u, m, "otp", InvalidPayload(`"otp" is invalid`), func() (bool, error) {
		return otpMatched(s.checkTOTP(ctx, u, otp.Str))
	}); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCount)
	hashes := make([]string, recoveryCount)
	for i := range codes {
		raw := make([]byte, 10) // 80 bits
		if _, err := rand.Read(raw); err != nil {
			return nil, internal(err)
		}
		c := recoveryAlphabet.EncodeToString(raw)
		codes[i] = c[:8] + "-" + c[8:]
		hashes[i] = hashSecret(normalRecovery(codes[i]))
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, hashes, s.now().UTC()); err != nil {
		return nil, internal(err)
	}
	s.audit(ctx, models.ActionRecoveryCodesIssued, u.ID, m, "")
	return codes, nil
}

// RecoveryCodesLeft counts the caller's unused codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, a *Accountability) (int, error) {
	if a == nil {
		return 0, ErrInvalidCredentials
	}
	n, err := s.store.RecoveryCodesLeft(ctx, a.UserID)
	if err != nil {
		return 0, internal(err)
	}
	return n, nil
}

// useRecoveryCode spends code if it is one of u's unused codes.
func (s *Service) useRecoveryCode(ctx context.Context, u *models.User, code string, m Meta) (bool, error) {
	n := normalRecovery(code)
	if len(n) != 16 {
		return false, nil
	}
	ok, err := s.store.UseRecoveryCode(ctx, u.ID, hashSecret(n), s.now().UTC())
	if err != nil || !ok {
		return false, err
	}
	s.audit(ctx, models.ActionRecoveryCodeUsed, u.ID, m, "")
	return true, nil
}
