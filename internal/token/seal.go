package token

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/seal"
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

func deriveKey(secret []byte, info string) []byte { return seal.Key(secret, info) }

// sealer encrypts private JWKs at rest, so a database reader cannot mint
// tokens without SECRET.
type sealer struct{ s *seal.Sealer }

func newSealer(secret []byte) (*sealer, error) {
	s, err := seal.New(secret, sealInfo)
	if err != nil {
		return nil, err
	}
	return &sealer{s: s}, nil
}

// seal returns base64url(nonce|ciphertext). The kid is the associated data,
// which binds a sealed key to its row: copying it to another kid fails.
func (s *sealer) seal(kid string, plain []byte) (string, error) { return s.s.Seal(kid, plain) }

func (s *sealer) open(kid, sealed string) ([]byte, error) {
	plain, err := s.s.Open(kid, sealed)
	switch {
	case errors.Is(err, seal.ErrCorrupt):
		return nil, fmt.Errorf("cannot open signing key %q: sealed value is corrupt", kid)
	case err != nil:
		return nil, errWrongSecret
	}
	return plain, nil
}
