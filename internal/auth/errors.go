package auth

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/ratelimit"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Error is a failure the caller may see: a Directus error code, its message and
// extensions. Transports map Code to a status in one place each.
type Error struct {
	Code       string
	Message    string
	Extensions map[string]any // besides "code"; nil when none
	RetryAfter time.Duration  // for REQUESTS_EXCEEDED: the Retry-After header
	cause      error          // for logs only, never shown
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, at least 1.
func (e *Error) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// CodeRequestsExceeded is Directus's 429.
const CodeRequestsExceeded = "REQUESTS_EXCEEDED"

// RequestsExceeded is Directus's 429 for a tripped limiter.
func RequestsExceeded(res ratelimit.Result, now time.Time) *Error {
	wait := res.RetryAfter(now)
	reset := res.Reset
	if reset.IsZero() {
		reset = now
	}
	return &Error{Code: CodeRequestsExceeded,
		Message:    "Too many requests, retry after " + ratelimit.FormatMS(wait.Milliseconds()) + ".",
		Extensions: map[string]any{"limit": res.Limit, "reset": reset.UTC().Format("2006-01-02T15:04:05.000Z07:00")},
		RetryAfter: wait}
}

func (e *Error) Error() string { return e.Message }

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.cause }

// Is matches errors by code, so errors.Is(err, ErrInvalidCredentials) works for
// every instance carrying that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Directus error codes.
const (
	CodeInvalidCredentials = "INVALID_CREDENTIALS"
	CodeInvalidOTP         = "INVALID_OTP"
	CodeUserSuspended      = "USER_SUSPENDED"
	CodeTokenExpired       = "TOKEN_EXPIRED"
	CodeInvalidToken       = "INVALID_TOKEN"
	CodeForbidden          = "FORBIDDEN"
	CodeInvalidPayload     = "INVALID_PAYLOAD"
	CodeInvalidQuery       = "INVALID_QUERY"
	CodeServiceUnavailable = "SERVICE_UNAVAILABLE"
	CodeRouteNotFound      = "ROUTE_NOT_FOUND"
	CodeInternal           = "INTERNAL_SERVER_ERROR"
	CodeFailedValidation   = "FAILED_VALIDATION"
	CodeRecordNotUnique    = "RECORD_NOT_UNIQUE"
	CodeInvalidInvite      = "INVALID_INVITE"
	CodeMethodNotAllowed   = "METHOD_NOT_ALLOWED"
	CodeGraphQLValidation  = "GRAPHQL_VALIDATION"
)

// Fixed errors. Compare with errors.Is.
var (
	ErrInvalidCredentials = &Error{Code: CodeInvalidCredentials, Message: "Invalid user credentials."}
	ErrInvalidOTP         = &Error{Code: CodeInvalidOTP, Message: "Invalid user OTP."}
	ErrUserSuspended      = &Error{Code: CodeUserSuspended, Message: "User suspended."}
	ErrTokenExpired       = &Error{Code: CodeTokenExpired, Message: "Token expired."}
	ErrInvalidToken       = &Error{Code: CodeInvalidToken, Message: "Invalid token."}
	ErrForbidden          = &Error{Code: CodeForbidden, Message: "You don't have permission to access this."}
	ErrInternal           = &Error{Code: CodeInternal, Message: "An unexpected error occurred."}
)

// InvalidPayload is Directus's 400 with a reason, e.g. `"email" is required`.
func InvalidPayload(reason string) *Error {
	return &Error{Code: CodeInvalidPayload, Message: "Invalid payload. " + reason + ".",
		Extensions: map[string]any{"reason": reason}}
}

// InvalidQuery is Directus's 400 for a bad query string.
func InvalidQuery(reason string) *Error {
	return &Error{Code: CodeInvalidQuery, Message: "Invalid query. " + reason + ".",
		Extensions: map[string]any{"reason": reason}}
}

// ForbiddenReason is FORBIDDEN with Directus's reason text as the message.
func ForbiddenReason(reason string) *Error {
	return &Error{Code: CodeForbidden, Message: reason, Extensions: map[string]any{"reason": reason}}
}

// ServiceUnavailable is Directus's 503 for a named service.
func ServiceUnavailable(service, reason string) *Error {
	return &Error{Code: CodeServiceUnavailable,
		Message:    fmt.Sprintf("Service %q is unavailable. %s.", service, reason),
		Extensions: map[string]any{"service": service, "reason": reason}}
}

// MethodNotAllowed is Directus's 405: the method used and those allowed
// (the Allow header).
func MethodNotAllowed(current string, allowed ...string) *Error {
	quoted := make([]string, len(allowed))
	for i, m := range allowed {
		quoted[i] = fmt.Sprintf("%q", m)
	}
	return &Error{Code: CodeMethodNotAllowed,
		Message:    fmt.Sprintf("Invalid method %q used. Should be one of %s.", current, strings.Join(quoted, ", ")),
		Extensions: map[string]any{"allowed": allowed, "current": current}}
}

// RouteNotFound is Directus's 404 for an unknown route.
func RouteNotFound(path string) *Error {
	return &Error{Code: CodeRouteNotFound, Message: fmt.Sprintf("Route %s doesn't exist.", path),
		Extensions: map[string]any{"path": path}}
}

// internal wraps an unexpected failure: callers see INTERNAL_SERVER_ERROR,
// logs see the cause.
func internal(cause error) *Error {
	if store.IsUnavailable(cause) {
		e := ServiceUnavailable("database", "The database is unreachable, try again shortly")
		e.cause = cause
		return e
	}
	return &Error{Code: CodeInternal, Message: ErrInternal.Message, cause: cause}
}

// AsError turns any error into an *Error; unknown ones become internal errors.
func AsError(err error) *Error {
	if err == nil {
		return ErrInternal
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return internal(err)
}
