package auth

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// What Gatehouse accepts from Directus after `gatehouse import directus`:
//
//   - an imported refresh token (directus_sessions.token), at /auth/refresh
//     and /auth/logout in json or cookie mode, with or without DIRECTUS_SECRET;
//   - a Directus session cookie (HS256 JWT whose `session` claim names an
//     imported row), at /auth/refresh and on any request, with DIRECTUS_SECRET;
//   - a Directus access token, with DIRECTUS_SECRET and until
//     DIRECTUS_TOKENS_ACCEPT_UNTIL, for imported users only.
//
// An imported token stands for generation 0 of the Gatehouse session it was
// imported as, so the ordinary rotation rules apply to it: it works once,
// returns the current token within the grace period, and revokes the session
// when it comes back later.

// importedStore is what the imported-token paths need beyond Store; the
// real store has it, and test doubles without it simply know no imports.
type importedStore interface {
	ImportedSessionID(ctx context.Context, tokenHash string) (string, error)
	ImportedUser(ctx context.Context, id, source string) (*models.User, error)
}

// directusTokens holds the cut-over settings.
type directusTokens struct {
	verify *token.Directus
	until  time.Time // zero: no end while the secret is set
}

// AcceptDirectusTokens turns on Directus's signed tokens (DIRECTUS_SECRET);
// access tokens only before until (DIRECTUS_TOKENS_ACCEPT_UNTIL; zero = no
// end). Call it once, before serving.
func (s *Service) AcceptDirectusTokens(secret []byte, until time.Time) {
	if len(secret) == 0 {
		return
	}
	s.directus = &directusTokens{verify: token.NewDirectus(secret, s.now), until: until}
}

// SealTOTPSecret encrypts a plain TOTP secret as Gatehouse stores it.
func (s *Service) SealTOTPSecret(userID, plain string) (string, error) {
	return s.sealTFA(userID, plain)
}

// TOTPSecretIs reports whether stored (sealed or plain) holds plain.
func (s *Service) TOTPSecretIs(userID, stored, plain string) bool {
	got, err := s.openTFA(userID, stored)
	return err == nil && got == plain
}

// ImportedTokenHash is how an imported Directus token is stored.
func ImportedTokenHash(t string) string { return hashSecret(t) }

// directusTokenLen is the length of a Directus session token (a nanoid).
const directusTokenLen = 64

func looksLikeDirectusToken(t string) bool {
	if len(t) != directusTokenLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// importedRef finds the session an imported Directus token stands for.
func (s *Service) importedRef(ctx context.Context, raw string) (sessionRef, error) {
	is, ok := s.store.(importedStore)
	if !ok || !looksLikeDirectusToken(raw) {
		return sessionRef{}, ErrInvalidCredentials
	}
	id, err := is.ImportedSessionID(ctx, ImportedTokenHash(raw))
	if err != nil {
		return sessionRef{}, s.unusable(err)
	}
	return sessionRef{id: id, gen: 0, imported: true}, nil
}

// directusSessionRef resolves a Directus session cookie presented to
// /auth/refresh or /auth/logout in session mode.
func (s *Service) directusSessionRef(ctx context.Context, raw string) (sessionRef, error) {
	if s.directus == nil {
		return sessionRef{}, ErrInvalidCredentials
	}
	c, err := s.directus.verify.Verify(raw)
	switch {
	case errors.Is(err, token.ErrExpired):
		return sessionRef{}, ErrTokenExpired
	case err != nil || c.Session == "":
		return sessionRef{}, ErrInvalidCredentials
	}
	return s.importedRef(ctx, c.Session)
}

// authenticateDirectus authenticates a token Directus signed; handled is
// false when raw is not one (or Directus tokens are off), so the caller
// goes on with its own rules.
func (s *Service) authenticateDirectus(ctx context.Context, raw string) (a *Accountability, handled bool, err error) {
	if s.directus == nil || !s.directus.verify.Looks(raw) {
		return nil, false, nil
	}
	c, err := s.directus.verify.Verify(raw)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, true, ErrTokenExpired
	case err != nil:
		return nil, true, ErrInvalidToken
	}
	if c.Session != "" {
		a, err := s.directusSession(ctx, c)
		return a, true, err
	}
	now := s.now()
	if !s.directus.until.IsZero() && !now.Before(s.directus.until) {
		// The window closed: a client that refreshes gets a Gatehouse token.
		return nil, true, ErrTokenExpired
	}
	is, ok := s.store.(importedStore)
	if !ok || uuid.Validate(c.UserID) != nil {
		return nil, true, ErrInvalidCredentials
	}
	u, err := is.ImportedUser(ctx, c.UserID, models.ImportSourceDirectus)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, true, ErrInvalidCredentials
	case err != nil:
		return nil, true, internal(err)
	case u.Status != models.StatusActive:
		return nil, true, ErrInvalidCredentials
	}
	// Access comes from the user's role now, as Directus recomputes it.
	a = accountabilityOf(u)
	a.StaticToken = false
	return a, true, nil
}

// directusSession accepts a Directus session cookie as an access credential
// while its imported session has not rotated (or just did, within the grace
// period), as Gatehouse's own session tokens.
func (s *Service) directusSession(ctx context.Context, c token.DirectusClaims) (*Accountability, error) {
	ref, err := s.importedRef(ctx, c.Session)
	if err != nil {
		return nil, err
	}
	gc := token.Claims{UserID: c.UserID, Session: ref.id, Generation: ref.gen}
	if err := s.checkSessionToken(ctx, gc); err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, internal(err)
	}
	if u.Status != models.StatusActive {
		return nil, ErrInvalidCredentials
	}
	a := accountabilityOf(u)
	a.StaticToken, a.SessionID, a.SessionRef = false, ref.id, ref.id
	return a, nil
}
