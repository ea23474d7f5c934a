package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /auth/logout {refresh_token?, mode?, scope?} → 204, clearing the
// cookies the request carried. scope: this (default), others or all.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	b, err := a.decode(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	mode, token := b.modeAndToken()
	scope := b.value("scope")
	if scope.NotString && !scope.Null {
		a.fail(w, r, auth.InvalidPayload(`"scope" must be one of [this, others, all]`))
		return
	}
	cookies, err := a.svc.LogoutHTTP(r.Context(), r, mode, token, scope.Str)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	setCookies(w, cookies)
	noContent(w)
}
