package rest

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// POST /auth/login {email, password, mode?, otp?}
func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	b, err := a.decode(w, r)
	if err != nil {
		return err
	}
	t, cookies, err := a.svc.LoginHTTP(r.Context(), r, auth.LoginInput{
		Email: b.value("email"), Password: b.value("password"), Mode: b.value("mode"), OTP: b.value("otp"),
	})
	return tokens(w, t, cookies, err)
}

// tokens writes a login or refresh result in the mode's shape. The cookies
// are set even when err is returned (a failed refresh clears its cookie).
func tokens(w http.ResponseWriter, t auth.Tokens, cookies []*http.Cookie, err error) error {
	setCookies(w, cookies)
	if err != nil {
		return err
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
	return nil
}

func setCookies(w http.ResponseWriter, cs []*http.Cookie) {
	for _, c := range cs {
		http.SetCookie(w, c)
	}
}
