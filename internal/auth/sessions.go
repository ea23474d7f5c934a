package auth

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// SessionView is one of the caller's sessions.
type SessionView struct {
	ID        string
	CreatedAt time.Time
	LastUsed  time.Time
	ExpiresAt time.Time
	IP        *string
	UserAgent *string
	Current   bool
}

// Sessions lists the caller's live sessions, marking the one the request
// came from.
func (s *Service) Sessions(ctx context.Context, a *Accountability) ([]SessionView, error) {
	if a == nil {
		return nil, ErrInvalidCredentials
	}
	rows, err := s.store.UserSessions(ctx, a.UserID, s.now())
	if err != nil {
		return nil, internal(err)
	}
	out := make([]SessionView, 0, len(rows))
	for _, r := range rows {
		if s.pastLifetime(&r, s.now()) {
			continue
		}
		out = append(out, SessionView{ID: r.ID, CreatedAt: r.CreatedAt, LastUsed: r.LastUsedAt, ExpiresAt: r.ExpiresAt,
			IP: r.IP, UserAgent: r.UserAgent, Current: r.ID == a.SessionRef})
	}
	return out, nil
}

// pastLifetime reports whether a session's login is older than
// SESSION_MAX_LIFETIME: however often it was refreshed, it is over.
func (s *Service) pastLifetime(sess *models.Session, now time.Time) bool {
	return s.set.MaxLifetime > 0 && !now.Before(sess.CreatedAt.Add(s.set.MaxLifetime))
}

// Logout scopes.
const (
	ScopeThis   = "this"   // the presented session (default)
	ScopeOthers = "others" // every other session of the user
	ScopeAll    = "all"    // every session of the user
)

// ParseScope reads a logout scope; absent, null or "" mean this session.
func ParseScope(v Value) (string, error) {
	if v.NotString && !v.Null {
		return "", errBadScope
	}
	switch v.Str {
	case "", ScopeThis:
		return ScopeThis, nil
	case ScopeOthers, ScopeAll:
		return v.Str, nil
	}
	return "", errBadScope
}

var errBadScope = InvalidPayload(`"scope" must be one of [this, others, all]`)

// PurgeExpired deletes expired sessions and one-time tokens.
func (s *Service) PurgeExpired(ctx context.Context) (sessions, tokens int64, err error) {
	now := s.now().UTC()
	if sessions, err = s.store.DeleteExpiredSessions(ctx, now); err != nil {
		return 0, 0, err
	}
	tokens, err = s.store.DeleteSpentTokens(ctx, now)
	return sessions, tokens, err
}
