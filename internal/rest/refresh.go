package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// modeAndToken reads the body's mode and refresh_token and applies Directus's
// REST default mode (json with a body token, else cookie).
func (a *API) modeAndToken(w http.ResponseWriter, r *http.Request) (mode, token string, err error) {
	b, err := a.decode(w, r)
	if err != nil {
		return "", "", err
	}
	token = b.truthy("refresh_token")
	return auth.RESTMode(b.truthy("mode"), token), token, nil
}

// POST /auth/refresh {refresh_token?, mode?}
func (a *API) refresh(w http.ResponseWriter, r *http.Request) {
	mode, token, err := a.modeAndToken(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t, cookies, err := a.svc.RefreshHTTP(r.Context(), r, mode, token)
	a.tokens(w, r, t, cookies, err)
}
