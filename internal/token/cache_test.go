package token

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testclock"
)

const cacheMaxTTL = time.Hour

func newCacheManager(t testing.TB) (*Manager, *MemKeyStore, *testclock.Clock) {
	t.Helper()
	st, clk := &MemKeyStore{}, testclock.New(time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC))
	m, err := NewManager(context.Background(), Options{
		Store: st, Secret: []byte("cache-test-secret-0123456789abcdefgh"), MaxTTL: cacheMaxTTL, Now: clk.Now,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, st, clk
}

func cacheClaims() Claims {
	role := "0f6f3c31-7c0a-4a56-9b0c-0c5cb7e8d9a1"
	return Claims{UserID: "7d5c2a7e-1b7a-4f41-9a53-3f3c9d1c2b10", Role: &role, AppAccess: true, Session: "s1", Generation: 3}
}

func signCache(t testing.TB, m *Manager, ttl time.Duration) string {
	t.Helper()
	tok, _, err := m.Sign(cacheClaims(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func cached(m *Manager, tok string) bool {
	_, ok := m.verified.get(sha256.Sum256([]byte(tok)), m.now(), m.state.Load().byKID)
	return ok
}

func TestVerifyCacheHit(t *testing.T) {
	m, st, clk := newCacheManager(t)
	tok := signCache(t, m, time.Minute)
	ctx := context.Background()
	if cached(m, tok) {
		t.Fatal("cached before the first Verify")
	}
	first, err := m.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !cached(m, tok) {
		t.Fatal("not cached after a successful Verify")
	}
	second, err := m.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if *first.Role != *second.Role || first.Role == second.Role || first.UserID != second.UserID ||
		first.Session != second.Session || first.Generation != second.Generation || !first.Expires.Equal(second.Expires) {
		t.Fatalf("cached claims differ or share the role pointer: %+v vs %+v", first, second)
	}
	*second.Role = "mutated" // a caller's change must not reach the cache
	if third, _ := m.Verify(ctx, tok); *third.Role != *first.Role {
		t.Fatalf("cache entry was mutated through a returned pointer: %q", *third.Role)
	}

	// Failures are never cached, and another Manager gets no hits.
	bad := tok[:len(tok)-2] + "AA"
	for range 2 {
		if _, err := m.Verify(ctx, bad); err == nil {
			t.Fatal("tampered token verified")
		}
	}
	if cached(m, bad) {
		t.Fatal("a failure was cached")
	}
	other, _, _ := newCacheManager(t)
	if cached(other, tok) {
		t.Fatal("another Manager got a hit")
	}
	if _, err := other.Verify(ctx, tok); err == nil {
		t.Fatal("another Manager (other keys) accepted the token")
	}
	// Nor does a Manager over the same keys until it verifies for itself.
	sib, err := NewManager(ctx, Options{
		Store: st, Secret: []byte("cache-test-secret-0123456789abcdefgh"), MaxTTL: cacheMaxTTL, Now: clk.Now,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if cached(sib, tok) {
		t.Fatal("a Manager over the same keys got a hit it did not verify")
	}
	if _, err := sib.Verify(ctx, tok); err != nil || !cached(sib, tok) {
		t.Fatalf("same keys: %v (cached %v)", err, cached(sib, tok))
	}
}

func TestVerifyCacheExpiry(t *testing.T) {
	m, _, clk := newCacheManager(t)
	tok := signCache(t, m, time.Minute)
	ctx := context.Background()
	if _, err := m.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	clk.Advance(59*time.Second + 999*time.Millisecond) // still inside exp, to the second
	if _, err := m.Verify(ctx, tok); err != nil || !cached(m, tok) {
		t.Fatalf("just before exp: %v (cached %v)", err, cached(m, tok))
	}
	clk.Advance(time.Millisecond) // now == exp: jwx calls this expired
	if _, err := m.Verify(ctx, tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("at exp: %v, want ErrExpired", err)
	}
	if cached(m, tok) {
		t.Fatal("expired entry still served")
	}
}

func TestVerifyCacheDeletedKeyRefused(t *testing.T) {
	m, st, clk := newCacheManager(t)
	ctx := context.Background()
	tok := signCache(t, m, 2*cacheMaxTTL/3)
	if _, err := m.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	// Rotation retires the key, which keeps verifying until delete_after.
	clk.Advance(time.Minute)
	if _, err := m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, tok); err != nil {
		t.Fatalf("retired key: %v", err)
	}
	// Past delete_after the token dies though it is cached and unexpired
	// (tokens are signed with at most MaxTTL; this one lied for the test).
	long, err := SignUncheckedForTest(m, cacheClaims(), clk.Now(), clk.Now().Add(3*cacheMaxTTL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, long); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(cacheMaxTTL + time.Second)
	for _, tk := range []string{tok, long} {
		if _, err := m.Verify(ctx, tk); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
			t.Fatalf("token of a deleted key: %v", err)
		}
	}
	if _, err := m.Verify(ctx, long); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unexpired token of a deleted key: %v, want ErrInvalid", err)
	}
	if cached(m, long) {
		t.Fatal("entry of a deleted key still served")
	}

	// A key removed by a reload (another instance deleted the row) also ends
	// its cached tokens at once.
	fresh := signCache(t, m, time.Minute)
	if _, err := m.Verify(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	st.Drop(SignerKIDForTest(m))
	if err := m.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, fresh); !errors.Is(err, ErrInvalid) {
		t.Fatalf("token of a key dropped by reload: %v, want ErrInvalid", err)
	}
}

func TestVerifyCacheBound(t *testing.T) {
	m, _, clk := newCacheManager(t)
	vc := newVerifiedCache(64)
	exp := clk.Now().Add(time.Minute)
	for i := range 1000 {
		var sum [sha256.Size]byte
		sum[0], sum[1] = byte(i), byte(i>>8)
		c := cacheClaims()
		c.Expires = exp
		if i%3 == 0 {
			c.Expires = clk.Now() // already expired: evicted first
		}
		vc.put(sum, verifiedEntry{kid: "k", c: c}, clk.Now())
		if n := vc.len(); n > 64 {
			t.Fatalf("cache holds %d entries, bound is 64", n)
		}
	}
	if vc.len() == 0 {
		t.Fatal("cache emptied itself")
	}
	// Each Manager's cache is bounded the same way and starts empty.
	if m.verified.max != verifiedCacheMax || verifiedCacheMax > 100000 {
		t.Fatalf("Manager cache bound %d", m.verified.max)
	}
	if n := m.verified.len(); n != 0 {
		t.Fatalf("new Manager's cache holds %d entries", n)
	}
}

func TestVerifyCacheConcurrent(t *testing.T) {
	m, _, _ := newCacheManager(t)
	toks := make([]string, 8)
	for i := range toks {
		c := cacheClaims()
		c.Generation = int64(i)
		tok, _, err := m.Sign(c, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		toks[i] = tok
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				c, err := m.Verify(context.Background(), toks[(w+i)%len(toks)])
				if err != nil || c.Generation != int64((w+i)%len(toks)) {
					t.Errorf("Verify: %+v %v", c, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkVerifyES256Uncached is the full parse and signature check that a
// cache miss pays; BenchmarkVerifyES256 (sign_test.go) now measures hits.
func BenchmarkVerifyES256Uncached(b *testing.B) {
	m, _, _ := newCacheManager(b)
	tok := signCache(b, m, 15*time.Minute)
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyES256Cached(b *testing.B) {
	m, _, _ := newCacheManager(b)
	tok := signCache(b, m, 15*time.Minute)
	ctx := context.Background()
	if _, err := m.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestVerifyCacheClockStepsBack(t *testing.T) {
	m, _, clk := newCacheManager(t)
	tok := signCache(t, m, time.Minute)
	if _, err := m.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	clk.Advance(-time.Minute) // iat is now far in the future
	if _, err := m.Verify(context.Background(), tok); !errors.Is(err, ErrInvalid) {
		t.Fatalf("cached token issued in the future: %v, want ErrInvalid", err)
	}
}
