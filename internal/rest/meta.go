package rest

import (
	"net"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// meta describes the caller for audit rows and CSRF checks.
func meta(r *http.Request) auth.Meta {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return auth.Meta{IP: strings.TrimPrefix(ip, "::ffff:"), UserAgent: r.UserAgent(), Origin: r.Header.Get("Origin")}
}

// identify authenticates the request's access token. A session cookie that
// fails as invalid is cleared in the same response.
func (a *API) identify(w http.ResponseWriter, r *http.Request) (*auth.Accountability, error) {
	cred, err := a.svc.CredentialFrom(r)
	if err != nil {
		return nil, err
	}
	acc, err := a.svc.Authenticate(r.Context(), cred, meta(r))
	if err != nil && auth.ClearsSessionCookie(cred, err) {
		http.SetCookie(w, a.svc.Settings().SessionCookie.Clear())
	}
	return acc, err
}
