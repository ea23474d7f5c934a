package token_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/gatehouse/gatehouse/internal/token"
)

var enc = base64.RawURLEncoding

func jsonSeg(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeToString(b)
}

// validPayload is a claim set our verifier would accept if the signature
// were good.
func validPayload() map[string]any {
	return map[string]any{
		"id": "u", "role": nil, "app_access": true, "admin_access": true,
		"iat": t0.Unix(), "exp": t0.Add(10 * time.Minute).Unix(), "iss": "gatehouse",
	}
}

// signWith signs a payload with an arbitrary (attacker) key and header.
func signWith(t testing.TB, alg jwa.SignatureAlgorithm, key any, hdr map[string]any, payload map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(payload)
	h := jws.NewHeaders()
	for k, v := range hdr {
		if err := h.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	out, err := jws.Sign(b, jws.WithKey(alg, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func attackerKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAlgNone(t *testing.T) {
	f := newFixture(t, "ES256")
	kid := token.SignerKIDForTest(f.m)
	real := mustSign(t, f.m, adminClaims(), time.Minute)
	realSig := strings.Split(real, ".")[2]
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		for _, sig := range []string{"", realSig} {
			for _, hdr := range []map[string]any{{"alg": alg, "typ": "JWT"}, {"alg": alg, "kid": kid, "typ": "JWT"}} {
				tok := jsonSeg(t, hdr) + "." + jsonSeg(t, validPayload()) + "." + sig
				wantErr(t, f.m, tok, token.ErrInvalid)
			}
		}
	}
}

func publicEncodings(t *testing.T, m *token.Manager) [][]byte {
	t.Helper()
	set, err := jwk.Parse(m.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	k, _ := set.Key(0)
	var raw any
	if err := k.Raw(&raw); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	pemB := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwkJSON, _ := json.Marshal(k)
	var out [][]byte
	for _, b := range [][]byte{der, pemB, jwkJSON, m.JWKS()} {
		out = append(out, b, []byte(strings.TrimRight(string(b), "\n")), append(append([]byte{}, b...), '\n'))
	}
	return out
}

func TestHMACKeyConfusion(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg)
			kid := token.SignerKIDForTest(f.m)
			for _, secret := range publicEncodings(t, f.m) {
				for _, hs := range []jwa.SignatureAlgorithm{jwa.HS256, jwa.HS384, jwa.HS512} {
					tok := signWith(t, hs, secret, map[string]any{"kid": kid, "typ": "JWT"}, validPayload())
					wantErr(t, f.m, tok, token.ErrInvalid)
				}
			}
		})
	}
}

func TestKidInjection(t *testing.T) {
	f := newFixture(t, "ES256")
	token.SetReloadIntervalForTest(f.m, time.Millisecond)
	atk := attackerKey(t)
	kids := []any{"unknown", "../../dev/null", "../../../../dev/null", "' OR '1'='1", strings.Repeat("k", 10000), 123, 1.5,
		map[string]any{"a": 1}, []any{"x"}, nil, true, ""}
	for _, kid := range kids {
		hdr := map[string]any{"alg": "ES256", "typ": "JWT", "kid": kid}
		// Header built by hand so non-string kids survive.
		unsigned := jsonSeg(t, hdr) + "." + jsonSeg(t, validPayload())
		tok := unsigned + "." + enc.EncodeToString(make([]byte, 64))
		if len(tok) <= 8<<10 {
			wantErr(t, f.m, tok, token.ErrInvalid)
		} else {
			wantErr(t, f.m, tok, token.ErrForeign) // over the size cap: not even looked at
		}
		if s, ok := kid.(string); ok {
			tok := signWith(t, jwa.ES256, atk, map[string]any{"kid": s, "typ": "JWT"}, validPayload())
			if len(tok) <= 8<<10 {
				wantErr(t, f.m, tok, token.ErrInvalid)
			} else {
				wantErr(t, f.m, tok, token.ErrForeign)
			}
		}
	}
}

