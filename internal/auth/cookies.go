package auth

import (
	"net/http"
	"strings"
	"time"
)

// CookieSpec is one cookie's Directus attributes.
type CookieSpec struct {
	Name     string
	Domain   string
	Secure   bool
	SameSite http.SameSite
	MaxAge   time.Duration
}

// ParseSameSite reads lax/strict/none (Directus falls back to strict only when empty).
func ParseSameSite(s string) http.SameSite {
	switch strings.ToLower(s) {
	case "none":
		return http.SameSiteNoneMode
	case "lax":
		return http.SameSiteLaxMode
	}
	return http.SameSiteStrictMode
}

// Set builds the cookie carrying value.
func (c CookieSpec) Set(value string, now time.Time) *http.Cookie {
	return &http.Cookie{
		Name: c.Name, Value: value, Path: "/", Domain: c.Domain,
		MaxAge: int(c.MaxAge / time.Second), Expires: now.Add(c.MaxAge).UTC(),
		HttpOnly: true, Secure: c.Secure, SameSite: c.SameSite,
	}
}

// Clear builds the cookie that removes it: the same Path, Domain, SameSite,
// Secure and HttpOnly with Max-Age=0.
func (c CookieSpec) Clear() *http.Cookie {
	return &http.Cookie{
		Name: c.Name, Value: "", Path: "/", Domain: c.Domain,
		MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: c.SameSite,
	}
}
