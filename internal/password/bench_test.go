package password

import (
	"context"
	"runtime"
	"sync"
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

// BenchmarkVerifyDefaultParallel verifies on every core at once: argon2id is
// memory-hard, so parallel hashes share memory bandwidth and cache, and the
// machine's hash throughput is below cores ÷ single hash time. Every slot's
// buffer is made and touched before the timer starts, as a running server's
// are (first touches of 19 MiB, more so on huge pages, are not hashing).
func BenchmarkVerifyDefaultParallel(b *testing.B) {
	h := NewHasher(DefaultParams(), 0, time.Minute)
	enc, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() { _, _, _ = h.Verify(context.Background(), enc, "correct horse battery staple") })
	}
	wg.Wait()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _, err := h.Verify(context.Background(), enc, "correct horse battery staple"); !ok || err != nil {
				b.Error("verify failed")
				return
			}
		}
	})
}
