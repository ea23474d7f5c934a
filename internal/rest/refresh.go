package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// presented resolves the body's mode and token, or the cookie, per Directus.
func (a *API) presented(w http.ResponseWriter, r *http.Request) (auth.Presented, error) {
	b, err := a.decode(w, r)
	if err != nil {
		return auth.Presented{}, err
	}
	bodyToken := b.truthy("refresh_token")
	return a.svc.Present(auth.RESTMode(b.truthy("mode"), bodyToken), bodyToken, r)
}

// POST /auth/refresh {refresh_token?, mode?}
func (a *API) refresh(w http.ResponseWriter, r *http.Request) {
	p, err := a.presented(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t, err := a.svc.Refresh(r.Context(), p, meta(r))
	if err != nil {
		if p.Mode == auth.ModeSession && auth.ClearsSessionCookie(auth.Credential{Source: auth.SourceCookie}, err) {
			http.SetCookie(w, a.svc.Settings().SessionCookie.Clear())
		}
		a.fail(w, r, err)
		return
	}
	a.tokens(w, t)
}
