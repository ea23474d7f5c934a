package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// body is a decoded JSON object, field by field.
type body map[string]json.RawMessage

// decode reads a JSON object body within MAX_PAYLOAD_SIZE (httpio, shared
// with GraphQL). As Directus (express.json) does, a body that is not
// declared JSON reads as {}.
func (a *API) decode(w http.ResponseWriter, r *http.Request) (body, error) {
	raw, err := httpio.Read(w, r, a.opts.MaxBody)
	if err != nil {
		return nil, err
	}
	if !httpio.IsJSON(r.Header.Get("Content-Type")) {
		return body{}, nil
	}
	obj, err := httpio.Object(raw)
	if err != nil {
		return nil, err
	}
	b := body(obj)
	if err := b.checkTexts(); err != nil {
		return nil, err
	}
	if !utf8.Valid(raw) { // only a key can get here: every value passed checkTexts
		return nil, auth.InvalidPayload("The request body is not valid UTF-8")
	}
	return b, nil
}

// checkTexts is the edge check (auth.CheckText) on every string in the body,
// named by its field. The decoder has turned invalid UTF-8 and lone
// surrogates into U+FFFD, which CheckText refuses.
func (b body) checkTexts() error {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := b[k]
		if len(raw) == 0 || (raw[0] != '"' && raw[0] != '[' && raw[0] != '{') {
			continue // numbers, booleans, null: no text
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue // cannot happen: the whole body decoded
		}
		if err := auth.CheckTexts(k, v); err != nil {
			return err
		}
	}
	return nil
}

// checkQuery is the same edge check on a REST route's query string and path
// wildcards, so no handler sees a NUL, invalid UTF-8 or an absurd length.
func checkQuery(pattern string, next handler) handler {
	var wildcards []string
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		wildcards = append(wildcards, strings.TrimSuffix(rest[i+1:i+j], "..."))
		rest = rest[i+j+1:]
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := queryTexts(r, wildcards); err != nil {
			return err
		}
		return next(w, r)
	}
}

func queryTexts(r *http.Request, wildcards []string) error {
	for _, name := range wildcards {
		if err := auth.CheckText(name, r.PathValue(name)); err != nil {
			return err
		}
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := auth.CheckText("query", k); err != nil {
			return err
		}
		for _, v := range q[k] {
			if err := auth.CheckText(k, v); err != nil {
				return err
			}
		}
	}
	return nil
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
