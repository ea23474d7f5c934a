package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Claims are Directus's access-token claims plus Gatehouse's session
// generation.
type Claims struct {
	UserID      string  // "id"
	Role        *string // "role" (null allowed, key always present)
	AppAccess   bool    // "app_access"
	AdminAccess bool    // "admin_access"
	Session     string  // "session" (session mode only)
	Generation  int64   // "sgen" (only with Session)
	SessionRef  string  // "sid": the session a json/cookie-mode token came from (informational, not checked)
	IssuedAt    time.Time
	Expires     time.Time
}

// wireClaims fixes the JSON shape: Directus's claim order, role as an
// explicit null, session/sgen only in session mode.
type wireClaims struct {
	ID          string  `json:"id,omitempty"`
	Role        *string `json:"role"`
	AppAccess   bool    `json:"app_access"`
	AdminAccess bool    `json:"admin_access"`
	Session     string  `json:"session,omitempty"`
	Generation  *int64  `json:"sgen,omitempty"`
	SessionRef  string  `json:"sid,omitempty"`
	IssuedAt    int64   `json:"iat"`
	Expires     int64   `json:"exp"`
	Issuer      string  `json:"iss"`
}

// Sign issues an access token valid for ttl from now with the key current
// at now (a staged next key takes over at its activation time). ttl above MaxTTL is refused: a longer token could outlive
// its key's deletion after a rotation.
func (m *Manager) Sign(c Claims, ttl time.Duration) (string, time.Time, error) {
	if ttl < time.Second || ttl > m.maxTTL {
		return "", time.Time{}, fmt.Errorf("token: ttl %s outside [1s, MaxTTL=%s]", ttl, m.maxTTL)
	}
	st := m.state.Load()
	now := m.now()
	m.maybeRefresh(st, now)
	iat := now.Truncate(time.Second)
	exp := iat.Add(ttl.Truncate(time.Second))
	tok, err := m.signWith(st.signerAt(now), c, iat, exp)
	return tok, exp, err
}

func (m *Manager) signWith(sg *signer, c Claims, iat, exp time.Time) (string, error) {
	if sg == nil {
		return "", errors.New("token: no signing key")
	}
	w := wireClaims{
		ID: c.UserID, Role: c.Role, AppAccess: c.AppAccess, AdminAccess: c.AdminAccess,
		SessionRef: c.SessionRef, IssuedAt: iat.Unix(), Expires: exp.Unix(), Issuer: m.issuer,
	}
	if c.Session != "" {
		g := c.Generation
		w.Session, w.Generation = c.Session, &g
	}
	payload, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("token: encode claims: %w", err)
	}
	// JWS compact serialization (RFC 7515 §7.1): header.payload.signature,
	// each base64url without padding; the signature covers the first two.
	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(sg.header)+enc.EncodedLen(len(payload))+2+enc.EncodedLen(256)) // 256: an RS256 signature, the longest
	out = append(append(out, sg.header...), '.')
	out = enc.AppendEncode(out, payload)
	sig, err := sg.jwsSigner.Sign(out, sg.key)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	out = enc.AppendEncode(append(out, '.'), sig)
	return string(out), nil
}

// maybeRefresh reloads keys in the background when the snapshot is old, so
// an instance whose key was retired by another instance stops signing with
// it within about signerRecheck. Sign has no context, hence the goroutine.
func (m *Manager) maybeRefresh(st *keyState, now time.Time) {
	if now.Sub(st.loadedAt) < signerRecheck || now.Sub(time.Unix(0, m.refreshAt.Load())) < signerRecheck ||
		!m.refreshing.CompareAndSwap(false, true) {
		return
	}
	m.refreshAt.Store(now.UnixNano()) // a failing store is retried at most once per signerRecheck
	go func() {
		defer m.refreshing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), backgroundLoadT)
		defer cancel()
		if err := m.Reload(ctx); err != nil {
			m.log.Warn("token: background key reload failed", "err", err)
		}
	}()
}
