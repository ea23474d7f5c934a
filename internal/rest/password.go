package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /auth/password/request {email, reset_url?} → 204, whether or not the
// email exists.
func (a *API) passwordRequest(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err != nil {
		return err
	}
	err = a.svc.RequestPasswordReset(r.Context(), auth.ResetRequest{
		Email: b.value("email"), ResetURL: b.truthy("reset_url"),
	}, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// POST /auth/password/reset {token, password} → 204
func (a *API) passwordReset(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err != nil {
		return err
	}
	err = a.svc.ResetPassword(r.Context(), auth.ResetInput{Token: b.value("token"), Password: b.value("password")}, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}
