package password

import (
	"testing"
	"time"
)

// HS-06: hash and verify at production parameters stay well under 1 s.
func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams(), 0, time.Minute)
	for b.Loop() {
		if _, err := h.Hash(bg, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDefault(b *testing.B) {
	h := NewHasher(DefaultParams(), 0, time.Minute)
	enc, err := h.Hash(bg, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if match, _, err := h.Verify(bg, enc, "correct horse battery staple"); !match || err != nil {
			b.Fatal(match, err)
		}
	}
}
