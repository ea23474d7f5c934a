package rest

import "net/http"

// POST /auth/logout {refresh_token?, mode?, scope?} → 204, clearing the
// cookies the request carried. scope: this (default), others or all.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	b, err := a.decode(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	mode, token := b.modeAndToken()
	cookies, err := a.svc.LogoutHTTP(r.Context(), r, mode, token, b.value("scope"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	setCookies(w, cookies)
	noContent(w)
}
