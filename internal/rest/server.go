package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// GET /server/ping → pong
func (a *API) ping(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("pong"))
	return nil
}

// GET /server/health → 200 {"status":"ok"} while the database answers, else 503.
func (a *API) health(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, body := http.StatusOK, `{"status":"ok"}`
	if err := a.svc.Ping(ctx); err != nil {
		a.log.WarnContext(r.Context(), "health check: database unreachable", "err", err)
		status, body = http.StatusServiceUnavailable, `{"status":"error"}`
	}
	w.Header().Set("Content-Type", "application/health+json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
	return nil
}

// GET /auth → no SSO providers.
func (a *API) providers(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{}, "disableDefault": false})
	return nil
}

// GET /.well-known/jwks.json → the public keys that verify our tokens. The
// max-age is part of rotation: a key is published at least this long before
// it signs, so a verifier refetching when it expires always has it.
func (a *API) jwks(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(a.opts.JWKSMaxAge/time.Second), 10))
	_, _ = w.Write(a.opts.JWKS())
	return nil
}

// GET /server/specs/oas → the OpenAPI document of these routes (Directus's path).
func (a *API) openAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(a.opts.OpenAPI)
	return nil
}
