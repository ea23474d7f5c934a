package auth

import (
	"fmt"
	"net/mail"
	"strings"
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
