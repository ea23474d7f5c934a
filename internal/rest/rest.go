// Package rest serves Gatehouse's Directus-compatible REST routes. Handlers
// are adapters: decode the request, call internal/auth, encode the answer.
package rest

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// Options configure the REST adapter.
type Options struct {
	MaxBody        int64         // MAX_PAYLOAD_SIZE in bytes
	RequestTimeout time.Duration // REQUEST_TIMEOUT: a deadline on each request's work
	JWKS           func() []byte // the public key set
	JWKSMaxAge     time.Duration // JWKS_MAX_AGE: how long verifiers may cache the key set; 0 = 60s
	Logger         *slog.Logger
}

// API holds the routes' shared dependencies.
type API struct {
	svc  *auth.Service
	opts Options
	log  *slog.Logger
}

// New returns the REST adapter: register its Routes on a mux beside the other
// surfaces, then put Wrap around the whole.
func New(svc *auth.Service, o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 20 * time.Second
	}
	if o.JWKSMaxAge < time.Second {
		o.JWKSMaxAge = time.Minute
	}
	return &API{svc: svc, opts: o, log: o.Logger}
}

// Routes registers every REST route on mux.
func (a *API) Routes(mux *http.ServeMux) {
	// Every route gets the edge check of its query string and path first.
	handle := func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, a.checkQuery(pattern, h)) }
	handle("POST /auth/login", a.login)
	handle("POST /auth/refresh", a.refresh)
	handle("POST /auth/logout", a.logout)
	handle("POST /auth/password/request", a.passwordRequest)
	handle("POST /auth/password/reset", a.passwordReset)
	handle("GET /auth", a.providers)
	handle("GET /auth/sessions", a.sessions)
	handle("GET /users/me", a.me)
	handle("PATCH /users/me", a.updateMe)
	handle("GET /users", a.listUsers)
	handle("POST /users", a.createUser)
	handle("GET /users/{id}", a.getUser)
	handle("PATCH /users/{id}", a.updateUser)
	handle("DELETE /users/{id}", a.deleteUser)
	handle("GET /roles", a.listRoles)
	handle("POST /roles", a.createRole)
	handle("POST /users/invite", a.invite)
	handle("POST /users/invite/accept", a.acceptInvite)
	handle("POST /users/register", a.register)
	handle("POST /users/email/confirm", a.confirmEmail)
	handle("POST /users/me/tfa/generate", a.tfaGenerate)
	handle("POST /users/me/tfa/enable", a.tfaEnable)
	handle("POST /users/me/tfa/disable", a.tfaDisable)
	handle("POST /users/me/tfa/recovery-codes", a.recoveryCodes)
	handle("GET /users/me/tfa/recovery-codes", a.recoveryCodesLeft)
	handle("POST /users/{id}/tfa/disable", a.tfaDisableFor)
	handle("GET /server/ping", a.ping)
	handle("GET /server/health", a.health)
	handle("GET /.well-known/jwks.json", a.jwks)
	handle("/", a.notFound)
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	a.fail(w, r, auth.RouteNotFound(r.URL.Path))
}
