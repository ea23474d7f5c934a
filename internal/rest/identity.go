package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// caller authenticates the request; on failure it has already answered.
func (a *API) caller(w http.ResponseWriter, r *http.Request) (*auth.Accountability, bool) {
	acc, clear, err := a.svc.Identify(r.Context(), r)
	if clear != nil {
		http.SetCookie(w, clear)
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return acc, true
}

// userJSON is a user in Directus's field names.
func userJSON(u *auth.UserView) map[string]any {
	out := make(map[string]any, len(auth.UserFields))
	for _, f := range auth.UserFields {
		out[f] = u.Field(f)
	}
	return out
}
