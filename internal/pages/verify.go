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
	p.submitButton(w, r, view{Title: verifyTitle}, verifyDone,
		func(tok string) error { return p.svc.VerifyEmail(r.Context(), tok, auth.MetaFrom(r)) },
		func(err error) (int, string) {
			status, msg := message(err)
			if e := auth.AsError(err); e.Code == auth.CodeInvalidPayload && !errors.Is(err, auth.ErrInvalidToken) {
				msg = "This link has already been used, or a newer one replaced it." // Directus's "Invalid verification code"
			}
			return status, msg
		})
}
