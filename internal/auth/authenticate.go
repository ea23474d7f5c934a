package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// Source is where an access token came from.
type Source int

// Token sources, in Directus's order of precedence.
const (
	SourceNone Source = iota
	SourceQuery
	SourceHeader
	SourceCookie
)

// Credential is the access token a request presents.
type Credential struct {
	Token  string
	Source Source
}

// CredentialFrom extracts the access token like Directus: ?access_token=, then
// Authorization: Bearer (case-insensitive scheme), then the session cookie,
// which counts only when neither of the others is present.
func (s *Service) CredentialFrom(r *http.Request) (Credential, error) {
	var c Credential
	if q := r.URL.Query().Get("access_token"); q != "" {
		c = Credential{Token: q, Source: SourceQuery}
	}
	if h := r.Header.Get("Authorization"); h != "" {
		parts := strings.Split(h, " ")
		if len(parts) == 2 && strings.EqualFold(parts[0], "bearer") && parts[1] != "" {
			if c.Source == SourceQuery {
				return Credential{}, InvalidPayload("The request uses more than one method for including an access token")
			}
			c = Credential{Token: parts[1], Source: SourceHeader}
		}
	}
	if c.Source == SourceNone {
		if v := cookieValue(r, s.set.SessionCookie.Name); v != "" {
			c = Credential{Token: v, Source: SourceCookie}
		}
	}
	return c, nil
}

// Accountability is who a request acts as.
type Accountability struct {
	UserID      string
	RoleID      *string
	Admin       bool
	App         bool
	SessionID   string // set when authenticated by a session-mode token
	SessionRef  string // the session the token came from, in any mode
	StaticToken bool
}

// Authenticate resolves a credential. No token means anonymous (nil, nil).
// Our JWTs: expired → TOKEN_EXPIRED, forged → INVALID_TOKEN. Anything else is
// looked up as a static token. Session-bound tokens are checked against their
// session row on every request, so logout kills them at once.
func (s *Service) Authenticate(ctx context.Context, c Credential, m Meta) (*Accountability, error) {
	if c.Token == "" {
		return nil, nil
	}
	if c.Source == SourceCookie {
		if err := s.checkOrigin(ctx, m.Origin); err != nil {
			return nil, err
		}
	}
	claims, err := s.signer.Verify(ctx, c.Token)
	if err != nil && !errors.Is(err, token.ErrExpired) {
		if a, handled, err := s.authenticateDirectus(ctx, c.Token); handled {
			return a, err // signed by Directus (directus.go)
		}
	}
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, ErrTokenExpired
	case errors.Is(err, token.ErrForeign):
		return s.staticToken(ctx, c.Token)
	case err != nil:
		return nil, ErrInvalidToken
	}
	a := &Accountability{UserID: claims.UserID, RoleID: claims.Role, Admin: claims.AdminAccess, App: claims.AppAccess,
		SessionRef: claims.SessionRef}
	if claims.Session != "" {
		a.SessionRef = claims.Session
		if err := s.checkSessionToken(ctx, claims); err != nil {
			return nil, err
		}
		a.SessionID = claims.Session
	}
	return a, nil
}

// checkSessionToken accepts the session's current generation, or the previous
// one within the grace period after a refresh.
func (s *Service) checkSessionToken(ctx context.Context, c token.Claims) error {
	sess, err := s.store.Session(ctx, c.Session)
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidCredentials
	}
	if err != nil {
		return internal(err)
	}
	now := s.now()
	if sess.UserID != c.UserID || !sess.ExpiresAt.After(now) || s.pastLifetime(sess, now) {
		return ErrInvalidCredentials
	}
	switch s.generation(sess, c.Generation, now) {
	case genCurrent, genGrace:
		return nil
	}
	return ErrInvalidCredentials
}

// HashStaticToken is how static tokens are stored: a SHA-256, since they are
// long random values that need no slow hash.
func HashStaticToken(t string) string { return hashSecret(t) }

func (s *Service) staticToken(ctx context.Context, t string) (*Accountability, error) {
	if len(t) > 4096 {
		return nil, ErrInvalidCredentials
	}
	u, err := s.store.ActiveUserByTokenHash(ctx, HashStaticToken(t))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, internal(err)
	}
	return accountabilityOf(u), nil
}

func accountabilityOf(u *models.User) *Accountability {
	a := &Accountability{UserID: u.ID, RoleID: u.RoleID, StaticToken: true}
	if u.Role != nil {
		a.Admin, a.App = u.Role.AdminAccess, u.Role.AppAccess
	}
	return a
}

// ClearsSessionCookie reports whether a failure to authenticate with c should
// also clear the session cookie (Directus: invalid, not expired).
func ClearsSessionCookie(c Credential, err error) bool {
	return c.Source == SourceCookie && (errors.Is(err, ErrInvalidCredentials) || errors.Is(err, ErrInvalidToken))
}
