package token_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/gatehouse/gatehouse/internal/token"
)

func TestRoundTrip(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA", "RS256"} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg)
			jwks, err := jwk.Parse(f.m.JWKS())
			if err != nil {
				t.Fatal(err)
			}
			cases := []token.Claims{
				adminClaims(),
				{UserID: "u1", Role: nil, AppAccess: false, AdminAccess: false},
				{UserID: "u2", Role: ptr("r"), AppAccess: true, Session: "sess-1", Generation: 42},
			}
			for _, c := range cases {
				tok, exp, err := f.m.Sign(c, 15*time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if !exp.Equal(t0.Add(15 * time.Minute)) {
					t.Fatalf("expires = %v", exp)
				}
				hdr := decodeSeg(t, tok, 0)
				if hdr["alg"] != alg || hdr["typ"] != "JWT" || hdr["kid"] != token.SignerKIDForTest(f.m) {
					t.Fatalf("header = %v", hdr)
				}
				pl := decodeSeg(t, tok, 1)
				if _, ok := pl["role"]; !ok {
					t.Fatal("role key missing")
				}
				if _, ok := pl["sgen"]; ok != (c.Session != "") {
					t.Fatalf("sgen presence wrong: %v", pl)
				}
				if pl["iss"] != "gatehouse" {
					t.Fatalf("iss = %v", pl["iss"])
				}
				// A resource server checks it against the published JWKS alone.
				if _, err := jws.Verify([]byte(tok), jws.WithKeySet(jwks)); err != nil {
					t.Fatalf("jwx rejects the token with the JWKS: %v", err)
				}
				got, err := f.m.Verify(context.Background(), tok)
				if err != nil {
					t.Fatal(err)
				}
				c.IssuedAt, c.Expires = t0, exp
				if got.UserID != c.UserID || !eqPtr(got.Role, c.Role) || got.AppAccess != c.AppAccess ||
					got.AdminAccess != c.AdminAccess || got.Session != c.Session || got.Generation != c.Generation ||
					!got.IssuedAt.Equal(c.IssuedAt) || !got.Expires.Equal(c.Expires) {
					t.Fatalf("claims = %+v, want %+v", got, c)
				}
			}
		})
	}
}

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func decodeSeg(t testing.TB, tok string, i int) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignRejectsTTL(t *testing.T) {
	f := newFixture(t, "ES256")
	for _, ttl := range []time.Duration{0, -time.Second, maxTTL + time.Second} {
		if _, _, err := f.m.Sign(adminClaims(), ttl); err == nil {
			t.Fatalf("ttl %s accepted", ttl)
		}
	}
}

func TestExpired(t *testing.T) {
	f := newFixture(t, "ES256")
	tok := mustSign(t, f.m, adminClaims(), 15*time.Minute)
	f.clk.Advance(15*time.Minute - time.Second)
	if _, err := f.m.Verify(context.Background(), tok); err != nil {
		t.Fatalf("before exp: %v", err)
	}
	f.clk.Advance(2 * time.Second)
	wantErr(t, f.m, tok, token.ErrExpired)
}

func TestIssuedInFuture(t *testing.T) {
	f := newFixture(t, "ES256")
	tok := mustSign(t, f.m, adminClaims(), 15*time.Minute)
	f.clk.Advance(-3 * time.Second) // small drift between instances is tolerated
	if _, err := f.m.Verify(context.Background(), tok); err != nil {
		t.Fatalf("small drift: %v", err)
	}
	f.clk.Advance(-time.Minute)
	wantErr(t, f.m, tok, token.ErrInvalid)
}

func BenchmarkSignES256(b *testing.B) {
	f := newFixture(b, "ES256")
	c := adminClaims()
	for b.Loop() {
		if _, _, err := f.m.Sign(c, 15*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyES256(b *testing.B) {
	f := newFixture(b, "ES256")
	tok := mustSign(b, f.m, adminClaims(), 15*time.Minute)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.m.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
