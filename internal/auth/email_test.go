package auth

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for _, c := range []struct {
		in, want string // want "" = refused
	}{
		{"victim@gmail.com", "victim@gmail.com"},
		{"Victim@GMAIL.Com", "victim@gmail.com"},
		{"VICTIM@gmail.com", "victim@gmail.com"},
		// Look-alikes in the local part stay distinct from the ASCII address.
		{"vİctim@gmail.com", "vİctim@gmail.com"},       // U+0130 (strings.ToLower: i)
		{"vıctim@gmail.com", "vıctim@gmail.com"},       // U+0131 dotless i
		{"\u212Aim@gmail.com", "\u212Aim@gmail.com"},   // Kelvin sign (ToLower: k)
		{"ki\u017Fs@gmail.com", "ki\u017Fs@gmail.com"}, // long s (folds to s)
		{"\u212Bsa@gmail.com", "\u212Bsa@gmail.com"},   // Angstrom sign (folds to å)
		{"ｖｉｃｔｉｍ@gmail.com", "ｖｉｃｔｉｍ@gmail.com"},       // fullwidth (NFKC: victim)
		{"José@example.com", "josé@example.com"},       // ASCII lowered, é kept
		{"JOSÉ@example.com", "josÉ@example.com"},       // non-ASCII never folded
		// A look-alike domain is another domain.
		{"victim@gmaİl.com", "victim@xn--gmail-bgd.com"},
		{"victim@gmaıl.com", "victim@xn--gmal-nza.com"},
		// IDN domains to their ASCII form; every spelling of one domain agrees.
		{"a@bücher.de", "a@xn--bcher-kva.de"},
		{"a@BÜCHER.de", "a@xn--bcher-kva.de"},
		{"a@xn--bcher-kva.de", "a@xn--bcher-kva.de"},
		{"a@XN--BCHER-KVA.DE", "a@xn--bcher-kva.de"},
		{"a@\u212Bngstrom.se", "a@xn--ngstrom-dxa.se"},
		// IDNA maps these domain spellings to the name DNS resolves: the
		// same host, so the same mailbox.
		{"a@ｇｍａｉｌ．ｃｏｍ", "a@gmail.com"},
		{"a@\u212Aample.com", "a@kample.com"},
		// Refused by IDNA, or not a DNS name.
		{"a@a_b.com", ""},
		{"a@xn--zz.com", ""},
		{"a@-a.com", ""},
		{"a@a..com", ""},
		{"a@gmail.com.", ""},
		{"a@" + strings.Repeat("a", 64) + ".com", ""},
		{"nobody", ""},
		{"@example.com", ""},
		{"a@", ""},
		{"a@b\xff.com", ""},
		{strings.Repeat("a", 120) + "@bücher.de", ""}, // the key outgrows email_lower
	} {
		got, err := NormalizeEmail(c.in)
		if c.want == "" {
			if err == nil || AsError(err).Code != CodeInvalidPayload {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want INVALID_PAYLOAD", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		// Idempotent: a key normalises to itself.
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Errorf("NormalizeEmail(%q) = %q, %v; not idempotent", got, again, err)
		}
	}
}

// No non-ASCII character of a local part is ever turned into ASCII.
func TestNormalizeEmailNeverFoldsOntoASCII(t *testing.T) {
	for r := rune(0x80); r <= 0x1FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		local := "x" + string(r) + "y"
		got, err := NormalizeEmail(local + "@example.com")
		if err != nil {
			t.Fatalf("%U: %v", r, err)
		}
		if got != local+"@example.com" {
			t.Fatalf("%U: local part %q became %q", r, local, got)
		}
	}
}

func TestDomainAllowed(t *testing.T) {
	key := func(s string) string {
		k, err := NormalizeEmail(s)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	filter := []string{"gmail.com", " @Bücher.DE "}
	for in, want := range map[string]bool{
		"a@gmail.com":          true,
		"a@GMAIL.com":          true,
		"a@gmaİl.com":          false, // bypassed the filter when lowered with strings.ToLower
		"a@gmaıl.com":          false,
		"a@bücher.de":          true,
		"a@xn--bcher-kva.de":   true,
		"a@mail.gmail.com":     false,
		"a@gmail.com.evil.org": false,
	} {
		if got := domainAllowed(key(in), filter); got != want {
			t.Errorf("domainAllowed(%q) = %v, want %v", in, got, want)
		}
	}
	if !domainAllowed(key("a@anything.org"), nil) {
		t.Error("an empty filter allows every domain")
	}
}
