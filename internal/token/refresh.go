package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"

	"github.com/google/uuid"
)

// ErrMalformedRefresh covers every undecodable refresh token: wrong length,
// bad base64 or a MAC that does not match.
var ErrMalformedRefresh = errors.New("token: malformed refresh token")

const (
	refreshMACLen = 24
	refreshRawLen = 16 + 8 + refreshMACLen // 48 bytes -> 64 base64url characters
	refreshLen    = refreshRawLen / 3 * 4
)

// Refresh encodes opaque refresh tokens: session id | generation | MAC.
// The MAC key is derived from SECRET, so nothing in the database lets a
// reader mint a token.
type Refresh struct{ key []byte }

// NewRefresh derives the MAC key from SECRET.
func NewRefresh(secret []byte) *Refresh {
	return &Refresh{key: deriveKey(secret, refreshInfo)}
}

func (r *Refresh) mac(body []byte) []byte {
	h := hmac.New(sha256.New, r.key)
	h.Write([]byte(refreshInfo))
	h.Write(body)
	return h.Sum(nil)[:refreshMACLen]
}

// Encode returns the 64-character token for a session and generation.
// sessionID must be a UUID; anything else is a programming error and panics
// rather than yield a token for some other session.
func (r *Refresh) Encode(sessionID string, generation int64) string {
	id, err := uuid.Parse(sessionID)
	if err != nil {
		panic("token: refresh Encode: session id is not a UUID: " + err.Error())
	}
	buf := make([]byte, 0, refreshRawLen)
	buf = append(buf, id[:]...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(generation))
	buf = append(buf, r.mac(buf)...)
	return b64.EncodeToString(buf)
}

// Decode checks the MAC (in constant time) and returns the session id and
// generation.
func (r *Refresh) Decode(tok string) (string, int64, error) {
	if len(tok) != refreshLen {
		return "", 0, ErrMalformedRefresh
	}
	raw, err := b64s.DecodeString(tok)
	if err != nil || len(raw) != refreshRawLen {
		return "", 0, ErrMalformedRefresh
	}
	body, mac := raw[:24], raw[24:]
	if !hmac.Equal(mac, r.mac(body)) {
		return "", 0, ErrMalformedRefresh
	}
	id, err := uuid.FromBytes(body[:16])
	if err != nil {
		return "", 0, ErrMalformedRefresh
	}
	return id.String(), int64(binary.BigEndian.Uint64(body[16:24])), nil
}
