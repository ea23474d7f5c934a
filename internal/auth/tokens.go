package auth

import (
	"net/http"
	"time"
)

// Mode is how tokens are handed to the client.
type Mode string

// The three Directus modes.
const (
	ModeJSON    Mode = "json"
	ModeCookie  Mode = "cookie"
	ModeSession Mode = "session"
)

// ParseMode accepts the three mode names.
func ParseMode(s string) (Mode, bool) {
	switch Mode(s) {
	case ModeJSON, ModeCookie, ModeSession:
		return Mode(s), true
	}
	return "", false
}

// Tokens is the outcome of a login or refresh.
type Tokens struct {
	Mode         Mode
	AccessToken  string        // in session mode: the session cookie's JWT
	RefreshToken string        // json and cookie modes
	Expires      time.Duration // the access token's TTL
	UserID       string
	issuedAt     time.Time
}

// ExpiresMS is the TTL in milliseconds, Directus's `expires`.
func (t Tokens) ExpiresMS() int64 { return t.Expires.Milliseconds() }

// Visible returns the tokens a mode puts in the response body; nil = absent.
func (t Tokens) Visible() (access, refresh *string) {
	switch t.Mode {
	case ModeJSON:
		return &t.AccessToken, &t.RefreshToken
	case ModeCookie:
		return &t.AccessToken, nil
	}
	return nil, nil
}

// Cookie returns the cookie a mode sets, or nil in json mode.
func (s *Service) Cookie(t Tokens) *http.Cookie {
	switch t.Mode {
	case ModeCookie:
		return s.set.RefreshCookie.Set(t.RefreshToken, t.issuedAt)
	case ModeSession:
		return s.set.SessionCookie.Set(t.AccessToken, t.issuedAt)
	}
	return nil
}
