package rest

import "net/http"

// POST /auth/logout {refresh_token?, mode?, scope?} → 204, clearing the
// cookies the request carried. scope: this (default), others or all.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err != nil {
		return err
	}
	mode, token := b.modeAndToken()
	cookies, err := a.svc.LogoutHTTP(r.Context(), r, mode, token, b.value("scope"))
	if err != nil {
		return err
	}
	setCookies(w, cookies)
	noContent(w)
	return nil
}
