package seal_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/seal"
)

func TestSealRoundTripAndBinding(t *testing.T) {
	secret := []byte("test-secret-0123456789-0123456789-abcdef")
	a, err := seal.New(secret, "purpose/a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := seal.New(secret, "purpose/b")
	other, _ := seal.New([]byte("another-secret-0123456789-0123456789"), "purpose/a")

	s1, err := a.Seal("row-1", []byte("https://x.test/r?token=SECRET-LINK"))
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := a.Seal("row-1", []byte("https://x.test/r?token=SECRET-LINK"))
	if s1 == s2 || strings.Contains(s1, "SECRET") {
		t.Fatalf("sealing is deterministic or leaks: %q %q", s1, s2)
	}
	if got, err := a.Open("row-1", s1); err != nil || string(got) != "https://x.test/r?token=SECRET-LINK" {
		t.Fatalf("open: %q %v", got, err)
	}
	for name, open := range map[string]func() ([]byte, error){
		"other row":     func() ([]byte, error) { return a.Open("row-2", s1) },
		"other purpose": func() ([]byte, error) { return b.Open("row-1", s1) },
		"other secret":  func() ([]byte, error) { return other.Open("row-1", s1) },
		"altered":       func() ([]byte, error) { return a.Open("row-1", s1[:len(s1)-2]+"AA") },
	} {
		if _, err := open(); !errors.Is(err, seal.ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	for _, bad := range []string{"", "!!", "c2hvcnQ"} {
		if _, err := a.Open("row-1", bad); !errors.Is(err, seal.ErrCorrupt) {
			t.Errorf("%q: %v, want ErrCorrupt", bad, err)
		}
	}
	if _, err := seal.New(nil, "p"); err == nil {
		t.Fatal("an empty SECRET was accepted")
	}
}
