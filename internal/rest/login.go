package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /auth/login {email, password, mode?, otp?}
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	b, err := a.decode(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t, err := a.svc.Login(r.Context(), auth.LoginInput{
		Email: b.value("email"), Password: b.value("password"), Mode: b.value("mode"), OTP: b.value("otp"),
	}, meta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.tokens(w, t)
}

// tokens writes a login or refresh result in the mode's shape.
func (a *API) tokens(w http.ResponseWriter, t auth.Tokens) {
	if c := a.svc.Cookie(t); c != nil {
		http.SetCookie(w, c)
	}
	out := map[string]any{"expires": t.ExpiresMS()}
	access, refresh := t.Visible()
	if access != nil {
		out["access_token"] = *access
	}
	if refresh != nil {
		out["refresh_token"] = *refresh
	}
	data(w, out)
}
