package password

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// cheap keeps tests fast (64 KiB, one pass); production defaults appear only
// in TestDefaultParamsPrefix and the benchmarks.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

var bg = context.Background()

func newCheap(t testing.TB) *Hasher {
	t.Helper()
	return NewHasher(cheap, 2, time.Second)
}

func TestRoundTrip(t *testing.T) {
	h := newCheap(t)
	enc, err := h.Hash(bg, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	match, rehash, err := h.Verify(bg, enc, "correct horse battery staple")
	if err != nil || !match || rehash {
		t.Fatalf("Verify right password = %v, %v, %v; want true, false, nil", match, rehash, err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "correct horse battery staple ", "Correct horse battery staple"} {
		match, rehash, err := h.Verify(bg, enc, wrong)
		if err != nil || match || rehash {
			t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, nil", wrong, match, rehash, err)
		}
	}
}

func TestSaltsDiffer(t *testing.T) {
	h := newCheap(t)
	a, _ := h.Hash(bg, "same password")
	b, _ := h.Hash(bg, "same password")
	if a == b {
		t.Fatal("two hashes of one password are equal")
	}
	if strings.Split(a, "$")[4] == strings.Split(b, "$")[4] {
		t.Fatal("two hashes share a salt")
	}
}

// HS-01: stored format and parameters at the production defaults.
func TestDefaultParamsPrefix(t *testing.T) {
	p := DefaultParams()
	if p != (Params{Memory: 19456, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}) {
		t.Fatalf("DefaultParams() = %+v", p)
	}
	h := NewHasher(p, 0, time.Second)
	if h.Params() != p {
		t.Fatalf("Params() = %+v", h.Params())
	}
	enc, err := h.Hash(bg, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	parts := strings.Split(enc, "$")
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("salt %d bytes (%v), key %d bytes (%v)", len(salt), err1, len(key), err2)
	}
}

// phc builds a PHC string by hand the way node-argon2 writes it.
func phc(variant string, m, t uint32, p uint8, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=19$m=%d,t=%d,p=%d$%s$%s", variant, m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// A Directus-style hash (Directus uses m=64 MiB,t=3,p=4; m is smaller here
// to stay fast) verifies and asks for a rehash because parameters differ.
func TestDirectusArgon2(t *testing.T) {
	salt := []byte("0123456789abcdef")
	tests := []struct {
		name string
		enc  string
	}{
		{"argon2id", phc("argon2id", 1024, 3, 4, salt, argon2.IDKey([]byte("directus-pw"), salt, 3, 1024, 4, 32))},
		{"argon2i", phc("argon2i", 1024, 3, 4, salt, argon2.Key([]byte("directus-pw"), salt, 3, 1024, 4, 32))},
		// Same m,t,p as the hasher but argon2i: still needs the upgrade.
		{"argon2i current params", phc("argon2i", 64, 1, 1, salt, argon2.Key([]byte("directus-pw"), salt, 1, 64, 1, 32))},
		// argon2id at current m,t,p but a shorter key.
		{"argon2id other keylen", phc("argon2id", 64, 1, 1, salt, argon2.IDKey([]byte("directus-pw"), salt, 1, 64, 1, 16))},
	}
	h := newCheap(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, rehash, err := h.Verify(bg, tt.enc, "directus-pw")
			if err != nil || !match || !rehash {
				t.Fatalf("Verify = %v, %v, %v; want true, true, nil", match, rehash, err)
			}
			match, rehash, err = h.Verify(bg, tt.enc, "directus-pX")
			if err != nil || match || rehash {
				t.Fatalf("wrong password: Verify = %v, %v, %v; want false, false, nil", match, rehash, err)
			}
		})
	}
}

func TestRehashOnParamChange(t *testing.T) {
	old, _ := newCheap(t).Hash(bg, "pw")
	p := cheap
	p.Memory = 128
	h := NewHasher(p, 1, time.Second)
	match, rehash, err := h.Verify(bg, old, "pw")
	if err != nil || !match || !rehash {
		t.Fatalf("Verify = %v, %v, %v; want true, true, nil", match, rehash, err)
	}
}

func TestBcrypt(t *testing.T) {
	h := newCheap(t)
	enc, err := bcrypt.GenerateFromPassword([]byte("legacy-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		e := prefix + string(enc[4:])
		match, rehash, err := h.Verify(bg, e, "legacy-pw")
		if err != nil || !match || !rehash {
			t.Fatalf("%s: Verify = %v, %v, %v; want true, true, nil", prefix, match, rehash, err)
		}
		match, _, err = h.Verify(bg, e, "legacy-pX")
		if err != nil || match {
			t.Fatalf("%s: wrong password: match=%v err=%v", prefix, match, err)
		}
	}
}

// HS-02: bcrypt ignores input past 72 bytes; we must not.
func TestBcrypt72Bytes(t *testing.T) {
	h := newCheap(t)
	pw := strings.Repeat("a", 72)
	enc, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if match, _, err := h.Verify(bg, string(enc), pw); !match || err != nil {
		t.Fatalf("72 bytes: match=%v err=%v", match, err)
	}
	if match, _, err := h.Verify(bg, string(enc), pw+"x"); match || err != nil {
		t.Fatalf("73 bytes: match=%v err=%v; want no match", match, err)
	}
}

// HS-04: extreme parameters are refused before anything is allocated.
func TestBoundedParams(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	big := func(n int) string { return base64.RawStdEncoding.EncodeToString(make([]byte, n)) }
	bc := func(cost string) string { return "$2a$" + cost + "$" + strings.Repeat("a", 53) }
	tests := map[string]string{
		"8 GiB":         "$argon2id$v=19$m=8388608,t=1,p=1$" + salt + "$" + key,
		"1 GiB + 1 KiB": "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key,
		"t=1000":        "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		// Issue 17 (13c): above 256 MiB, t=16 or p=16 a stored hash is refused.
		"256 MiB + 1 KiB":   "$argon2id$v=19$m=262145,t=1,p=1$" + salt + "$" + key,
		"512 MiB argon2i":   "$argon2i$v=19$m=524288,t=1,p=1$" + salt + "$" + key,
		"t=17":              "$argon2id$v=19$m=64,t=17,p=1$" + salt + "$" + key,
		"p=17":              "$argon2id$v=19$m=1024,t=1,p=17$" + salt + "$" + key,
		"p=65":              "$argon2id$v=19$m=1024,t=1,p=65$" + salt + "$" + key,
		"p=255":             "$argon2i$v=19$m=4096,t=1,p=255$" + salt + "$" + key,
		"m beyond uint32":   "$argon2id$v=19$m=99999999999999999999,t=1,p=1$" + salt + "$" + key,
		"keylen 1025":       "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + big(1025),
		"keylen 3":          "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + big(3),
		"salt 1025":         "$argon2id$v=19$m=64,t=1,p=1$" + big(1025) + "$" + key,
		"t=0":               "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"p=0":               "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"m < 8p":            "$argon2id$v=19$m=8,t=1,p=4$" + salt + "$" + key,
		"bcrypt cost 31":    bc("31"),
		"bcrypt cost 17":    bc("17"),
		"bcrypt cost 03":    bc("03"),
		"bcrypt cost 99 2y": "$2y$99$" + strings.Repeat("a", 53),
	}
	h := newCheap(t)
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			match, rehash, err := h.Verify(bg, enc, "pw")
			if !errors.Is(err, ErrHashParams) || match || rehash {
				t.Fatalf("Verify = %v, %v, %v; want ErrHashParams", match, rehash, err)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	tests := map[string]string{
		"plain text":         "hunter22",
		"lone dollar":        "$",
		"algorithm only":     "$argon2id",
		"no leading dollar":  strings.TrimPrefix(good, "$"),
		"missing version":    "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"version 16":         "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"empty params":       "$argon2id$v=19$$" + salt + "$" + key,
		"missing p":          "$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"repeated m":         "$argon2id$v=19$m=64,m=64,t=1,p=1$" + salt + "$" + key,
		"associated data":    "$argon2id$v=19$m=64,t=1,p=1,data=YWJj$" + salt + "$" + key,
		"negative m":         "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,
		"plus sign":          "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,
		"hex number":         "$argon2id$v=19$m=0x40,t=1,p=1$" + salt + "$" + key,
		"space in number":    "$argon2id$v=19$m= 64,t=1,p=1$" + salt + "$" + key,
		"empty number":       "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key,
		"empty salt":         "$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"empty hash":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"bad base64 salt":    "$argon2id$v=19$m=64,t=1,p=1$!!!!!!!!$" + key,
		"bad base64 hash":    "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "*",
		"padded base64":      "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"newline in base64":  "$argon2id$v=19$m=64,t=1,p=1$" + salt[:4] + "\n" + salt[4:] + "$" + key,
		"extra field":        good + "$extra",
		"argon2d":            strings.Replace(good, "argon2id", "argon2d", 1),
		"argon2x":            strings.Replace(good, "argon2id", "argon2x", 1),
		"scrypt":             "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
		"bcrypt too short":   "$2a$10$short",
		"bcrypt too long":    "$2a$10$" + strings.Repeat("a", 54),
		"bcrypt version 2x":  "$2x$10$" + strings.Repeat("a", 53),
		"bcrypt version 2":   "$2$10$" + strings.Repeat("a", 54),
		"bcrypt bad cost":    "$2a$1a$" + strings.Repeat("a", 53),
		"bcrypt bad charset": "$2a$10$" + strings.Repeat("!", 53),
		"huge string":        strings.Repeat("$argon2id", 1000),
	}
	h := newCheap(t)
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			match, rehash, err := h.Verify(bg, enc, "pw")
			if !errors.Is(err, ErrMalformedHash) || match || rehash {
				t.Fatalf("Verify = %v, %v, %v; want ErrMalformedHash", match, rehash, err)
			}
		})
	}
}

