package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// CookieSource reads request cookies; *http.Request is one.
type CookieSource interface {
	Cookie(name string) (*http.Cookie, error)
}

var errNoRefreshToken = InvalidPayload("The refresh token is required in either the payload or cookie")

// RESTMode is Directus's REST rule for refresh and logout: the body's mode if
// given, else json when the body carries a token, else cookie.
func RESTMode(bodyMode, bodyToken string) string {
	switch {
	case bodyMode != "":
		return bodyMode
	case bodyToken != "":
		return string(ModeJSON)
	}
	return string(ModeCookie)
}

// Presented is the credential a refresh or logout acts on, after the mode
// decided where to read it from.
type Presented struct {
	Mode  Mode
	Token string
}

// Present resolves mode and token source: json reads the body token, cookie
// the refresh cookie, session the session cookie. An unknown mode or a missing
// token is Directus's "refresh token is required".
func (s *Service) Present(mode, bodyToken string, cookies CookieSource) (Presented, error) {
	m, ok := ParseMode(mode)
	if !ok {
		return Presented{}, errNoRefreshToken
	}
	p := Presented{Mode: m}
	switch m {
	case ModeJSON:
		p.Token = bodyToken
	case ModeCookie:
		p.Token = cookieValue(cookies, s.set.RefreshCookie.Name)
	case ModeSession:
		p.Token = cookieValue(cookies, s.set.SessionCookie.Name)
	}
	if p.Token == "" {
		return Presented{}, errNoRefreshToken
	}
	return p, nil
}

func cookieValue(cs CookieSource, name string) string {
	if cs == nil {
		return ""
	}
	c, err := cs.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// sessionRef names a session generation: from a refresh token, or from a
// session cookie's claims.
type sessionRef struct {
	id       string
	gen      int64
	imported bool // a token imported from Directus (directus.go)
}

// resolve turns a presented credential into a session reference.
func (s *Service) resolve(ctx context.Context, p Presented) (sessionRef, error) {
	if p.Mode == ModeSession {
		c, err := s.signer.Verify(ctx, p.Token)
		if err != nil && !errors.Is(err, token.ErrExpired) && s.directus != nil && s.directus.verify.Looks(p.Token) {
			return s.directusSessionRef(ctx, p.Token)
		}
		switch {
		case errors.Is(err, token.ErrExpired):
			return sessionRef{}, ErrTokenExpired
		case errors.Is(err, token.ErrForeign):
			return sessionRef{}, ErrInvalidCredentials
		case err != nil:
			return sessionRef{}, ErrInvalidToken
		case c.Session == "":
			return sessionRef{}, ErrInvalidCredentials
		}
		return sessionRef{id: c.Session, gen: c.Generation}, nil
	}
	id, gen, err := s.refresh.Decode(p.Token)
	if err != nil {
		return s.importedRef(ctx, p.Token) // not ours: perhaps a Directus refresh token
	}
	return sessionRef{id: id, gen: gen}, nil
}

// Refresh rotates the presented token. The current generation rotates once;
// the previous one within the grace period gets the current token again (a
// lost response or a racing tab); anything older is reuse, which in json and
// cookie modes revokes the whole session.
func (s *Service) Refresh(ctx context.Context, p Presented, m Meta) (Tokens, error) {
	if p.Mode != ModeJSON {
		if err := s.checkOrigin(ctx, m.Origin); err != nil {
			return Tokens{}, err
		}
	}
	ref, err := s.resolve(ctx, p)
	if err != nil {
		return Tokens{}, err
	}
	now := s.now().UTC()
	ttl := s.set.RefreshTTL
	if p.Mode == ModeSession {
		ttl = s.set.SessionTTL
	}
	// Read and rotate at once: the checks below decide from the session as it
	// was, and rotated tells whether this call advanced it.
	sess, rotated, err := s.store.ReadAndRotate(ctx, ref.id, ref.gen, now, now.Add(ttl))
	if err != nil {
		return Tokens{}, s.unusable(err)
	}
	user, err := s.live(ctx, sess, now)
	if err != nil {
		return Tokens{}, err
	}
	current, err := s.advance(ctx, sess, ref.gen, rotated, now)
	if err != nil {
		if errors.Is(err, errReuse) {
			// A Directus token is never issued again after the switch, so
			// its late return means a copy, even as a session cookie.
			if p.Mode != ModeSession || ref.imported {
				s.revokeForReuse(ctx, sess, m)
			}
			return Tokens{}, ErrInvalidCredentials
		}
		return Tokens{}, err
	}
	return s.refreshed(ctx, user, p.Mode, sess.ID, current, now)
}

// refreshed stamps last_access and issues the tokens of generation gen.
func (s *Service) refreshed(ctx context.Context, user *models.User, mode Mode, sessionID string, gen int64, now time.Time) (Tokens, error) {
	if user.LastAccess == nil || user.LastAccess.Before(now.Add(-time.Minute)) {
		// A minute's precision is plenty, and saves a write per refresh.
		if err := s.store.TouchLastAccess(ctx, user.ID, now, now.Add(-time.Minute)); err != nil {
			s.log.WarnContext(ctx, "stamping last_access failed", "err", err)
		}
	}
	return s.issue(user, mode, sessionID, gen, now)
}

var errReuse = errors.New("refresh token reuse")

// advance decides which generation's token the caller gets, given the
// session as it was and whether this call rotated it from gen.
func (s *Service) advance(ctx context.Context, sess *models.Session, gen int64, rotated bool, now time.Time) (int64, error) {
	switch s.generation(sess, gen, now) {
	case genCurrent:
		if rotated {
			return gen + 1, nil
		}
		// A concurrent refresh won the race: converge on its successor.
		sess, err := s.store.Session(ctx, sess.ID)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return 0, ErrInvalidCredentials
			}
			return 0, internal(err)
		}
		if s.generation(sess, gen, now) == genGrace { // it moved on by exactly one, just now
			return sess.Generation, nil
		}
		return 0, errReuse
	case genGrace:
		return sess.Generation, nil
	case genSpent:
		return 0, errReuse
	}
	return 0, ErrInvalidCredentials // from the future: not a token we issued
}

