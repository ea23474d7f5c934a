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
	return &API{svc: svc, opts: o, log: o.Logger}
}

// Routes registers every REST route on mux.
func (a *API) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /auth/login", a.login)
	mux.HandleFunc("POST /auth/refresh", a.refresh)
	mux.HandleFunc("POST /auth/logout", a.logout)
	mux.HandleFunc("POST /auth/password/request", a.passwordRequest)
	mux.HandleFunc("POST /auth/password/reset", a.passwordReset)
	mux.HandleFunc("GET /auth", a.providers)
	mux.HandleFunc("GET /auth/sessions", a.sessions)
	mux.HandleFunc("GET /users/me", a.me)
	mux.HandleFunc("PATCH /users/me", a.updateMe)
	mux.HandleFunc("GET /users", a.listUsers)
	mux.HandleFunc("POST /users", a.createUser)
	mux.HandleFunc("GET /users/{id}", a.getUser)
	mux.HandleFunc("PATCH /users/{id}", a.updateUser)
	mux.HandleFunc("DELETE /users/{id}", a.deleteUser)
	mux.HandleFunc("GET /roles", a.listRoles)
	mux.HandleFunc("POST /roles", a.createRole)
	mux.HandleFunc("POST /users/invite", a.invite)
	mux.HandleFunc("POST /users/invite/accept", a.acceptInvite)
	mux.HandleFunc("POST /users/register", a.register)
	mux.HandleFunc("GET /users/register/verify-email", a.verifyEmail)
	mux.HandleFunc("POST /users/email/confirm", a.confirmEmail)
	mux.HandleFunc("POST /users/me/tfa/generate", a.tfaGenerate)
	mux.HandleFunc("POST /users/me/tfa/enable", a.tfaEnable)
	mux.HandleFunc("POST /users/me/tfa/disable", a.tfaDisable)
	mux.HandleFunc("POST /users/me/tfa/recovery-codes", a.recoveryCodes)
	mux.HandleFunc("GET /users/me/tfa/recovery-codes", a.recoveryCodesLeft)
	mux.HandleFunc("POST /users/{id}/tfa/disable", a.tfaDisableFor)
	mux.HandleFunc("GET /server/ping", a.ping)
	mux.HandleFunc("GET /server/health", a.health)
	mux.HandleFunc("GET /.well-known/jwks.json", a.jwks)
	mux.HandleFunc("/", a.notFound)
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	a.fail(w, r, auth.RouteNotFound(r.URL.Path))
}
