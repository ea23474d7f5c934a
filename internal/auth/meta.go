package auth

import (
	"context"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/models"
)

// Meta describes where a request came from, for audit rows and CSRF checks.
type Meta struct {
	IP        string
	UserAgent string
	Origin    string
}

func optional(s string, max int) *string {
	if s == "" {
		return nil
	}
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return &s
}

// audit writes one activity row. A failed write is logged, never returned:
// losing an audit row must not fail a login.
func (s *Service) audit(ctx context.Context, action string, userID string, m Meta, detail string) {
	s.auditItem(ctx, action, userID, userID, m, detail)
}

// auditItem writes an audit row where the actor (userID) and the user acted
// on (item) differ, e.g. an admin inviting someone.
func (s *Service) auditItem(ctx context.Context, action, userID, item string, m Meta, detail string) {
	a := s.activity(action, userID, item, m, detail)
	if err := s.store.InsertActivity(context.WithoutCancel(ctx), a); err != nil {
		s.log.ErrorContext(ctx, "audit write failed", "action", action, "err", err)
	}
}

// activity builds an audit row.
func (s *Service) activity(action, userID, item string, m Meta, detail string) *models.Activity {
	return &models.Activity{
		ID:         uuid.NewString(),
		Action:     action,
		UserID:     optional(userID, 64),
		IP:         optional(m.IP, 50),
		UserAgent:  optional(m.UserAgent, 1024),
		Origin:     optional(m.Origin, 255),
		Collection: "directus_users",
		Item:       optional(item, 255),
		Detail:     optional(detail, 1024),
		Timestamp:  s.now().UTC(),
	}
}
