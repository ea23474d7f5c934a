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
	t, cookies, err := a.svc.LoginHTTP(r.Context(), r, auth.LoginInput{
		Email: b.value("email"), Password: b.value("password"), Mode: b.value("mode"), OTP: b.value("otp"),
	})
	a.tokens(w, r, t, cookies, err)
}

// tokens writes a login or refresh result in the mode's shape.
func (a *API) tokens(w http.ResponseWriter, r *http.Request, t auth.Tokens, cookies []*http.Cookie, err error) {
	setCookies(w, cookies)
	if err != nil {
		a.fail(w, r, err)
		return
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

func setCookies(w http.ResponseWriter, cs []*http.Cookie) {
	for _, c := range cs {
		http.SetCookie(w, c)
	}
}
