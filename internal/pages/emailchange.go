package pages

import (
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

const confirmEmailPath = "/admin/confirm-email"

// confirmEmailView is the email-change page before and after the button.
func confirmEmailView() view {
	return view{Title: "Confirm your new email address", Action: confirmEmailPath,
		Intro: "Use this address for your account from now on?", Button: "Confirm this address"}
}

// showConfirmEmail handles GET: a button, never the change itself (mail
// scanners follow links with GET).
func (p *Pages) showConfirmEmail(w http.ResponseWriter, r *http.Request) {
	p.showLink(w, r, "password.html", confirmEmailView())
}

// submitConfirmEmail handles POST (form: token).
func (p *Pages) submitConfirmEmail(w http.ResponseWriter, r *http.Request) {
	p.submitButton(w, r, confirmEmailView(), "Your email address is changed. Sign in with it from now on.",
		func(tok string) error {
			return p.svc.ConfirmEmailChange(r.Context(), auth.String(tok), auth.MetaFrom(r))
		},
		func(err error) (int, string) {
			if errors.Is(err, &auth.Error{Code: auth.CodeRecordNotUnique}) {
				return http.StatusConflict, "This address belongs to another account now."
			}
			return message(err)
		})
}
