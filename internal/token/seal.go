package token

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Info strings give each derived key its own purpose, so SECRET can feed
// several independent keys without one ever helping to recover another.
const (
	sealInfo    = "gatehouse/jwk-seal/v1"
	refreshInfo = "gatehouse/refresh/v1"
)

// errWrongSecret is deliberately free of any key material: it is printed at
// startup and must point the operator at the cause, not the value.
var errWrongSecret = errors.New("cannot open signing keys: SECRET differs from the one that sealed them")

func deriveKey(secret []byte, info string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, info, 32)
	if err != nil { // only possible for absurd lengths; 32 is fixed
		panic("token: hkdf: " + err.Error())
	}
	return k
}

// sealer encrypts private JWKs at rest, so a database reader cannot mint
// tokens without SECRET.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret []byte) (*sealer, error) {
	block, err := aes.NewCipher(deriveKey(secret, sealInfo))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns base64url(nonce|ciphertext). The kid is the associated data,
// which binds a sealed key to its row: copying it to another kid fails.
func (s *sealer) seal(kid string, plain []byte) (string, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(kid))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

func (s *sealer) open(kid, sealed string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, fmt.Errorf("cannot open signing key %q: sealed value is corrupt", kid)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(kid))
	if err != nil {
		return nil, errWrongSecret
	}
	return plain, nil
}
