package auth

import (
	"context"

	"github.com/gatehouse/gatehouse/models"
)

// Logout ends the presented session, or with scope "others" every other
// session of its user, or with "all" every one. An unknown or already-ended
// session is a silent no-op (Directus answers 204 either way).
func (s *Service) Logout(ctx context.Context, p Presented, scopeArg Value, m Meta) error {
	scope, err := ParseScope(scopeArg)
	if err != nil {
		return err
	}
	if p.Mode != ModeJSON {
		if err := s.checkOrigin(ctx, m.Origin); err != nil {
			return err
		}
	}
	ref, err := s.resolve(ctx, p)
	if err != nil {
		if p.Mode == ModeSession {
			return err // expired or forged session cookie: Directus reports it
		}
		return nil
	}
	sess, err := s.store.Session(ctx, ref.id)
	if err != nil {
		return nil
	}
	if s.generation(sess, ref.gen, s.now().UTC()) == genSpent {
		// A rotated-out token is reuse, whatever the scope asked: someone
		// holds a copy. It ends its own session, never the user's others.
		s.revokeForReuse(ctx, sess, m)
		return nil
	}
	if scope != ScopeThis {
		// Ending other sessions needs a live credential, not a spent one.
		if _, _, err := s.liveSession(ctx, sess.ID, s.now().UTC()); err != nil {
			return nil
		}
		except := sess.ID
		if scope == ScopeAll {
			except = ""
		}
		if err := s.store.DeleteUserSessions(ctx, sess.UserID, except); err != nil {
			return internal(err)
		}
		s.audit(ctx, models.ActionLogout, sess.UserID, m, "scope "+scope)
		return nil
	}
	if ok, err := s.store.DeleteSession(ctx, sess.ID); err != nil {
		return internal(err)
	} else if ok {
		s.audit(ctx, models.ActionLogout, sess.UserID, m, string(p.Mode))
	}
	return nil
}
