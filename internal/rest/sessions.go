package rest

import (
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// GET /auth/sessions → the caller's live sessions.
func (a *API) sessions(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error {
	list, err := a.svc.Sessions(r.Context(), acc)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, s := range list {
		out[i] = map[string]any{"id": s.ID, "created": s.CreatedAt.UTC().Format(time.RFC3339),
			"last_used": s.LastUsed.UTC().Format(time.RFC3339), "expires": s.ExpiresAt.UTC().Format(time.RFC3339),
			"ip": s.IP, "user_agent": s.UserAgent, "current": s.Current}
	}
	data(w, out)
	return nil
}
