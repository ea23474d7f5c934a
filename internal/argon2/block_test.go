package argon2

import (
	"bytes"
	"math/rand/v2"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

// TestBlockBeginWord0 checks blockBegin's promise that the word it returns
// is the finished block's word 0 (the prefetch depends on it, and a wrong
// word would only show as a slower hash), with and without SSE4 and XOR.
// Not parallel: it switches the package's CPU feature flag.
func TestBlockBeginWord0(t *testing.T) {
	saved := useSSE4
	defer func() { useSSE4 = saved }()
	r := rand.New(rand.NewPCG(1, 2))
	var in1, in2, out, want, tmp block
	for _, sse4 := range []bool{saved, false} {
		useSSE4 = sse4
		for _, xor := range []bool{false, true} {
			for range 20 {
				for i := range in1 {
					in1[i], in2[i], out[i] = r.Uint64(), r.Uint64(), r.Uint64()
				}
				want = out
				processBlockGeneric(&want, &in1, &in2, xor)
				w0 := blockBegin(&tmp, &out, &in1, &in2, xor)
				blockEnd(&tmp, &out, &in1, &in2, xor)
				if out != want {
					t.Fatalf("sse4=%v xor=%v: block differs from the generic code", sse4, xor)
				}
				if w0 != want[0] {
					t.Fatalf("sse4=%v xor=%v: blockBegin returned %#x, the block's word 0 is %#x", sse4, xor, w0, want[0])
				}
			}
		}
	}
}

// TestWithoutSSE4 runs a whole hash on the path amd64 CPUs without SSE4.1
// take.
func TestWithoutSSE4(t *testing.T) {
	saved := useSSE4
	useSSE4 = false
	defer func() { useSSE4 = saved }()
	pw, salt := []byte("password"), []byte("saltsaltsaltsalt")
	if got, want := IDKey(NewBuffer(256), pw, salt, 2, 256, 2, 32), xargon2.IDKey(pw, salt, 2, 256, 2, 32); !bytes.Equal(got, want) {
		t.Fatal("IDKey without SSE4 differs from x/crypto")
	}
}
