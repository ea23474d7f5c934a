package token

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/seal"
)

// Info strings give each derived key its own purpose, so SECRET can feed
// several independent keys without one ever helping to recover another.
const (
	sealInfo        = "gatehouse/jwk-seal/v1"
	refreshInfo     = "gatehouse/refresh/v1"
	fingerprintInfo = "gatehouse/secret-fingerprint/v1"
)

// Fingerprint names a SECRET without revealing it: 48 bits of a key derived
// for this purpose alone. Stored beside each sealed key, it lets a refusal say
// which SECRET sealed them; it tells a database reader nothing the sealed
// key itself (a test of any guess) does not.
func Fingerprint(secret []byte) string {
	return hex.EncodeToString(seal.Key(secret, fingerprintInfo)[:6])
}

// WrongSecretError: the signing keys were sealed with another SECRET. It
// carries fingerprints only, so it may be printed.
type WrongSecretError struct {
	SealedWith string // the sealing SECRET's fingerprint; "" for keys stored before fingerprints were
	Current    string // the fingerprint of the SECRET in use
}

func (e *WrongSecretError) Error() string {
	sealed := "a SECRET whose fingerprint was not recorded (keys made before fingerprints were)"
	if e.SealedWith != "" {
		sealed = "the SECRET with fingerprint " + e.SealedWith
	}
	return fmt.Sprintf("cannot open signing keys: SECRET differs from the one that sealed them: they were sealed with %s; the SECRET in use has fingerprint %s",
		sealed, e.Current)
}

func deriveKey(secret []byte, info string) []byte { return seal.Key(secret, info) }

// sealer encrypts private JWKs at rest, so a database reader cannot mint
// tokens without SECRET.
type sealer struct {
	s  *seal.Sealer
	fp string
}

func newSealer(secret []byte) (*sealer, error) {
	s, err := seal.New(secret, sealInfo)
	if err != nil {
		return nil, err
	}
	return &sealer{s: s, fp: Fingerprint(secret)}, nil
}

// seal returns fingerprint "." base64url(nonce|ciphertext) (the dot is not in
// base64url's alphabet, so values stored without a fingerprint still read).
// The kid is the associated data, which binds a sealed key to its row:
// copying it to another kid fails.
func (s *sealer) seal(kid string, plain []byte) (string, error) {
	v, err := s.s.Seal(kid, plain)
	if err != nil {
		return "", err
	}
	return s.fp + "." + v, nil
}

func (s *sealer) open(kid, sealed string) ([]byte, error) {
	fp, body, hasFP := strings.Cut(sealed, ".")
	if !hasFP {
		fp, body = "", sealed
	}
	if hasFP && fp != s.fp {
		return nil, &WrongSecretError{SealedWith: fp, Current: s.fp}
	}
	plain, err := s.s.Open(kid, body)
	switch {
	case errors.Is(err, seal.ErrCorrupt):
		return nil, fmt.Errorf("cannot open signing key %q: sealed value is corrupt", kid)
	case err != nil && hasFP:
		// The right SECRET, yet the value does not authenticate: altered or moved.
		return nil, fmt.Errorf("cannot open signing key %q: %w", kid, err)
	case err != nil:
		return nil, &WrongSecretError{Current: s.fp}
	}
	return plain, nil
}
