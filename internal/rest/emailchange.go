package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /users/email/confirm {token} → 204: the link mailed to a new address
// after PATCH /users/me changed the email.
func (a *API) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = b.only("token")
	}
	if err == nil {
		err = a.svc.ConfirmEmailChange(r.Context(), b.value("token"), auth.MetaFrom(r))
	}
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}
