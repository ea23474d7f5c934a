package pages

import (
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// verifyPath is where registration mails link to (Directus's path). Unlike
// Directus, a GET only shows a button: mail scanners and link previews follow
// GETs, and must not verify an account on the mailbox owner's behalf.
const verifyPath = "/users/register/verify-email"

const (
	verifyTitle = "Verify your email address"
	verifyIntro = "Confirm that this is your email address to activate your account. " +
		"If you did not register, close this page."
	verifyDone = "Your email address is verified. You can now sign in."
)

// showVerify handles GET: the button. It never spends the token.
func (p *Pages) showVerify(w http.ResponseWriter, r *http.Request) {
	p.showLink(w, r, "password.html", view{Title: verifyTitle, Intro: verifyIntro, Action: verifyPath, Button: "Verify my email address"})
}

// submitVerify handles POST (form: token).
func (p *Pages) submitVerify(w http.ResponseWriter, r *http.Request) {
	v := view{Title: verifyTitle}
	r.Body = http.MaxBytesReader(w, r.Body, p.maxBody)
	if err := r.ParseForm(); err != nil {
		v.Error = "The form could not be read. Try again."
		p.render(w, r, http.StatusBadRequest, "password.html", v)
		return
	}
	if err := checkFields(r.PostForm, "token"); err != nil {
		v.Error = auth.AsError(err).Message
		p.render(w, r, http.StatusBadRequest, "password.html", v)
		return
	}
	if err := p.svc.VerifyEmail(r.Context(), r.PostForm.Get("token"), auth.MetaFrom(r)); err != nil {
		status, msg := message(err)
		if e := auth.AsError(err); e.Code == auth.CodeInvalidPayload && !errors.Is(err, auth.ErrInvalidToken) {
			msg = "This link has already been used, or a newer one replaced it." // Directus's "Invalid verification code"
		}
		v.Error = msg
		p.render(w, r, status, "password.html", v)
		return
	}
	v.Done = verifyDone
	p.render(w, r, http.StatusOK, "password.html", v)
}
