package password

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzLimits are tighter than production so the fuzzer cannot make one
// iteration cost a GiB; the parser logic under test is the same.
var fuzzLimits = limits{maxMemory: 256, maxTime: 2, maxThreads: 2, maxKeyLen: 64, maxSaltLen: 64, maxBcryptCost: 4}

// FuzzVerifyEncoded: arbitrary stored hashes never panic, give only the
// documented errors, and never match by accident; a fresh Hash of plain
// always verifies and never accepts plain+"x".
func FuzzVerifyEncoded(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$boXT72yYDVC8bMOXebOHaA$XZEg+8uJK4jpY4Npx5ywjR5csxKXebt1YGhSn3ximSk", "hunter22")
	f.Add("$2a$04$rCCtliGxcjqDjzSa2zzPROwBGrES5gC.IYaPq0bnZhj1SbZUaDS4W", "hunter22")
	f.Add("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "")
	f.Add("", "pw")
	h := NewHasher(cheap, 4, 10*time.Second)
	h.lim = fuzzLimits
	f.Fuzz(func(t *testing.T, encoded, plain string) {
		// HS-04 at production bounds: parsing alone must refuse or bound.
		if v, err := defaultLimits.parse(encoded); err == nil {
			if a, ok := v.(*argon2Hash); ok {
				if err := defaultLimits.checkArgon2(a.m, a.t, uint32(a.p), uint32(len(a.key))); err != nil || len(a.salt) > 1024 {
					t.Fatalf("parse accepted out-of-bounds %q", encoded)
				}
			}
		} else if !errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrHashParams) {
			t.Fatalf("parse error %v is neither ErrMalformedHash nor ErrHashParams", err)
		}

		match, rehash, err := h.Verify(bg, encoded, plain)
		if err != nil && !errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrHashParams) {
			t.Fatalf("Verify error %v", err)
		}
		if rehash && !match {
			t.Fatal("rehash without match")
		}
		if match {
			if err != nil || encoded == "" {
				t.Fatalf("match with err=%v, encoded=%q", err, encoded)
			}
			// Only a real hash of plain matches: the seeds above, or a hash
			// the fuzzer rebuilt byte for byte. It must reject a neighbour.
			if m, _, _ := h.Verify(bg, encoded, plain+"x"); m {
				t.Fatalf("%q matches both %q and %q", encoded, plain, plain+"x")
			}
		}

		enc, err := h.Hash(bg, plain)
		if err != nil {
			t.Fatal(err)
		}
		if m, r, err := h.Verify(bg, enc, plain); !m || r || err != nil {
			t.Fatalf("round trip: %v %v %v", m, r, err)
		}
		if m, _, _ := h.Verify(bg, enc, plain+"x"); m {
			t.Fatal("hash of p matches p+\"x\"")
		}
	})
}

// FuzzPolicy: an accepted password has a code-point length within
// [min, max] and is not on the list; invalid UTF-8 never panics.
func FuzzPolicy(f *testing.F) {
	f.Add("password123", 0, 0)
	f.Add("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", 8, 8)
	f.Add("ééééééé😀", 8, 10)
	f.Fuzz(func(t *testing.T, plain string, minLen, maxLen int) {
		p := Policy{MinLength: minLen, MaxLength: maxLen, CheckCommon: true}
		err := p.Check(plain)
		if err == nil {
			lo, hi := minLen, maxLen
			if lo <= 0 {
				lo = 8
			}
			if hi <= 0 {
				hi = 256
			}
			if n := utf8.RuneCountInString(plain); n < lo || n > hi {
				t.Fatalf("accepted %d code points outside [%d, %d]", n, lo, hi)
			}
			if isCommon(plain) {
				t.Fatal("accepted a common password")
			}
			return
		}
		var pe *PolicyError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *PolicyError", err)
		}
	})
}
