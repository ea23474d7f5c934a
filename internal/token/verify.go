package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

var (
	ErrExpired = errors.New("token: expired")  // our token, valid signature, past exp
	ErrInvalid = errors.New("token: invalid")  // our issuer but not a valid token of ours
	ErrForeign = errors.New("token: not ours") // not a JWT, or another issuer: the caller tries it as a static token
)

const (
	maxTokenLen = 8 << 10
	// iatLeeway tolerates clock drift between instances for iat only; exp
	// is checked without skew.
	iatLeeway = 5 * time.Second
)

// allowedHeader lists the only header members our tokens carry. Anything
// else (jwk, jku, x5u, x5c, crit, b64, cty, ...) is refused before jwx sees
// it, so no header can make us fetch or trust key material.
var allowedHeader = map[string]bool{"alg": true, "kid": true, "typ": true}

var (
	b64  = base64.RawURLEncoding
	b64s = b64.Strict()
)

// verify checks an access token without the cache (see Verify in cache.go).
func (m *Manager) verify(ctx context.Context, raw string) (Claims, error) {
	hdr, pl, sig, ok := splitCompact(raw)
	if !ok {
		return Claims{}, ErrForeign
	}
	st := m.state.Load()

	// Decide "ours" from unverified data, as Directus does with iss. A token
	// without iss is ours only if it names one of our keys.
	kid, kidIsString := stringMember(hdr, "kid")
	if iss, present := pl["iss"]; present {
		var s string
		if json.Unmarshal(iss, &s) != nil || s != m.issuer {
			return Claims{}, ErrForeign
		}
	} else if !kidIsString || st.byKID[kid] == nil {
		return Claims{}, ErrForeign
	}

	// Canonical base64 only, so no second spelling of a signed token
	// verifies (jwx alone would accept non-zero trailing bits).
	if _, err := b64s.DecodeString(sig); err != nil {
		return Claims{}, ErrInvalid
	}
	for name := range hdr {
		if !allowedHeader[name] {
			return Claims{}, ErrInvalid
		}
	}
	alg, _ := stringMember(hdr, "alg")
	if typ, present := hdr["typ"]; present && string(typ) != `"JWT"` {
		return Claims{}, ErrInvalid
	}
	if !kidIsString || kid == "" || len(kid) > maxKIDLen {
		return Claims{}, ErrInvalid
	}
	e := st.byKID[kid]
	if e == nil {
		st = m.reloadForKID(ctx, kid)
		if e = st.byKID[kid]; e == nil {
			return Claims{}, ErrInvalid
		}
	}
	now := m.now()
	if pastDelete(e.deleteAfter, now) || alg != e.alg.String() {
		return Claims{}, ErrInvalid
	}

	tok, err := jwt.Parse([]byte(raw),
		jwt.WithKeySet(st.set, jws.WithRequireKid(true)),
		jwt.WithValidate(true),
		jwt.WithClock(jwt.ClockFunc(func() time.Time { return now })),
		jwt.WithAcceptableSkew(0),
		jwt.WithResetValidators(true),
		jwt.WithValidator(jwt.IsExpirationValid()),
		jwt.WithValidator(jwt.IsNbfValid()),
		jwt.WithValidator(iatNotFuture),
		jwt.WithIssuer(m.issuer),
		jwt.WithRequiredClaim("exp"),
		jwt.WithRequiredClaim("iss"),
	)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired()) {
			return Claims{}, ErrExpired
		}
		return Claims{}, ErrInvalid
	}
	// The payload bytes are exactly what was verified; read the private
	// claims from them with exact key matching and types.
	// jwx treats exp=0 as "no expiry"; a token of ours always has a real one.
	c, ok := privateClaims(pl)
	if !ok || tok.Expiration().Unix() <= 0 {
		return Claims{}, ErrInvalid
	}
	c.IssuedAt, c.Expires = tok.IssuedAt(), tok.Expiration()
	return c, nil
}

var iatNotFuture = jwt.ValidatorFunc(func(ctx context.Context, t jwt.Token) jwt.ValidationError {
	iat := t.IssuedAt()
	if !iat.IsZero() && iat.After(jwt.ValidationCtxClock(ctx).Now().Add(iatLeeway)) {
		return jwt.ErrInvalidIssuedAt()
	}
	return nil
})

// splitCompact is the cheap pre-check: compact serialization only, at most
// 8 KiB, three base64url parts whose first two are JSON objects.
func splitCompact(raw string) (hdr, pl map[string]json.RawMessage, sig string, ok bool) {
	if len(raw) > maxTokenLen || strings.Count(raw, ".") != 2 {
		return nil, nil, "", false
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return nil, nil, "", false
		}
	}
	parts := strings.SplitN(raw, ".", 3)
	if hdr = decodeObject(parts[0]); hdr == nil {
		return nil, nil, "", false
	}
	if pl = decodeObject(parts[1]); pl == nil {
		return nil, nil, "", false
	}
	return hdr, pl, parts[2], true
}

func decodeObject(s string) map[string]json.RawMessage {
	b, err := b64s.DecodeString(s)
	if err != nil {
		return nil
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil || m == nil {
		return nil
	}
	return m
}

func stringMember(m map[string]json.RawMessage, name string) (string, bool) {
	v, ok := m[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// privateClaims requires role, app_access and admin_access to be present
// (null allowed), as Directus does, and session mode to carry its sgen.
func privateClaims(pl map[string]json.RawMessage) (Claims, bool) {
	var c Claims
	if v, ok := pl["id"]; ok && json.Unmarshal(v, &c.UserID) != nil {
		return c, false
	}
	role, ok := pl["role"]
	if !ok || json.Unmarshal(role, &c.Role) != nil {
		return c, false
	}
	for name, dst := range map[string]*bool{"app_access": &c.AppAccess, "admin_access": &c.AdminAccess} {
		v, ok := pl[name]
		if !ok || json.Unmarshal(v, dst) != nil {
			return c, false
		}
	}
	if v, ok := pl["sid"]; ok && json.Unmarshal(v, &c.SessionRef) != nil {
		return c, false
	}
	if v, ok := pl["session"]; ok {
		if json.Unmarshal(v, &c.Session) != nil || c.Session == "" {
			return c, false
		}
		g, ok := pl["sgen"]
		if !ok || json.Unmarshal(g, &c.Generation) != nil {
			return c, false
		}
	}
	return c, true
}
