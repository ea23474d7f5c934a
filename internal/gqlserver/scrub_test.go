package gqlserver

import "testing"

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		`String cannot represent a non string value: 12345678`:               `String cannot represent a non string value.`,
		`Int cannot represent non-integer value: "hunter2"`:                  `Int cannot represent non-integer value.`,
		`Enum "AuthMode" cannot represent non-enum value: "hunter2: x".`:     `Enum "AuthMode" cannot represent non-enum value.`,
		`Value "hunter2" does not exist in "AuthMode" enum.`:                 `Value does not exist in "AuthMode" enum.`,
		`Expected value of type "String!", found {password: "hunter2"}.`:     `Expected value of type "String!".`,
		"hunter2\nsecret is not a valid AuthMode":                            `is not a valid AuthMode`,
		`cannot use value 1e+300 as Int`:                                     `cannot use the value as Int`,
		`cannot use slice as String`:                                         `cannot use the value as String`,
		`cannot use 9.007199254740993e+15 as ID: integers beyond 2^53-1 ...`: `cannot use the value as ID`,
		`must be a UserInput, not a string`:                                  `must be a UserInput`,
		// Names are kept.
		`Cannot query field "nope" on type "Query".`: `Cannot query field "nope" on type "Query".`,
		`cannot be null`: `cannot be null`,
		`"login" can only be used once per request`: `"login" can only be used once per request`,
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}
