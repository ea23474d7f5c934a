package password

import (
	"errors"
	"fmt"
	"github.com/gatehouse/gatehouse/internal/argon2"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// bcryptMaxInput is bcrypt's input limit. bcrypt.CompareHashAndPassword
// silently ignores bytes past it, so a longer password would match on its
// first 72 bytes alone (HS-02); we refuse it instead.
const bcryptMaxInput = 72

// bcryptHash is a legacy $2a$/$2b$/$2y$ hash (e.g. imported from another
// system); it always needs a rehash to argon2id.
type bcryptHash struct{ encoded string }

const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// parseBcrypt checks the exact shape $2x$NN$<53 chars> and the cost bound
// itself, so the library is never handed a cost that takes minutes.
func (l limits) parseBcrypt(s string) (*bcryptHash, error) {
	if len(s) != 60 {
		return nil, fmt.Errorf("%w: bcrypt hash must be 60 characters", ErrMalformedHash)
	}
	switch s[:4] {
	case "$2a$", "$2b$", "$2y$":
	default:
		return nil, fmt.Errorf("%w: unknown bcrypt version", ErrMalformedHash)
	}
	if !isDigit(s[4]) || !isDigit(s[5]) || s[6] != '$' {
		return nil, fmt.Errorf("%w: bad bcrypt cost", ErrMalformedHash)
	}
	if strings.Trim(s[7:], bcryptAlphabet) != "" {
		return nil, fmt.Errorf("%w: bad bcrypt base64", ErrMalformedHash)
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < bcrypt.MinCost || cost > l.maxBcryptCost {
		return nil, fmt.Errorf("%w: bcrypt cost %d not in [%d, %d]", ErrHashParams, cost, bcrypt.MinCost, l.maxBcryptCost)
	}
	return &bcryptHash{encoded: s}, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (h *bcryptHash) verify(_ *argon2.Buffer, plain string) (bool, error) {
	if len(plain) > bcryptMaxInput {
		return false, nil
	}
	// Compares in constant time.
	switch err := bcrypt.CompareHashAndPassword([]byte(h.encoded), []byte(plain)); {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
}

func (h *bcryptHash) current(Params) bool { return false }