// liveSession loads an unexpired session and its active user. An inactive
// user's session is deleted (as Directus does) after the stall.
func (s *Service) liveSession(ctx context.Context, id string, now time.Time) (*models.Session, *models.User, error) {
	sess, err := s.store.SessionWithUser(ctx, id)
	if err != nil {
		return nil, nil, s.unusable(err)
	}
	user, err := s.live(ctx, sess, now)
	return sess, user, err
}

// unusable maps a failed session read: an unknown session is bad credentials.
func (s *Service) unusable(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidCredentials
	}
	return internal(err)
}

// live checks that a session read is unexpired and its user active,
// returning the user.
func (s *Service) live(ctx context.Context, sess *models.Session, now time.Time) (*models.User, error) {
	if !sess.ExpiresAt.After(now) {
		return nil, ErrInvalidCredentials
	}
	if s.pastLifetime(sess, now) {
		// Refreshing never extends a session beyond SESSION_MAX_LIFETIME.
		if _, err := s.store.DeleteSession(ctx, sess.ID); err != nil {
			return nil, internal(err)
		}
		return nil, ErrInvalidCredentials
	}
	user := sess.User
	if user.Status != models.StatusActive {
		start := time.Now()
		if _, err := s.store.DeleteSession(ctx, sess.ID); err != nil {
			return nil, internal(err)
		}
		s.stallSince(start, s.set.LoginStall)
		if user.Status == models.StatusSuspended {
			return nil, ErrUserSuspended
		}
		return nil, ErrInvalidCredentials
	}
	return user, nil
}

// revokeForReuse ends a session whose spent token came back: someone holds a
// copy, so every token descended from that login dies.
func (s *Service) revokeForReuse(ctx context.Context, sess *models.Session, m Meta) {
	if _, err := s.store.DeleteSession(ctx, sess.ID); err != nil {
		s.log.ErrorContext(ctx, "revoking reused session failed", "err", err)
	}
	s.audit(ctx, models.ActionRefreshReuse, sess.UserID, m, "session "+sess.ID)
	s.metrics.RefreshReuse()
}
