package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// statusOf maps Directus error codes to HTTP statuses: the one place REST
// decides a status for an error.
func statusOf(e *auth.Error) int {
	if e == errTooLarge {
		return http.StatusRequestEntityTooLarge
	}
	switch e.Code {
	case auth.CodeInvalidCredentials, auth.CodeInvalidOTP, auth.CodeUserSuspended, auth.CodeTokenExpired:
		return http.StatusUnauthorized
	case auth.CodeInvalidToken, auth.CodeForbidden:
		return http.StatusForbidden
	case auth.CodeInvalidPayload, auth.CodeInvalidQuery, auth.CodeFailedValidation, auth.CodeRecordNotUnique, auth.CodeInvalidInvite:
		return http.StatusBadRequest
	case auth.CodeRouteNotFound:
		return http.StatusNotFound
	case auth.CodeRequestsExceeded:
		return http.StatusTooManyRequests
	case auth.CodeServiceUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// fail writes err in Directus's error shape. Internal causes are logged,
// never sent.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := auth.AsError(err)
	status := statusOf(e)
	switch {
	case status == http.StatusInternalServerError:
		a.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", errors.Unwrap(e))
	case status == http.StatusServiceUnavailable && errors.Unwrap(e) != nil:
		a.log.WarnContext(r.Context(), "request refused: a dependency is unavailable", "method", r.Method, "path", r.URL.Path, "err", errors.Unwrap(e))
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds()))
	}
	ext := make(map[string]any, len(e.Extensions)+1)
	for k, v := range e.Extensions {
		ext[k] = v
	}
	ext["code"] = e.Code
	writeJSON(w, status, errorBody{Errors: []errorItem{{Message: e.Message, Extensions: ext}}})
}

// data writes {"data": v} with 200.
func data(w http.ResponseWriter, v any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": v})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError,
			[]byte(`{"errors":[{"message":"An unexpected error occurred.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }
