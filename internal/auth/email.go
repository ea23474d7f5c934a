package auth

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// maxEmailKey is the width of gh_users.email_lower; the IDNA form of a
// domain can be longer than the domain as typed.
const maxEmailKey = 128

var errBadEmail = InvalidPayload(`"email" must be a valid email`)

// NormalizeEmail is the one form an address is matched by: uniqueness
// (email_lower), lookups, limiter keys and PUBLIC_REGISTRATION_EMAIL_FILTER.
//
// The domain becomes its IDNA ASCII form (UTS #46 Lookup profile): that is
// the name DNS resolves, so every spelling of it reaches the same mail host.
// In the local part only ASCII letters are lowered; every other character is
// kept as typed. Unicode case folding maps look-alikes onto ASCII (İ → i,
// Kelvin sign → k, ſ → s) and so would let a different mailbox take an
// address's key; the mail host decides what a non-ASCII local part means, so
// we do not guess. An address IDNA refuses is INVALID_PAYLOAD.
func NormalizeEmail(s string) (string, error) {
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || !utf8.ValidString(s) {
		return "", errBadEmail
	}
	domain, err := idna.Lookup.ToASCII(s[at+1:])
	if err != nil || !dnsName(domain) {
		return "", errBadEmail
	}
	key := lowerASCII(s[:at]) + "@" + domain
	if utf8.RuneCountInString(key) > maxEmailKey {
		return "", errBadEmail
	}
	return key, nil
}

// lowerASCII lowers A-Z only.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// dnsName checks what the Lookup profile leaves to the caller: no empty
// labels (a trailing dot included) and DNS's length limits.
func dnsName(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
	}
	return true
}

// normalizeDomain is a configured domain (PUBLIC_REGISTRATION_EMAIL_FILTER)
// in the form NormalizeEmail gives; "" when IDNA refuses it.
func normalizeDomain(d string) string {
	d, err := idna.Lookup.ToASCII(strings.TrimPrefix(strings.TrimSpace(d), "@"))
	if err != nil || !dnsName(d) {
		return ""
	}
	return d
}

// userByEmail looks a user up by any spelling of their address. An address
// that has no normal form cannot belong to anyone: not found.
func (s *Service) userByEmail(ctx context.Context, email string) (*models.User, error) {
	key, err := NormalizeEmail(email)
	if err != nil {
		return nil, store.ErrNotFound
	}
	return s.store.UserByEmail(ctx, key)
}

// limitKey keys the per-account limiters: the normal form, or the input as
// given when it has none (it then matches no account either).
func limitKey(email string) string {
	if key, err := NormalizeEmail(email); err == nil {
		return key
	}
	return email
}

// RekeyEmails brings email_lower of existing rows to NormalizeEmail's form
// (it was once the Unicode lowering, which differs only for non-ASCII
// addresses). It runs at start; rows already in the new form cost nothing
// but the scan. An address with no normal form keeps its old key (it can
// then not be found by email: an admin must correct it), and two accounts
// whose new keys collide keep theirs (logged, for an admin to merge).
func (s *Service) RekeyEmails(ctx context.Context) (int, error) {
	rows, err := s.store.NonASCIIEmails(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range rows {
		key, err := NormalizeEmail(*u.Email)
		if err != nil {
			s.log.WarnContext(ctx, "an email has no normal form; it keeps its old key", "user", u.ID)
			continue
		}
		if u.EmailLower != nil && *u.EmailLower == key {
			continue
		}
		if err := s.store.SetEmailKey(ctx, u.ID, key); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				s.log.WarnContext(ctx, "two accounts share one normalised email; this one keeps its old key", "user", u.ID)
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}
