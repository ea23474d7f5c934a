package rest

import "net/http"

// POST /auth/logout {refresh_token?, mode?} → 204, clearing the cookies the
// request carried.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	mode, token, err := a.modeAndToken(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cookies, err := a.svc.LogoutHTTP(r.Context(), r, mode, token)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	setCookies(w, cookies)
	noContent(w)
}
