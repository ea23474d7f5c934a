// Package httpio is the HTTP edge every transport shares: it reads request
// bodies (media type, MAX_PAYLOAD_SIZE, decode errors) and writes errors in
// Directus's envelope with their status. REST, both GraphQL endpoints and
// the middleware use it, so each of these rules is written once.
package httpio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// Body errors. Their messages are fixed: a decoder's own message can quote the
// body (which may hold a password) or name Go types.
var (
	// ErrTooLarge is the body over MAX_PAYLOAD_SIZE: 413 (see Status).
	ErrTooLarge = &auth.Error{Code: auth.CodeInvalidPayload, Message: "Invalid payload. Request entity too large.",
		Extensions: map[string]any{"reason": "Request entity too large"}}
	// ErrUnreadable is a body the connection failed to deliver.
	ErrUnreadable = auth.InvalidPayload("Could not read the request body")
	// ErrNotJSON is a body declared JSON that does not parse.
	ErrNotJSON = auth.InvalidPayload("The request body is not valid JSON")
	// ErrNotObject is JSON that is not an object (an array, a string, null…).
	ErrNotObject = auth.InvalidPayload(`"value" must be of type object`)
)

// Read reads r's body, at most max bytes (MAX_PAYLOAD_SIZE): ErrTooLarge
// past it, ErrUnreadable when the read fails.
func Read(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, ErrTooLarge
		}
		return nil, ErrUnreadable
	}
	return raw, nil
}

// IsJSON reports whether a Content-Type names JSON: application/json or any
// +json type, in any letter case (media types are case-insensitive), with
// or without parameters.
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType) // lower-cases the type
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Object decodes a JSON object, member by member. An empty body is {}.
func Object(raw []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, ErrNotObject
		}
		return nil, ErrNotJSON
	}
	if obj == nil { // the body was `null`
		return nil, ErrNotObject
	}
	return obj, nil
}
