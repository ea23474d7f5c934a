package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /users/register {email, password, verification_url?, first_name?, last_name?} → 204
func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err == nil {
		err = b.only("email", "password", "verification_url", "first_name", "last_name")
	}
	if err != nil {
		return err
	}
	err = a.svc.Register(r.Context(), auth.RegisterInput{Email: b.value("email"), Password: b.value("password"),
		FirstName: b.value("first_name"), LastName: b.value("last_name"), VerificationURL: b.truthy("verification_url")}, auth.MetaFrom(r))
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// GET and POST /users/register/verify-email are internal/pages: a GET shows a
// button and changes nothing (mail scanners follow links), the POST verifies.