func TestUnknownUserDummy(t *testing.T) {
	h := newCheap(t)
	for _, pw := range []string{"", "anything"} {
		match, rehash, err := h.Verify(bg, "", pw)
		if match || rehash || err != nil {
			t.Fatalf("Verify(\"\", %q) = %v, %v, %v; want false, false, nil", pw, match, rehash, err)
		}
	}
	// The dummy is a real argon2id string at h's params, so it costs one hash.
	if !strings.HasPrefix(h.dummy, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("dummy = %q", h.dummy)
	}
}

func TestInvalidParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 64, Time: 0, Threads: 1, KeyLen: 32, SaltLen: 16},
		{Memory: 64, Time: 1, Threads: 0, KeyLen: 32, SaltLen: 16},
		{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 4},
		{Memory: 2 << 20, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16},
	} {
		if err := p.Validate(); !errors.Is(err, ErrHashParams) {
			t.Errorf("%+v.Validate() = %v", p, err)
		}
		h := NewHasher(p, 1, 0)
		if _, err := h.Hash(bg, "pw"); !errors.Is(err, ErrHashParams) {
			t.Errorf("%+v: Hash err = %v", p, err)
		}
		if _, _, err := h.Verify(bg, "", "pw"); !errors.Is(err, ErrHashParams) {
			t.Errorf("%+v: Verify err = %v", p, err)
		}
	}
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("DefaultParams().Validate() = %v", err)
	}
}

