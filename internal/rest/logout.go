package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /auth/logout {refresh_token?, mode?} → 204, clearing the cookies the
// request carried.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	p, err := a.presented(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Logout(r.Context(), p, meta(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	set := a.svc.Settings()
	for _, spec := range []auth.CookieSpec{set.RefreshCookie, set.SessionCookie} {
		if c, err := r.Cookie(spec.Name); err == nil && c.Value != "" {
			http.SetCookie(w, spec.Clear())
		}
	}
	noContent(w)
}
