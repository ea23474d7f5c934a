package gqlserver

import "regexp"

// valueEchoes are gqlparser's messages that repeat a value the client sent:
// a literal in the document or a variable's value, which may be a password.
// The value is cut and the rest of the message kept. Names (fields,
// arguments, variables) stay: they are the schema's or the client's own
// labels, and the message is useless without them.
var valueEchoes = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Literals in the document (validation).
	{regexp.MustCompile(`^(.+? cannot represent [^:]*): (?s:.*)$`), "$1."},
	{regexp.MustCompile(`^Value (?s:.*) does not exist in ("\w+" enum\.)$`), "Value does not exist in $1"},
	{regexp.MustCompile(`^(Expected value of type "[^"]*"), found (?s:.*)$`), "$1."},
	// Variable values (coercion; these also name Go's kinds).
	{regexp.MustCompile(`^(?s:.*) is not a valid (\w+)$`), "is not a valid $1"},
	{regexp.MustCompile(`^cannot use (?s:.*) as (\w+)(?s:.*)$`), "cannot use the value as $1"},
	{regexp.MustCompile(`^must be a (\w+), not (?s:.*)$`), "must be a $1"},
}

// scrub removes any value the client sent from a GraphQL error message.
func scrub(msg string) string {
	for _, v := range valueEchoes {
		if v.re.MatchString(msg) {
			return v.re.ReplaceAllString(msg, v.repl)
		}
	}
	return msg
}
