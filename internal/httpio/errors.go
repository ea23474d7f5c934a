package httpio

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// JSON is the media type of every error this package writes, unless a
// GraphQL client negotiated another.
const JSON = "application/json; charset=utf-8"

// Status maps an error to its HTTP status: the one table for every
// transport.
func Status(e *auth.Error) int {
	if e == ErrTooLarge {
		return http.StatusRequestEntityTooLarge
	}
	switch e.Code {
	case auth.CodeInvalidCredentials, auth.CodeInvalidOTP, auth.CodeUserSuspended, auth.CodeTokenExpired:
		return http.StatusUnauthorized
	case auth.CodeInvalidToken, auth.CodeForbidden:
		return http.StatusForbidden
	case auth.CodeInvalidPayload, auth.CodeInvalidQuery, auth.CodeFailedValidation, auth.CodeRecordNotUnique,
		auth.CodeInvalidInvite, auth.CodeGraphQLValidation:
		return http.StatusBadRequest
	case auth.CodeRouteNotFound:
		return http.StatusNotFound
	case auth.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case auth.CodeRequestsExceeded:
		return http.StatusTooManyRequests
	case auth.CodeServiceUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Item is one error as Directus shows it: message and extensions, with the
// code among the extensions. Causes are never shown.
type Item struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// ItemOf shapes e for the envelope.
func ItemOf(e *auth.Error) Item {
	ext := make(map[string]any, len(e.Extensions)+1)
	for k, v := range e.Extensions {
		ext[k] = v
	}
	ext["code"] = e.Code
	return Item{Message: e.Message, Extensions: ext}
}

// WriteError writes err (any error: see auth.AsError) in Directus's envelope
// with its status, as JSON.
func WriteError(w http.ResponseWriter, err error) {
	e := auth.AsError(err)
	WriteErrorAs(w, Status(e), JSON, e)
}

// WriteErrorAs writes errs in Directus's envelope, {"errors":[…]}, with
// status and contentType (a GraphQL client may have asked for
// application/graphql-response+json), and the headers the errors call for:
// Retry-After for a limit, Allow for a refused method.
func WriteErrorAs(w http.ResponseWriter, status int, contentType string, errs ...*auth.Error) {
	items := make([]Item, len(errs))
	h := w.Header()
	for i, e := range errs {
		items[i] = ItemOf(e)
		if e.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds()))
		}
		if allowed, ok := e.Extensions["allowed"].([]string); ok && e.Code == auth.CodeMethodNotAllowed {
			h.Set("Allow", strings.Join(allowed, ", "))
		}
	}
	WriteJSON(w, status, contentType, envelope{Errors: items})
}

// WriteJSON writes v as JSON with status. A value that cannot be encoded
// (never in practice) becomes a 500.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, contentType = http.StatusInternalServerError, JSON
		b, _ = json.Marshal(envelope{Errors: []Item{ItemOf(auth.ErrInternal)}})
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type envelope struct {
	Errors []Item `json:"errors"`
}
