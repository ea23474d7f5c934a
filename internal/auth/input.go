package auth

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"
)

// Value is one input field as a transport received it, so the service can give
// Directus's (Joi's) messages: absent, present but not a string, or a string.
type Value struct {
	Set       bool   // the field was present (JSON null counts as present)
	NotString bool   // present with a non-string type (null included)
	Null      bool   // present as JSON null
	Str       string // the string, when it is one
}

// NullValue builds a present-but-null Value.
func NullValue() Value { return Value{Set: true, NotString: true, Null: true} }

// String builds a present string Value.
func String(s string) Value { return Value{Set: true, Str: s} }

// OptString builds a Value that is absent when s is nil.
func OptString(s *string) Value {
	if s == nil {
		return Value{}
	}
	return String(*s)
}

// Edge limits on text inputs, in characters. Fields stored in a bounded
// column get that bound (a longer value would fail in the database, not in
// validation); the rest are far above any legitimate value but keep absurd
// ones out. Semantic limits (the password policy's 256, an email's syntax)
// still apply beneath these with their own messages.
const maxText = 4096

var maxTextFor = map[string]int{
	"email":        128, // users.email VARCHAR(128), as Directus's directus_users.email
	"first_name":   50,
	"last_name":    50,
	"name":         100,  // roles.name
	"password":     1024, // above the policy's 256, so that rule keeps its own message
	"access_token": 8192, // the longest token the verifier reads
}

// MaxTextLength is the edge limit for a field (snake_case or camelCase).
func MaxTextLength(name string) int {
	if n, ok := maxTextFor[snakeCase(name)]; ok {
		return n
	}
	return maxText
}

// CheckText is the one edge check every transport applies to every text
// input (REST bodies, query strings and path values, GraphQL arguments)
// before the service sees it: no NUL characters (PostgreSQL refuses them),
// valid UTF-8, and within MaxTextLength. U+FFFD counts as invalid UTF-8: it
// is what JSON decoders put in place of invalid bytes and lone surrogates,
// so refusing it refuses those, whichever decoder ran.
func CheckText(name, s string) error {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return InvalidPayload(fmt.Sprintf("%q must not contain NUL characters", name))
	case !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError):
		return InvalidPayload(fmt.Sprintf("%q must be valid UTF-8 text", name))
	}
	if limit := MaxTextLength(name); len(s) > limit && utf8.RuneCountInString(s) > limit {
		return InvalidPayload(fmt.Sprintf("%q length must be less than or equal to %d characters long", name, limit))
	}
	return nil
}

// CheckTexts applies CheckText to every string in v, a decoded JSON value:
// strings inside objects are named by their own key, strings inside arrays
// by the array's name. Keys are visited in sorted order, so the first error
// is the same on every request.
func CheckTexts(name string, v any) error {
	switch t := v.(type) {
	case string:
		return CheckText(name, t)
	case []any:
		for _, e := range t {
			if err := CheckTexts(name, e); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := CheckTexts(k, t[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// snakeCase maps GraphQL's camelCase argument names (firstName) onto the
// REST names the limits are keyed by (first_name).
func snakeCase(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// requireString is Joi's string().required() (empty strings not allowed).
func requireString(name string, v Value) error {
	switch {
	case !v.Set:
		return InvalidPayload(fmt.Sprintf("%q is required", name))
	case v.NotString:
		return InvalidPayload(fmt.Sprintf("%q must be a string", name))
	case v.Str == "":
		return InvalidPayload(fmt.Sprintf("%q is not allowed to be empty", name))
	}
	return nil
}

// optionalString is Joi's string() on an optional key.
func optionalString(name string, v Value) error {
	if v.Set && v.NotString {
		return InvalidPayload(fmt.Sprintf("%q must be a string", name))
	}
	return nil
}

// ValidEmail accepts a syntactically valid address with a dotted domain; no TLD
// list, so a@b.local passes (a deliberate difference from Directus's Joi).
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>\x00") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 {
		return false
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.HasPrefix(domain, "[") {
		return false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
	}
	return true
}
