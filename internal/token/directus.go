package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"
)

// DirectusIssuer is the iss of every token Directus signs.
const DirectusIssuer = "directus"

// DirectusClaims are the claims of a token Directus signed: an access token,
// or in session mode the session cookie's JWT (Session set).
type DirectusClaims struct {
	UserID  string
	Role    *string
	Session string // directus_sessions.token, session mode only
	Expires time.Time
}

// Directus verifies tokens Directus signed (HS256 with its SECRET), for the
// cut-over after an import. Gatehouse never signs HS256, so such a token can
// not be confused with one of ours.
type Directus struct {
	secret []byte
	now    func() time.Time
}

// NewDirectus verifies with Directus's SECRET; now nil = time.Now.
func NewDirectus(secret []byte, now func() time.Time) *Directus {
	if now == nil {
		now = time.Now
	}
	return &Directus{secret: secret, now: now}
}

// Looks reports, from unverified data, whether raw has the shape of a
// Directus token (HS256, iss "directus"), so callers try nothing else on it.
func (d *Directus) Looks(raw string) bool {
	hdr, pl, _, ok := splitCompact(raw)
	if !ok {
		return false
	}
	alg, _ := stringMember(hdr, "alg")
	iss, _ := stringMember(pl, "iss")
	return alg == "HS256" && iss == DirectusIssuer
}

// Verify checks a Directus token as Directus does: HS256 signature, iss
// "directus", exp in the future, and the keys role, app_access and
// admin_access present. ErrForeign: not shaped like a Directus token;
// ErrExpired: past exp; ErrInvalid: anything else.
func (d *Directus) Verify(raw string) (DirectusClaims, error) {
	hdr, pl, sig, ok := splitCompact(raw)
	if !ok || !d.Looks(raw) {
		return DirectusClaims{}, ErrForeign
	}
	for name := range hdr {
		if name != "alg" && name != "typ" {
			return DirectusClaims{}, ErrInvalid
		}
	}
	got, err := b64s.DecodeString(sig)
	if err != nil {
		return DirectusClaims{}, ErrInvalid
	}
	signed := raw[:strings.LastIndexByte(raw, '.')]
	mac := hmac.New(sha256.New, d.secret)
	mac.Write([]byte(signed))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return DirectusClaims{}, ErrInvalid
	}
	var c DirectusClaims
	var exp float64
	if v, ok := pl["exp"]; !ok || json.Unmarshal(v, &exp) != nil || exp <= 0 || exp > 1e11 {
		return DirectusClaims{}, ErrInvalid
	}
	if v, ok := pl["id"]; !ok || json.Unmarshal(v, &c.UserID) != nil || c.UserID == "" {
		return DirectusClaims{}, ErrInvalid
	}
	if v, ok := pl["role"]; !ok || json.Unmarshal(v, &c.Role) != nil {
		return DirectusClaims{}, ErrInvalid
	}
	for _, name := range []string{"app_access", "admin_access"} {
		var b *bool
		if v, ok := pl[name]; !ok || json.Unmarshal(v, &b) != nil {
			return DirectusClaims{}, ErrInvalid
		}
	}
	if v, ok := pl["session"]; ok && (json.Unmarshal(v, &c.Session) != nil || c.Session == "") {
		return DirectusClaims{}, ErrInvalid
	}
	c.Expires = time.Unix(int64(exp), 0)
	if !d.now().Before(c.Expires) {
		return DirectusClaims{}, ErrExpired
	}
	return c, nil
}
