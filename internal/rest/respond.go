package rest

import (
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// fail writes err in Directus's error shape (httpio, shared with GraphQL).
// Internal causes are logged, never sent.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := auth.AsError(err)
	switch status := httpio.Status(e); {
	case status == http.StatusInternalServerError:
		a.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", errors.Unwrap(e))
	case status == http.StatusServiceUnavailable && errors.Unwrap(e) != nil:
		a.log.WarnContext(r.Context(), "request refused: a dependency is unavailable", "method", r.Method, "path", r.URL.Path, "err", errors.Unwrap(e))
	}
	httpio.WriteError(w, e)
}

// data writes {"data": v} with 200.
func data(w http.ResponseWriter, v any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": v})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	httpio.WriteJSON(w, status, httpio.JSON, v)
}

func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }
