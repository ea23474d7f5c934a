package token_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/token"
)

func FuzzVerify(f *testing.F) {
	fx := newFixture(f, "ES256")
	token.SetReloadIntervalForTest(fx.m, time.Millisecond) // seeds name unknown kids
	ctx := context.Background()
	tok := mustSign(f, fx.m, token.Claims{UserID: "u", Role: ptr("r"), AppAccess: true, Session: "s", Generation: 9}, maxTTL)
	f.Add(tok)
	for i := 0; i < len(tok)*8; i += 7 {
		b := []byte(tok)
		b[i/8] ^= 1 << (i % 8)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := fx.m.Verify(ctx, s)
		switch {
		case err == nil:
			if s != tok {
				t.Fatalf("accepted a token we did not sign: %q", s)
			}
		case !errors.Is(err, token.ErrInvalid) && !errors.Is(err, token.ErrForeign) && !errors.Is(err, token.ErrExpired):
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func FuzzRefreshDecode(f *testing.F) {
	r := token.NewRefresh(testSecret)
	f.Add(r.Encode("8c0b8a61-3d2e-4b8f-9f4e-1a2b3c4d5e6f", 1))
	f.Fuzz(func(t *testing.T, s string) {
		sid, gen, err := r.Decode(s)
		if err != nil {
			if !errors.Is(err, token.ErrMalformedRefresh) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if r.Encode(sid, gen) != s {
			t.Fatalf("non-canonical token accepted: %q", s)
		}
	})
}
