package password

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/argon2"
)

// b64 is the PHC / node-argon2 encoding: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// argon2Hash is a parsed $argon2id$ or $argon2i$ PHC string.
type argon2Hash struct {
	variant   string // "argon2id" or "argon2i"
	m, t      uint32
	p         uint8
	salt, key []byte
}

func encodeArgon2(variant string, p Params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		variant, argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parseArgon2 parses $<variant>$v=19$m=<m>,t=<t>,p=<p>$<salt>$<key>, checking
// every bound before decoding or allocating anything sized by the input.
func (l limits) parseArgon2(s string) (*argon2Hash, error) {
	if strings.ContainsAny(s, "\r\n") { // base64 decoding would skip them
		return nil, fmt.Errorf("%w: line break", ErrMalformedHash)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return nil, fmt.Errorf("%w: want 5 $-separated fields", ErrMalformedHash)
	}
	h := &argon2Hash{variant: parts[1]}
	switch h.variant {
	case "argon2id", "argon2i":
	case "argon2d":
		return nil, fmt.Errorf("%w: argon2d is not supported", ErrMalformedHash)
	default:
		return nil, fmt.Errorf("%w: unknown algorithm", ErrMalformedHash)
	}
	// x/crypto implements only version 0x13 (19); node-argon2 always writes it.
	if parts[2] != "v=19" {
		return nil, fmt.Errorf("%w: unsupported version", ErrMalformedHash)
	}
	var m, t, p uint32
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("%w: bad parameter", ErrMalformedHash)
		}
		var dst *uint32
		var i int
		switch k {
		case "m":
			dst, i = &m, 0
		case "t":
			dst, i = &t, 1
		case "p":
			dst, i = &p, 2
		default: // e.g. data= (associated data), which x/crypto cannot use
			return nil, fmt.Errorf("%w: unsupported parameter", ErrMalformedHash)
		}
		if seen[i] {
			return nil, fmt.Errorf("%w: repeated parameter", ErrMalformedHash)
		}
		seen[i] = true
		n, err := parseUint32(v)
		if err != nil {
			return nil, err
		}
		*dst = n
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return nil, fmt.Errorf("%w: missing parameter", ErrMalformedHash)
	}
	saltB64, keyB64 := parts[4], parts[5]
	if saltB64 == "" || keyB64 == "" {
		return nil, fmt.Errorf("%w: empty salt or hash", ErrMalformedHash)
	}
	if n := b64.DecodedLen(len(saltB64)); n > int(l.maxSaltLen) {
		return nil, fmt.Errorf("%w: salt length %d > %d", ErrHashParams, n, l.maxSaltLen)
	}
	keyLen := b64.DecodedLen(len(keyB64))
	if keyLen > int(l.maxKeyLen) {
		return nil, fmt.Errorf("%w: key length %d > %d", ErrHashParams, keyLen, l.maxKeyLen)
	}
	if err := l.checkArgon2(m, t, p, uint32(keyLen)); err != nil {
		return nil, err
	}
	var err error
	if h.salt, err = b64.DecodeString(saltB64); err != nil {
		return nil, fmt.Errorf("%w: salt: bad base64", ErrMalformedHash)
	}
	if h.key, err = b64.DecodeString(keyB64); err != nil {
		return nil, fmt.Errorf("%w: hash: bad base64", ErrMalformedHash)
	}
	h.m, h.t, h.p = m, t, uint8(p) // p <= maxThreads (64) checked above
	return h, nil
}

// parseUint32 accepts only plain decimal digits: no sign, space or prefix.
// Digit strings too big for uint32 are out of bounds rather than malformed.
func parseUint32(s string) (uint32, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%w: bad number", ErrMalformedHash)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%w: number too large", ErrHashParams)
	} else if err != nil {
		return 0, fmt.Errorf("%w: bad number", ErrMalformedHash)
	}
	return uint32(n), nil
}

func (h *argon2Hash) verify(buf *argon2.Buffer, plain string) (bool, error) {
	n := uint32(len(h.key))
	var got []byte
	if h.variant == "argon2id" {
		got = argon2.IDKey(buf, []byte(plain), h.salt, h.t, h.m, h.p, n)
	} else {
		got = argon2.Key(buf, []byte(plain), h.salt, h.t, h.m, h.p, n)
	}
	return subtle.ConstantTimeCompare(got, h.key) == 1, nil
}

func (h *argon2Hash) current(p Params) bool {
	return h.variant == "argon2id" && h.m == p.Memory && h.t == p.Time &&
		h.p == p.Threads && len(h.key) == int(p.KeyLen) && len(h.salt) == int(p.SaltLen)
}
