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
	OpenAPI        []byte        // GET /server/specs/oas (api.Document)
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
	for _, rt := range a.routes() {
		// Every route gets the edge check of its query string and path first.
		mux.HandleFunc(rt.pattern, a.handle(checkQuery(rt.pattern, rt.h)))
	}
	mux.HandleFunc("/", a.handle(checkQuery("/", a.notFound)))
}

// RoutePatterns lists the patterns Routes registers besides the catch-all
// "/" (api/openapi.yaml must describe each: a test holds them together).
func RoutePatterns() []string {
	var out []string
	for _, rt := range (&API{}).routes() {
		out = append(out, rt.pattern)
	}
	return out
}

// handler is a route's work: it writes the answer, or returns the error for
// handle to write, so the error shape and logging live in one place.
type handler func(w http.ResponseWriter, r *http.Request) error

// callerHandler is a route that needs an authenticated caller.
type callerHandler func(w http.ResponseWriter, r *http.Request, acc *auth.Accountability) error

// handle adapts a handler to net/http, writing a returned error with fail.
func (a *API) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.fail(w, r, err)
		}
	}
}

// authenticated resolves the caller before h runs; a request without a
// valid one is refused (Identify's error) and h never sees it.
func (a *API) authenticated(h callerHandler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		acc, clear, err := a.svc.Identify(r.Context(), r)
		if clear != nil {
			http.SetCookie(w, clear)
		}
		if err != nil {
			return err
		}
		return h(w, r, acc)
	}
}

type route struct {
	pattern string
	h       handler
}

func (a *API) routes() []route {
	public := []route{
		{"POST /auth/login", a.login},
		{"POST /auth/refresh", a.refresh},
		{"POST /auth/logout", a.logout},
		{"POST /auth/password/request", a.passwordRequest},
		{"POST /auth/password/reset", a.passwordReset},
		{"GET /auth", a.providers},
		{"POST /users/invite/accept", a.acceptInvite},
		{"POST /users/register", a.register},
		{"POST /users/email/confirm", a.confirmEmail},
		{"GET /server/ping", a.ping},
		{"GET /server/health", a.health},
		{"GET /server/specs/oas", a.openAPI},
		{"GET /.well-known/jwks.json", a.jwks},
	}
	withCaller := []struct {
		pattern string
		h       callerHandler
	}{
		{"GET /auth/sessions", a.sessions},
		{"GET /users/me", a.me},
		{"PATCH /users/me", a.updateMe},
		{"GET /users", a.listUsers},
		{"POST /users", a.createUser},
		{"GET /users/{id}", a.getUser},
		{"PATCH /users/{id}", a.updateUser},
		{"DELETE /users/{id}", a.deleteUser},
		{"GET /roles", a.listRoles},
		{"POST /roles", a.createRole},
		{"POST /users/invite", a.invite},
		{"POST /users/me/tfa/generate", a.tfaGenerate},
		{"POST /users/me/tfa/enable", a.tfaEnable},
		{"POST /users/me/tfa/disable", a.tfaDisable},
		{"POST /users/me/tfa/recovery-codes", a.recoveryCodes},
		{"GET /users/me/tfa/recovery-codes", a.recoveryCodesLeft},
		{"POST /users/{id}/tfa/disable", a.tfaDisableFor},
	}
	for _, rt := range withCaller {
		public = append(public, route{rt.pattern, a.authenticated(rt.h)})
	}
	return public
}

func (a *API) notFound(_ http.ResponseWriter, r *http.Request) error {
	return auth.RouteNotFound(r.URL.Path)
}
