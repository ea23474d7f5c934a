package pages

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// GET /admin/reset-password?token=… shows the form. It never spends the
// token: mail scanners follow links with GET.
func (p *Pages) resetForm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		p.render(w, http.StatusBadRequest, "reset.html", view{Error: "This link is incomplete. Open the link from your email again."})
		return
	}
	p.render(w, http.StatusOK, "reset.html", view{Token: tok})
}

// POST /admin/reset-password (form: token, password, confirm) sets the password.
func (p *Pages) resetSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, p.maxBody)
	if err := r.ParseForm(); err != nil {
		p.render(w, http.StatusBadRequest, "reset.html", view{Error: "The form could not be read. Try again."})
		return
	}
	tok, pw := r.PostForm.Get("token"), r.PostForm.Get("password")
	if pw != r.PostForm.Get("confirm") {
		p.render(w, http.StatusBadRequest, "reset.html", view{Token: tok, Error: "The two passwords do not match."})
		return
	}
	err := p.svc.ResetPassword(r.Context(), auth.ResetInput{Token: auth.String(tok), Password: auth.String(pw)}, auth.MetaFrom(r))
	if err != nil {
		status, msg := message(err)
		v := view{Error: msg}
		if status == http.StatusBadRequest {
			v.Token = tok // a policy failure leaves the token usable: let them try again
		}
		p.render(w, status, "reset.html", v)
		return
	}
	p.render(w, http.StatusOK, "reset.html", view{Done: true})
}
