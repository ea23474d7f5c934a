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
		Intro: "Use this address for your account from now on?"}
}

// showConfirmEmail handles GET: a button, never the change itself (mail
// scanners follow links with GET).
func (p *Pages) showConfirmEmail(w http.ResponseWriter, r *http.Request) {
	p.showLink(w, r, "confirm-email.html", confirmEmailView())
}

// submitConfirmEmail handles POST (form: token).
func (p *Pages) submitConfirmEmail(w http.ResponseWriter, r *http.Request) {
	v := confirmEmailView()
	r.Body = http.MaxBytesReader(w, r.Body, p.maxBody)
	if err := r.ParseForm(); err != nil {
		v.Error = "The form could not be read. Try again."
		p.render(w, r, http.StatusBadRequest, "confirm-email.html", v)
		return
	}
	if err := checkFields(r.PostForm, "token"); err != nil {
		v.Error = auth.AsError(err).Message
		p.render(w, r, http.StatusBadRequest, "confirm-email.html", v)
		return
	}
	if err := p.svc.ConfirmEmailChange(r.Context(), auth.String(r.PostForm.Get("token")), auth.MetaFrom(r)); err != nil {
		status, msg := message(err)
		if errors.Is(err, &auth.Error{Code: auth.CodeRecordNotUnique}) {
			status, msg = http.StatusConflict, "This address belongs to another account now."
		}
		v.Error = msg
		p.render(w, r, status, "confirm-email.html", v)
		return
	}
	v.Done = "Your email address is changed. Sign in with it from now on."
	p.render(w, r, http.StatusOK, "confirm-email.html", v)
}
