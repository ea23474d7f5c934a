package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/password"

	"github.com/gatehouse/gatehouse/models"
)

// sealedPrefix marks a TOTP secret encrypted at rest. Unprefixed values are
// plain base32, as Directus stores them, so imported secrets keep working.
const sealedPrefix = "v1:"

func newTFACipher(secret []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, "gatehouse/tfa-secret/v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Service) sealTFA(userID, plain string) (string, error) {
	if s.tfa == nil {
		return "", errors.New("no SECRET for sealing TOTP secrets")
	}
	nonce := make([]byte, s.tfa.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := s.tfa.Seal(nonce, nonce, []byte(plain), []byte(userID))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(ct), nil
}

func (s *Service) openTFA(userID, stored string) (string, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || s.tfa == nil || len(raw) < s.tfa.NonceSize() {
		return "", errors.New("unreadable TOTP secret")
	}
	plain, err := s.tfa.Open(nil, raw[:s.tfa.NonceSize()], raw[s.tfa.NonceSize():], []byte(userID))
	if err != nil {
		return "", errors.New("TOTP secret sealed with another SECRET")
	}
	return string(plain), nil
}

// TFASetup is what generate returns: nothing is stored until enable.
type TFASetup struct {
	Secret     string
	OTPAuthURL string
}

func (s *Service) tfaUser(ctx context.Context, a *Accountability) (*models.User, error) {
	if a == nil {
		return nil, ErrInvalidCredentials
	}
	u, err := s.userByID(ctx, a.UserID)
	if err != nil {
		return nil, ErrInvalidCredentials
	}
	return u, nil
}

// GenerateTFA checks the password and proposes a TOTP secret.
func (s *Service) GenerateTFA(ctx context.Context, a *Accountability, pw Value, m Meta) (*TFASetup, error) {
	u, err := s.tfaUser(ctx, a)
	if err != nil {
		return nil, err
	}
	if !pw.Set || pw.NotString || pw.Str == "" {
		return nil, InvalidPayload(`"password" is required`)
	}
	enc := ""
	if u.Password != nil {
		enc = *u.Password
	}
	err = s.checkSecret(ctx, u, m, "credentials", ErrInvalidCredentials, func() (bool, error) {
		match, _, err := s.hasher.Verify(ctx, enc, pw.Str)
		if errors.Is(err, password.ErrBusy) || (err != nil && enc == "") {
			return false, s.hashFailure(err)
		}
		return match, nil
	})
	if err != nil {
		return nil, err
	}
	if u.TFASecret != nil && *u.TFASecret != "" {
		return nil, InvalidPayload("TFA Secret is already set for this user")
	}
	if u.Email == nil || *u.Email == "" {
		return nil, InvalidPayload("User must have a valid email to enable TFA")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.set.ProjectName, AccountName: *u.Email})
	if err != nil {
		return nil, internal(err)
	}
	if err := s.proposeTFA(ctx, u, key.Secret()); err != nil {
		return nil, err
	}
	return &TFASetup{Secret: key.Secret(), OTPAuthURL: key.URL()}, nil
}

// EnableTFA stores secret once otp proves the user's authenticator has it.
func (s *Service) EnableTFA(ctx context.Context, a *Accountability, secret, otp Value, m Meta) error {
	u, err := s.tfaUser(ctx, a)
	if err != nil {
		return err
	}
	if !secret.Set || secret.NotString || secret.Str == "" {
		return InvalidPayload(`"secret" is required`)
	}
	if !otp.Set || otp.NotString || otp.Str == "" {
		return InvalidPayload(`"otp" is required`)
	}
	if u.TFASecret != nil && *u.TFASecret != "" {
		return InvalidPayload("TFA Secret is already set for this user")
	}
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret.Str)); err != nil || len(secret.Str) < 16 {
		return InvalidPayload(`"secret" is invalid`)
	}
	if err := s.checkProposedTFA(u, secret.Str); err != nil {
		return err
	}
	step, ok := matchTOTP(secret.Str, otp.Str, s.now())
	if !ok {
		return InvalidPayload(`"otp" is invalid`)
	}
	sealed, err := s.sealTFA(u.ID, secret.Str)
	if err != nil {
		return internal(err)
	}
	u.TFASecret, u.TFALastStep, u.UpdatedAt = &sealed, &step, s.now().UTC()
	u.TFAPending, u.TFAPendingAt = nil, nil
	if err := s.store.UpdateUser(ctx, u, []string{"tfa_secret", "tfa_last_step", "updated_at", "tfa_pending", "tfa_pending_at"}, false, ""); err != nil {
		return internal(err)
	}
	// Codes left from an earlier enrolment belong to an old secret.
	if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, nil, u.UpdatedAt); err != nil {
		return internal(err)
	}
	s.audit(ctx, models.ActionTFAEnabled, u.ID, m, "")
	return nil
}

// DisableTFA turns 2FA off for the caller, proven by a current code (or a
// recovery code).
func (s *Service) DisableTFA(ctx context.Context, a *Accountability, otp Value, p Proof, m Meta) error {
	u, err := s.tfaUser(ctx, a)
	if err != nil {
		return err
	}
	if err := s.requireRecentAuth(ctx, a, u, p, true, m); err != nil {
		return err
	}
	if !otp.Set || otp.NotString || otp.Str == "" {
		return InvalidPayload(`"otp" is required`)
	}
	if u.TFASecret == nil || *u.TFASecret == "" {
		return InvalidPayload(fmt.Sprintf("User %q doesn't have TFA enabled", u.ID))
	}
	if err := s.checkSecret(ctx, u, m, "otp", InvalidPayload(`"otp" is invalid`), func() (bool, error) {
		return otpMatched(s.checkOTP(ctx, u, otp.Str, m))
	}); err != nil {
		return err
	}
	return s.clearTFA(ctx, u, m)
}

// DisableTFAFor is an admin turning off a user's 2FA; their own needs the
// same proof as PATCH /users/me (current_password and otp).
func (s *Service) DisableTFAFor(ctx context.Context, a *Accountability, userID string, p Proof, m Meta) error {
	if a == nil {
		return ErrInvalidCredentials
	}
	if err := s.requireAdmin(ctx, a); err != nil {
		return err
	}
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.ID == a.UserID {
		if err := s.requireRecentAuth(ctx, a, u, p, false, m); err != nil {
			return err
		}
	}
	return s.clearTFA(ctx, u, m)
}

func (s *Service) clearTFA(ctx context.Context, u *models.User, m Meta) error {
	u.TFASecret, u.TFALastStep, u.UpdatedAt = nil, nil, s.now().UTC()
	if err := s.store.UpdateUser(ctx, u, []string{"tfa_secret", "tfa_last_step", "updated_at"}, false, ""); err != nil {
		return internal(err)
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, nil, u.UpdatedAt); err != nil {
		return internal(err)
	}
	s.audit(ctx, models.ActionTFADisabled, u.ID, m, "")
	return nil
}