func TestEmbeddedKeyAndURLHeaders(t *testing.T) {
	f := newFixture(t, "ES256")
	kid := token.SignerKIDForTest(f.m)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"keys":[]}`))
	}))
	defer srv.Close()

	atk := attackerKey(t)
	atkJWK, err := jwk.PublicKeyOf(atk)
	if err != nil {
		t.Fatal(err)
	}
	atkJWK.Set(jwk.KeyIDKey, kid)
	for _, kidv := range []string{kid, "attacker"} {
		for _, extra := range []map[string]any{
			{"jwk": atkJWK},
			{"jku": srv.URL + "/jwks.json"},
			{"x5u": srv.URL + "/cert.pem"},
			{"jku": srv.URL + "/jwks.json", "jwk": atkJWK},
		} {
			hdr := map[string]any{"kid": kidv, "typ": "JWT"}
			for k, v := range extra {
				hdr[k] = v
			}
			wantErr(t, f.m, signWith(t, jwa.ES256, atk, hdr, validPayload()), token.ErrInvalid)
		}
	}
	// Also with our real signature, the extra members alone are refused.
	tok, err := token.SignPayloadForTest(f.m, jwa.ES256, map[string]any{"kid": kid, "typ": "JWT", "jku": srv.URL}, mustJSON(validPayload()))
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.m, tok, token.ErrInvalid)
	if n := hits.Load(); n != 0 {
		t.Fatalf("jku/x5u listener received %d requests", n)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestIssuerAndRequiredClaims(t *testing.T) {
	f := newFixture(t, "ES256")
	kid := token.SignerKIDForTest(f.m)
	hdr := map[string]any{"kid": kid, "typ": "JWT"}
	sign := func(mut func(map[string]any)) string {
		p := validPayload()
		mut(p)
		tok, err := token.SignPayloadForTest(f.m, jwa.ES256, hdr, mustJSON(p))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, err := f.m.Verify(context.Background(), sign(func(map[string]any) {})); err != nil {
		t.Fatalf("control token: %v", err)
	}
	wantErr(t, f.m, sign(func(p map[string]any) { p["iss"] = "directus" }), token.ErrForeign)
	wantErr(t, f.m, sign(func(p map[string]any) { p["iss"] = 7 }), token.ErrForeign)
	wantErr(t, f.m, sign(func(p map[string]any) { delete(p, "iss") }), token.ErrInvalid)
	wantErr(t, f.m, sign(func(p map[string]any) { delete(p, "exp") }), token.ErrInvalid)
	wantErr(t, f.m, sign(func(p map[string]any) { p["exp"] = 0 }), token.ErrInvalid)
	for _, k := range []string{"role", "app_access", "admin_access"} {
		wantErr(t, f.m, sign(func(p map[string]any) { delete(p, k) }), token.ErrInvalid)
	}
	wantErr(t, f.m, sign(func(p map[string]any) { p["app_access"] = "yes" }), token.ErrInvalid)
	wantErr(t, f.m, sign(func(p map[string]any) { p["session"] = "s" }), token.ErrInvalid) // session without sgen
	wantErr(t, f.m, sign(func(p map[string]any) { p["nbf"] = t0.Add(time.Hour).Unix() }), token.ErrInvalid)
	wantErr(t, f.m, sign(func(p map[string]any) { p["exp"] = t0.Add(-time.Second).Unix() }), token.ErrExpired)
	// A foreign issuer's token signed with some other key is not ours at all.
	wantErr(t, f.m, signWith(t, jwa.ES256, attackerKey(t), map[string]any{"kid": "x"}, map[string]any{"iss": "other", "exp": 1}), token.ErrForeign)
	// No iss and not our kid: could be anybody's JWT.
	wantErr(t, f.m, signWith(t, jwa.ES256, attackerKey(t), map[string]any{"kid": "x"}, map[string]any{"sub": "a"}), token.ErrForeign)
}

func TestTampering(t *testing.T) {
	f := newFixture(t, "ES256")
	tok := mustSign(t, f.m, token.Claims{UserID: "u", Role: ptr("user"), AppAccess: true}, time.Minute)
	other := mustSign(t, f.m, token.Claims{UserID: "v", Role: nil}, time.Minute)
	parts := strings.Split(tok, ".")

	// Flip a claim.
	pl := decodeSeg(t, tok, 1)
	pl["admin_access"] = true
	wantErr(t, f.m, parts[0]+"."+jsonSeg(t, pl)+"."+parts[2], token.ErrInvalid)
	pl = decodeSeg(t, tok, 1)
	pl["role"] = "admin"
	wantErr(t, f.m, parts[0]+"."+jsonSeg(t, pl)+"."+parts[2], token.ErrInvalid)
	// Signature from another token.
	wantErr(t, f.m, parts[0]+"."+parts[1]+"."+strings.Split(other, ".")[2], token.ErrInvalid)
	// Dropped signature.
	wantErr(t, f.m, parts[0]+"."+parts[1]+".", token.ErrInvalid)
	// Flip every bit of the signature, one at a time.
	sig, _ := enc.DecodeString(parts[2])
	for i := range len(sig) * 8 {
		s := append([]byte{}, sig...)
		s[i/8] ^= 1 << (i % 8)
		wantErr(t, f.m, parts[0]+"."+parts[1]+"."+enc.EncodeToString(s), token.ErrInvalid)
	}
	// Non-canonical base64 for the same signature bytes (trailing bits).
	last := parts[2][len(parts[2])-1]
	alt := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last) ^ 1
	variant := parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[alt])
	wantErr(t, f.m, variant, token.ErrInvalid)
	// Header tampering: alg switched to ES384 with our key type.
	hdr := decodeSeg(t, tok, 0)
	hdr["alg"] = "ES384"
	wantErr(t, f.m, jsonSeg(t, hdr)+"."+parts[1]+"."+parts[2], token.ErrInvalid)
}

func TestWrongAlgorithmRightKeyType(t *testing.T) {
	f := newFixture(t, "ES256")
	kid := token.SignerKIDForTest(f.m)
	// A P-384 key under our kid, properly signed ES384.
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	wantErr(t, f.m, signWith(t, jwa.ES384, k384, map[string]any{"kid": kid, "typ": "JWT"}, validPayload()), token.ErrInvalid)
	// Our own P-256 key used with ES384/ES512 (if jwx signs it at all).
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES384, jwa.ES512} {
		if tok, err := token.SignPayloadForTest(f.m, alg, map[string]any{"kid": kid, "typ": "JWT"}, mustJSON(validPayload())); err == nil {
			wantErr(t, f.m, tok, token.ErrInvalid)
		}
	}
}

func TestRS256VersusPS256(t *testing.T) {
	f := newFixture(t, "RS256")
	kid := token.SignerKIDForTest(f.m)
	for _, alg := range []jwa.SignatureAlgorithm{jwa.PS256, jwa.RS384, jwa.RS512} {
		tok, err := token.SignPayloadForTest(f.m, alg, map[string]any{"kid": kid, "typ": "JWT"}, mustJSON(validPayload()))
		if err != nil {
			t.Fatal(err)
		}
		wantErr(t, f.m, tok, token.ErrInvalid)
	}
	tok, err := token.SignPayloadForTest(f.m, jwa.RS256, map[string]any{"kid": kid, "typ": "JWT"}, mustJSON(validPayload()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Verify(context.Background(), tok); err != nil {
		t.Fatalf("RS256 control: %v", err)
	}
}

func TestMalformed(t *testing.T) {
	f := newFixture(t, "ES256")
	tok := mustSign(t, f.m, adminClaims(), time.Minute)
	p := strings.Split(tok, ".")
	hugeHdr := jsonSeg(t, map[string]any{"alg": "ES256", "kid": "k", "x": strings.Repeat("a", 100<<10)})
	nested := enc.EncodeToString([]byte(strings.Repeat("[", 5000)))
	nestedObj := enc.EncodeToString([]byte(`{"alg":"ES256","x":` + strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat("}", 20000) + `}`))
	jsonSer := fmt.Sprintf(`{"payload":%q,"signatures":[{"header":{"kid":"x"},"signature":%q}]}`, p[1], p[2])
	jsonSerFlat := fmt.Sprintf(`{"payload":%q,"protected":%q,"signature":%q}`, p[1], p[0], p[2])
	cases := []string{
		"", ".", "..", "...", "a", "a.b", p[0] + "." + p[1], tok + ".x", p[0] + "." + p[1] + "." + p[2] + "." + p[2],
		"a!b.c.d", p[0] + "=." + p[1] + "." + p[2], "Bearer " + tok, tok + "\n", " " + tok,
		jsonSer, jsonSerFlat, hugeHdr + "." + p[1] + "." + p[2], nested + "." + p[1] + "." + p[2],
		nestedObj + "." + p[1] + "." + p[2], p[0] + "." + nested + "." + p[2],
		enc.EncodeToString([]byte("null")) + "." + p[1] + "." + p[2],
		enc.EncodeToString([]byte("[]")) + "." + p[1] + "." + p[2],
		"AdminStaticToken",
	}
	for _, c := range cases {
		_, err := f.m.Verify(context.Background(), c)
		if err != token.ErrForeign && err != token.ErrInvalid {
			t.Fatalf("Verify(%.60q) = %v", c, err)
		}
	}
	// A bad signature encoding on a token that is ours is invalid, not foreign.
	wantErr(t, f.m, p[0]+"."+p[1]+"."+p[2][:len(p[2])-1], token.ErrInvalid)
}
