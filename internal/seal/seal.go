// Package seal encrypts small values at rest with a key derived from SECRET:
// HKDF-SHA256 with a purpose string, then AES-256-GCM. Signing keys, TOTP
// secrets and queued email bodies use it, each under its own purpose, so one
// derived key never helps to recover another.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// Errors from Open. They carry no key material, so they may be logged.
var (
	// ErrCorrupt: the value is not a sealed value at all (bad encoding, too short).
	ErrCorrupt = errors.New("sealed value is corrupt")
	// ErrOpen: the value does not authenticate: it was altered, moved to
	// another row (associated data differs), or sealed with another SECRET.
	ErrOpen = errors.New("sealed value cannot be opened (altered, moved, or sealed with another SECRET)")
)

// Key derives a 32-byte key for purpose from secret.
func Key(secret []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil { // only possible for absurd lengths; 32 is fixed
		panic("seal: hkdf: " + err.Error())
	}
	return k
}

// Sealer seals and opens values for one purpose.
type Sealer struct{ aead cipher.AEAD }

// New derives the purpose's key from secret.
func New(secret []byte, purpose string) (*Sealer, error) {
	if len(secret) == 0 {
		return nil, errors.New("seal: SECRET is required")
	}
	block, err := aes.NewCipher(Key(secret, purpose))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns base64url(nonce | ciphertext). ad (associated data, e.g. the
// row's id) is not stored but must be given again to open: it binds the
// sealed value to its row.
func (s *Sealer) Seal(ad string, plain []byte) (string, error) {
	n := s.aead.NonceSize()
	nonce := make([]byte, n, n+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(ad))), nil
}

// Open reverses Seal.
func (s *Sealer) Open(ad, sealed string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n+s.aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(ad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
