package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// modeAndToken reads the body's mode and refresh_token and applies Directus's
// REST default mode (json with a body token, else cookie).
func (b body) modeAndToken() (mode, token string) {
	token = b.truthy("refresh_token")
	return auth.RESTMode(b.truthy("mode"), token), token
}

// POST /auth/refresh {refresh_token?, mode?}
func (a *API) refresh(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err != nil {
		return err
	}
	mode, token := b.modeAndToken()
	t, cookies, err := a.svc.RefreshHTTP(r.Context(), r, mode, token)
	return tokens(w, t, cookies, err)
}
