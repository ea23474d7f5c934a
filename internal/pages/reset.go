package pages

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// form describes one set-a-password page: the reset page and the invite page.
type form struct {
	path, title, intro, done string
	submit                   func(ctx context.Context, token, password string, m auth.Meta) error
}

func (p *Pages) forms() []form {
	return []form{
		{path: "/admin/reset-password", title: "Reset your password", intro: "Choose a new password.",
			done: "Your password has been changed. You can now sign in with it.",
			submit: func(ctx context.Context, tok, pw string, m auth.Meta) error {
				return p.svc.ResetPassword(ctx, auth.ResetInput{Token: auth.String(tok), Password: auth.String(pw)}, m)
			}},
		{path: "/admin/accept-invite", title: "Accept your invitation", intro: "Choose a password for your new account.",
			done: "Your account is ready. You can now sign in.",
			submit: func(ctx context.Context, tok, pw string, m auth.Meta) error {
				return p.svc.AcceptInvite(ctx, auth.String(tok), auth.String(pw), m)
			}},
	}
}

// show handles GET: the form. It never spends the token: mail scanners
// follow links with GET.
func (p *Pages) show(f form) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.showLink(w, r, "password.html", view{Title: f.title, Intro: f.intro, Action: f.path})
	}
}

// submit handles POST (form: token, password, confirm).
func (p *Pages) submit(f form) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := view{Title: f.title, Intro: f.intro, Action: f.path}
		r.Body = http.MaxBytesReader(w, r.Body, p.maxBody)
		if err := r.ParseForm(); err != nil {
			v.Error = "The form could not be read. Try again."
			p.render(w, r, http.StatusBadRequest, "password.html", v)
			return
		}
		if err := checkFields(r.PostForm, "token", "password", "confirm"); err != nil {
			v.Error = auth.AsError(err).Message
			p.render(w, r, http.StatusBadRequest, "password.html", v)
			return
		}
		tok, pw := r.PostForm.Get("token"), r.PostForm.Get("password")
		if pw != r.PostForm.Get("confirm") {
			v.Token, v.Error = tok, "The two passwords do not match."
			p.render(w, r, http.StatusBadRequest, "password.html", v)
			return
		}
		if err := f.submit(r.Context(), tok, pw, auth.MetaFrom(r)); err != nil {
			status, msg := message(err)
			v.Error = msg
			if status == http.StatusBadRequest {
				v.Token = tok // a policy failure leaves the token usable: let them try again
			}
			p.render(w, r, status, "password.html", v)
			return
		}
		v.Done = f.done
		p.render(w, r, http.StatusOK, "password.html", v)
	}
}

// verified is where the email-verification link lands.
func (p *Pages) verified(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "password.html", view{Title: "Email verified", Done: "Your email address is verified. You can now sign in."})
}