// HS-05: with every slot taken, callers get ErrBusy after the queue wait.
func TestConcurrencyCap(t *testing.T) {
	h := NewHasher(cheap, 1, 50*time.Millisecond)
	enc, err := h.Hash(bg, "pw")
	if err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // occupy the only slot
	if _, err := h.Hash(bg, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash while busy: err = %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(bg, enc, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify while busy: err = %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(bg, "", "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("dummy Verify while busy: err = %v, want ErrBusy", err)
	}
	<-h.sem
	if match, _, err := h.Verify(bg, enc, "pw"); !match || err != nil {
		t.Fatalf("after release: match=%v err=%v", match, err)
	}
}

func TestQueueWaitsForSlot(t *testing.T) {
	h := NewHasher(cheap, 1, time.Minute)
	h.sem <- struct{}{}
	time.AfterFunc(20*time.Millisecond, func() { <-h.sem })
	if _, err := h.Hash(bg, "pw"); err != nil {
		t.Fatalf("Hash after slot frees: %v", err)
	}
}

func TestContextCancel(t *testing.T) {
	h := NewHasher(cheap, 1, time.Hour) // only ctx can end the wait
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	ctx, cancel := context.WithCancel(bg)
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := h.Hash(ctx, "pw")
	if !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrBusy wrapping context.Canceled", err)
	}
	// An already-done context fails without waiting.
	if _, _, err := h.Verify(ctx, "", "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify with done ctx: err = %v", err)
	}
}

func TestParallelRespectsCap(t *testing.T) {
	h := NewHasher(cheap, 2, 10*time.Second)
	enc, _ := h.Hash(bg, "pw")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if match, _, err := h.Verify(bg, enc, "pw"); !match || err != nil {
				t.Errorf("match=%v err=%v", match, err)
			}
			if n := len(h.sem); n > 2 {
				t.Errorf("%d slots in use", n)
			}
		})
	}
	wg.Wait()
}

// A caller who could not reach a slot before its queue wait runs out is
// refused at once instead of held until the timeout: the queue holds only as
// many callers as the slots can serve in time.
func TestHopelessQueueRefusedAtOnce(t *testing.T) {
	h := NewHasher(cheap, 1, time.Hour)
	h.sem <- struct{}{}                  // occupy the only slot
	h.avg.Store(int64(10 * time.Minute)) // as if each hash took 10 minutes
	ctx, cancel := context.WithCancel(bg)
	var wg sync.WaitGroup
	for range 5 { // 5 waiters ahead: the 6th would start after 60 minutes, just within the hour
		wg.Go(func() { _, _ = h.Hash(ctx, "pw") })
	}
	for h.waiting.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	// Without the check this call would wait for the hour; with it, a 7th
	// caller (6 rounds of 10 minutes ahead, > 1 hour) is refused now.
	h.waiting.Add(1) // a 6th waiter, held by hand so the count is exact
	if _, _, err := h.Verify(bg, "", "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify behind a hopeless queue: err = %v, want ErrBusy", err)
	}
	h.waiting.Add(-1)
	cancel()
	wg.Wait()
	<-h.sem
	// The estimate only refuses what the slots could not serve: with an idle
	// slot the next caller is served at once.
	if _, err := h.Hash(bg, "pw"); err != nil {
		t.Fatalf("Hash with a free slot: %v", err)
	}
}
