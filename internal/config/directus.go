package config

import (
	"errors"
	"strings"
	"time"
)

// Directus holds the cut-over settings after `gatehouse import directus`.
type Directus struct {
	// Directus's SECRET: with it Gatehouse accepts the session cookies and
	// access tokens Directus signed, after `gatehouse import directus`. Unset: off.
	Secret string `env:"DIRECTUS_SECRET" secret:"true"`
	// An RFC 3339 time (e.g. 2026-12-01T22:00:00Z) after which Directus
	// access tokens answer TOKEN_EXPIRED (clients refresh onto Gatehouse
	// tokens); unset: accepted while DIRECTUS_SECRET is set.
	TokensAcceptUntil string `env:"DIRECTUS_TOKENS_ACCEPT_UNTIL"`
}

// Until is DIRECTUS_TOKENS_ACCEPT_UNTIL, zero when unset.
func (d Directus) Until() time.Time {
	t, _ := parseUntil(d.TokensAcceptUntil)
	return t
}

func parseUntil(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, strings.TrimSpace(s))
}

func (d Directus) validate() error {
	if _, err := parseUntil(d.TokensAcceptUntil); err != nil {
		return errors.New("DIRECTUS_TOKENS_ACCEPT_UNTIL: must be an RFC 3339 time such as 2026-12-01T22:00:00Z")
	}
	if d.TokensAcceptUntil != "" && d.Secret == "" {
		return errors.New("DIRECTUS_TOKENS_ACCEPT_UNTIL: needs DIRECTUS_SECRET")
	}
	return nil
}
