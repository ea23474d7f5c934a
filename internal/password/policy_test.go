package password

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func policyType(err error) string {
	var pe *PolicyError
	if errors.As(err, &pe) {
		return pe.Type
	}
	if err != nil {
		return "not a *PolicyError: " + err.Error()
	}
	return ""
}

func TestPolicyLength(t *testing.T) {
	tests := []struct {
		name  string
		p     Policy
		plain string
		want  string
	}{
		{"default min 7", Policy{}, "abcdefg", "min_length"},
		{"default min 8", Policy{}, "abcdefgh", ""},
		{"8 two-byte runes", Policy{}, strings.Repeat("é", 8), ""},
		{"7 emoji (28 bytes)", Policy{}, strings.Repeat("😀", 7), "min_length"},
		{"15 é (30 bytes), min 15", Policy{MinLength: 15}, strings.Repeat("é", 15), ""},
		{"14 emoji (56 bytes), min 15", Policy{MinLength: 15}, strings.Repeat("😀", 14), "min_length"},
		{"default max 256", Policy{}, strings.Repeat("😀", 256), ""},
		{"default max 257", Policy{}, strings.Repeat("a", 257), "max_length"},
		{"max 10 code points", Policy{MaxLength: 10}, strings.Repeat("é", 10), ""},
		{"max 10, 11 code points", Policy{MaxLength: 10}, strings.Repeat("é", 11), "max_length"},
		{"10 000 chars", Policy{}, strings.Repeat("x", 10000), "max_length"},
		{"invalid UTF-8, 8 bytes", Policy{}, strings.Repeat("\xff", 8), ""},
		{"invalid UTF-8, 7 bytes", Policy{}, strings.Repeat("\xff", 7), "min_length"},
		{"composition not required", Policy{}, "all lowercase words here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policyType(tt.p.Check(tt.plain)); got != tt.want {
				t.Fatalf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPolicyCommon(t *testing.T) {
	p := Policy{CheckCommon: true}
	// All four are in zxcvbn's data/passwords.txt.
	for _, pw := range []string{"password123", "PassWord123", "12345678", "iloveyou1"} {
		if got := policyType(p.Check(pw)); got != "common" {
			t.Errorf("Check(%q) = %q, want common", pw, got)
		}
	}
	if err := p.Check("tangerine-bicycle-58"); err != nil {
		t.Errorf("uncommon password rejected: %v", err)
	}
	if err := (Policy{}).Check("password123"); err != nil {
		t.Errorf("CheckCommon=false still rejects: %v", err)
	}
	// The embedded list holds only lower-cased entries of 8+ characters.
	for _, l := range strings.Split(strings.TrimSpace(commonPasswords), "\n") {
		if len(l) < 8 || l != strings.ToLower(l) {
			t.Fatalf("bad list entry %q", l)
		}
	}
}

func TestParsePolicyRegex(t *testing.T) {
	re, err := ParsePolicyRegex("/^.{10,}$/")
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Regex: re}
	if err := p.Check("abcdefghij"); err != nil {
		t.Errorf("10 chars rejected: %v", err)
	}
	if got := policyType(p.Check("abcdefghi")); got != "regex" {
		t.Errorf("9 chars: %q, want regex", got)
	}

	// Unwrapped and unanchored, like JavaScript's RegExp.test.
	re, err = ParsePolicyRegex(`[0-9]`)
	if err != nil {
		t.Fatal(err)
	}
	if err := (Policy{Regex: re}).Check("abcdefg1h"); err != nil {
		t.Errorf("digit in the middle rejected: %v", err)
	}
	if got := policyType((Policy{Regex: re}).Check("abcdefgh")); got != "regex" {
		t.Errorf("no digit: %q, want regex", got)
	}

	if re, err := ParsePolicyRegex(""); re != nil || err != nil {
		t.Errorf(`ParsePolicyRegex("") = %v, %v; want nil, nil`, re, err)
	}
	if re, err := ParsePolicyRegex("/"); err != nil || re.String() != "/" {
		t.Errorf(`ParsePolicyRegex("/") = %v, %v`, re, err)
	}
	// RE2 has no lookahead: Directus's preset policy is a configuration error.
	if _, err := ParsePolicyRegex(`/(?=^.{8,}$)(?=.*\d).*$/`); err == nil {
		t.Error("lookahead accepted")
	}
}

func TestPolicyErrorHidesPassword(t *testing.T) {
	re, _ := ParsePolicyRegex("^never$")
	pw := rand.Text() // 26 random base32 characters
	cases := map[string]string{
		"min_length": pw[:5],
		"max_length": strings.Repeat(pw, 20),
		"regex":      pw,
	}
	for typ, plain := range cases {
		err := Policy{Regex: re}.Check(plain)
		if got := policyType(err); got != typ {
			t.Fatalf("Check = %q, want %q", got, typ)
		}
		if strings.Contains(err.Error(), plain) || strings.Contains(err.Error(), pw[:5]) {
			t.Fatalf("error %q contains the password", err)
		}
		if err.Error() != err.(*PolicyError).Reason {
			t.Fatalf("Error() = %q, Reason = %q", err.Error(), err.(*PolicyError).Reason)
		}
	}
	want := map[string]string{
		"min_length": "Value must be at least 8 characters long",
		"common":     "Value is too common",
		"regex":      "Value doesn't have the correct format",
	}
	for typ, plain := range map[string]string{"min_length": "x", "common": "password123", "regex": "abcdefghijk"} {
		err := Policy{Regex: re, CheckCommon: true}.Check(plain)
		if err == nil || err.Error() != want[typ] {
			t.Errorf("%s: Error() = %v, want %q", typ, err, want[typ])
		}
	}
}
