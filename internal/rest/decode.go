package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/auth"
)

var errTooLarge = &auth.Error{Code: auth.CodeInvalidPayload, Message: "Invalid payload. Request entity too large.",
	Extensions: map[string]any{"reason": "Request entity too large"}}

// body is a decoded JSON object, field by field.
type body map[string]json.RawMessage

// decode reads a JSON object body within MAX_PAYLOAD_SIZE. As Directus
// (express.json) does, a body that is not declared JSON reads as {}.
func (a *API) decode(w http.ResponseWriter, r *http.Request) (body, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, auth.InvalidPayload("Could not read the request body")
	}
	if !isJSON(r.Header.Get("Content-Type")) || len(bytes.TrimSpace(raw)) == 0 {
		return body{}, nil
	}
	if !utf8.Valid(raw) {
		return nil, auth.InvalidPayload("The request body is not valid UTF-8")
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, auth.InvalidPayload(`"value" must be of type object`)
		}
		return nil, auth.InvalidPayload(parserMessage(err))
	}
	if b == nil { // the body was `null`
		return nil, auth.InvalidPayload(`"value" must be of type object`)
	}
	return b, nil
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// parserMessage makes a JSON syntax error read like a sentence.
func parserMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	msg = strings.TrimSuffix(msg, ".")
	if msg == "" {
		return "Malformed JSON"
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// value reads one field for the service's validation.
func (b body) value(name string) auth.Value {
	raw, ok := b[name]
	if !ok {
		return auth.Value{}
	}
	var s string
	if string(raw) == "null" {
		return auth.NullValue()
	}
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return auth.Value{Set: true, NotString: true}
	}
	return auth.String(s)
}

// proof reads the re-authentication fields (auth.Proof).
func (b body) proof() auth.Proof {
	return auth.Proof{CurrentPassword: b.value("current_password"), OTP: b.value("otp")}
}

// truthy reads a field as JavaScript would test it: "" for absent or falsy,
// the string for a string, and a placeholder for any other truthy value
// (which then fails as an unknown mode or token).
func (b body) truthy(name string) string {
	raw, ok := b[name]
	if !ok {
		return ""
	}
	switch t := strings.TrimSpace(string(raw)); t {
	case "null", "false", "0", `""`, "-0":
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return "\x00" + string(raw)
}

// only reports the first key outside allowed, as Joi's `"foo" is not allowed`.
func (b body) only(allowed ...string) error {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return auth.InvalidPayload(fmt.Sprintf("%q is not allowed", k))
		}
	}
	return nil
}

// boolean reads an optional JSON boolean: nil when absent or not a boolean.
func (b body) boolean(name string) *bool {
	var v bool
	if raw, ok := b[name]; ok && json.Unmarshal(raw, &v) == nil {
		return &v
	}
	return nil
}
