package argon2_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"

	"github.com/gatehouse/gatehouse/internal/argon2"
)

// params maps arbitrary fuzz or random input onto cheap but varied Argon2
// parameters: 1–3 passes, 0–512 KiB (below 8 KiB per lane both round up),
// 1–8 lanes, 1–160 byte keys (past 64 bytes the long blake2b path).
type params struct {
	time, memory uint32
	threads      uint8
	keyLen       uint32
}

func makeParams(time uint8, memory uint16, threads uint8, keyLen uint16) params {
	return params{time: 1 + uint32(time)%3, memory: uint32(memory) % 513, threads: 1 + threads%8, keyLen: 1 + uint32(keyLen)%160}
}

// compare hashes with x/crypto and with the copy: Key and IDKey, on a buffer
// that earlier hashes have dirtied, on a fresh too-small one and on none.
func compare(t *testing.T, reused *argon2.Buffer, pw, salt []byte, p params) {
	t.Helper()
	want := xargon2.IDKey(pw, salt, p.time, p.memory, p.threads, p.keyLen)
	wantI := xargon2.Key(pw, salt, p.time, p.memory, p.threads, p.keyLen)
	for name, b := range map[string]*argon2.Buffer{"reused": reused, "too small": argon2.NewBuffer(8), "none": nil} {
		if got := argon2.IDKey(b, pw, salt, p.time, p.memory, p.threads, p.keyLen); !bytes.Equal(got, want) {
			t.Fatalf("IDKey %+v (password %q, salt %q) with %s buffer: %x, x/crypto %x", p, pw, salt, name, got, want)
		}
		if got := argon2.Key(b, pw, salt, p.time, p.memory, p.threads, p.keyLen); !bytes.Equal(got, wantI) {
			t.Fatalf("Key %+v (password %q, salt %q) with %s buffer: %x, x/crypto %x", p, pw, salt, name, got, wantI)
		}
	}
}

// TestDifferential: random parameters and inputs, fixed seed, so every run
// checks the same few hundred cases the fuzz target explores further.
func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 8))
	reused := argon2.NewBuffer(512)
	n := 150
	if testing.Short() {
		n = 30
	}
	for range n {
		pw := make([]byte, rng.IntN(40))
		salt := make([]byte, rng.IntN(40))
		for i := range pw {
			pw[i] = byte(rng.Uint32())
		}
		for i := range salt {
			salt[i] = byte(rng.Uint32())
		}
		p := makeParams(uint8(rng.Uint32()), uint16(rng.Uint32()), uint8(rng.Uint32()), uint16(rng.Uint32()))
		compare(t, reused, pw, salt, p)
	}
}

// FuzzDifferential: the copy must give x/crypto's output for any input.
// go test ./internal/argon2 -run '^$' -fuzz FuzzDifferential -fuzztime 1m
func FuzzDifferential(f *testing.F) {
	f.Add([]byte("password"), []byte("saltsaltsaltsalt"), uint8(1), uint16(64), uint8(0), uint16(31))
	f.Add([]byte(""), []byte(""), uint8(2), uint16(0), uint8(3), uint16(63))
	f.Add([]byte("pässwörd"), []byte("s"), uint8(0), uint16(512), uint8(7), uint16(159))
	f.Add([]byte{0, 0xff, 0}, []byte("saltsaltsaltsalt"), uint8(2), uint16(100), uint8(1), uint16(64))
	reused := argon2.NewBuffer(512)
	f.Fuzz(func(t *testing.T, pw, salt []byte, time uint8, memory uint16, threads uint8, keyLen uint16) {
		compare(t, reused, pw, salt, makeParams(time, memory, threads, keyLen))
	})
}
