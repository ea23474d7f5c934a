package argon2_test

import (
	"bytes"
	"fmt"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"

	"github.com/gatehouse/gatehouse/internal/argon2"
)

// TestMatchesXCrypto checks the copy against the original, with a reused
// (dirty) buffer, a too-small buffer and none.
func TestMatchesXCrypto(t *testing.T) {
	buf := argon2.NewBuffer(512)
	small := argon2.NewBuffer(16)
	for _, c := range []struct {
		time, memory uint32
		threads      uint8
		keyLen       uint32
	}{{1, 64, 1, 32}, {2, 256, 1, 32}, {3, 512, 4, 16}, {1, 100, 2, 64}, {2, 1024, 1, 32}} {
		pw, salt := []byte(fmt.Sprintf("password-%d", c.memory)), []byte("saltsaltsaltsalt")
		want := xargon2.IDKey(pw, salt, c.time, c.memory, c.threads, c.keyLen)
		wantI := xargon2.Key(pw, salt, c.time, c.memory, c.threads, c.keyLen)
		for name, b := range map[string]*argon2.Buffer{"reused": buf, "too small": small, "none": nil} {
			for range 2 { // the second run starts from the first's leftovers
				if got := argon2.IDKey(b, pw, salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, want) {
					t.Fatalf("IDKey %+v with %s buffer differs from x/crypto", c, name)
				}
				if got := argon2.Key(b, pw, salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, wantI) {
					t.Fatalf("Key %+v with %s buffer differs from x/crypto", c, name)
				}
			}
		}
	}
}

func BenchmarkIDKeyReused(b *testing.B) {
	buf := argon2.NewBuffer(19456)
	for b.Loop() {
		argon2.IDKey(buf, []byte("password"), []byte("saltsaltsaltsalt"), 2, 19456, 1, 32)
	}
}

func BenchmarkIDKeyXCrypto(b *testing.B) {
	for b.Loop() {
		xargon2.IDKey([]byte("password"), []byte("saltsaltsaltsalt"), 2, 19456, 1, 32)
	}
}

// BenchmarkIDKeyParallel hashes on every core at once, each with its own
// buffer: the hashes compete for the shared cache and memory bandwidth.
func BenchmarkIDKeyParallel(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		buf := argon2.NewBuffer(19456)
		for pb.Next() {
			argon2.IDKey(buf, []byte("password"), []byte("saltsaltsaltsalt"), 2, 19456, 1, 32)
		}
	})
}
