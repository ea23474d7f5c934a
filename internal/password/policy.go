package password

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Policy holds the rules for setting a password. Login does not apply it:
// a user whose password predates a stricter policy must still get in.
type Policy struct {
	MinLength   int            // code points; 0 means 8
	MaxLength   int            // code points; 0 means 256
	Regex       *regexp.Regexp // optional AUTH_PASSWORD_POLICY
	CheckCommon bool           // reject entries of the shipped common-password list (case-insensitive)
}

// PolicyError says which rule failed. It never contains the password, so it
// is safe to return to clients and to log.
type PolicyError struct {
	Type   string // "min_length", "max_length", "common", "regex"
	Reason string // e.g. "Value must be at least 8 characters long"
}

// Error returns Reason.
func (e *PolicyError) Error() string { return e.Reason }

// Check returns nil or a *PolicyError. Lengths count Unicode code points, not
// bytes (NIST 800-63B); each invalid UTF-8 byte counts as one. The maximum is
// checked before the list and regex so huge inputs are rejected cheaply.
func (p Policy) Check(plain string) error {
	minLen, maxLen := p.MinLength, p.MaxLength
	if minLen <= 0 {
		minLen = 8
	}
	if maxLen <= 0 {
		maxLen = 256
	}
	// Counting stops early past maxLen: a 10 MB body costs no more than 256 runes.
	n := 0
	for i := 0; i < len(plain) && n <= maxLen; n++ {
		_, size := utf8.DecodeRuneInString(plain[i:])
		i += size
	}
	switch {
	case n > maxLen:
		return &PolicyError{Type: "max_length", Reason: fmt.Sprintf("Value must be at most %d characters long", maxLen)}
	case n < minLen:
		return &PolicyError{Type: "min_length", Reason: fmt.Sprintf("Value must be at least %d characters long", minLen)}
	case p.CheckCommon && isCommon(plain):
		return &PolicyError{Type: "common", Reason: "Value is too common"}
	case p.Regex != nil && !p.Regex.MatchString(plain):
		return &PolicyError{Type: "regex", Reason: "Value doesn't have the correct format"}
	}
	return nil
}

// ParsePolicyRegex compiles an AUTH_PASSWORD_POLICY value in Directus's
// format: a regex, optionally wrapped in /.../ (slashes stripped; flags are
// not supported). Like Directus's RegExp.test it matches anywhere unless
// anchored. Go's RE2 syntax has no lookahead, so Directus's preset policies
// built from (?=...) do not compile and return an error. An empty string
// returns (nil, nil): no policy.
func ParsePolicyRegex(s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) >= 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/") {
		s = s[1 : len(s)-1]
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("password: invalid policy regex: %w", err)
	}
	return re, nil
}
