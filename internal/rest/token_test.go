package rest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/models"
)

func me(s *apptest.Server, header ...string) *apptest.Response {
	return s.Do("GET", "/users/me", nil, header...)
}

func TestTokenPresentation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		at := s.Login(admin, adminPW).Data()["access_token"].(string)
		id := user(t, s, admin).ID
		for name, r := range map[string]*apptest.Response{
			"Bearer":       me(s, "Authorization", "Bearer "+at),
			"bearer":       me(s, "Authorization", "bearer "+at),
			"query":        s.Do("GET", "/users/me?access_token="+at, nil),
			"static token": me(s, "Authorization", "Bearer "+apptest.AdminToken),
		} {
			if r.StatusCode != 200 || r.Data()["id"] != id {
				t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
			}
		}
		wantError(t, s.Do("GET", "/users/me?access_token="+at, nil, "Authorization", "Bearer "+at), 400, "INVALID_PAYLOAD",
			"Invalid payload. The request uses more than one method for including an access token.")
		wantError(t, me(s), 401, "INVALID_CREDENTIALS", "Invalid user credentials.")
		wantError(t, me(s, "Authorization", "Bearer unknown-static-token"), 401, "INVALID_CREDENTIALS", "")
		wantError(t, me(s, "Authorization", "Basic abc"), 401, "INVALID_CREDENTIALS", "")
		// Tampered payload of our own token → 403.
		parts := strings.Split(at, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		forged := strings.Replace(string(payload), `"admin_access":true`, `"admin_access":false`, 1)
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
		wantError(t, me(s, "Authorization", "Bearer "+tampered), 403, "INVALID_TOKEN", "Invalid token.")
		// Expired → 401 TOKEN_EXPIRED.
		s.Clock.Advance(16 * time.Minute)
		wantError(t, me(s, "Authorization", "Bearer "+at), 401, "TOKEN_EXPIRED", "Token expired.")
	})
}

func TestMeFields(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		at := s.Login(admin, adminPW).Data()["access_token"].(string)
		r := me(s, "Authorization", "Bearer "+at)
		d := r.Data()
		for _, f := range []string{"id", "first_name", "last_name", "email", "password", "status", "role", "token", "tfa_secret", "last_access", "provider"} {
			if _, ok := d[f]; !ok {
				t.Errorf("field %s missing from %s", f, r.Body)
			}
		}
		if d["password"] != "**********" || d["token"] != "**********" || d["tfa_secret"] != nil || d["email"] != admin || d["status"] != "active" {
			t.Fatalf("concealed fields: %s", r.Body)
		}
		r = s.Do("GET", "/users/me?fields=password,token,tfa_secret", nil, "Authorization", "Bearer "+at)
		if d := r.Data(); len(d) != 3 || d["password"] != "**********" {
			t.Fatalf("fields subset: %s", r.Body)
		}
		r = s.Do("GET", "/users/me?fields=id&fields=email", nil, "Authorization", "Bearer "+at)
		if d := r.Data(); len(d) != 2 || d["email"] != admin {
			t.Fatalf("repeated fields: %s", r.Body)
		}
		wantError(t, s.Do("GET", "/users/me?fields=nope", nil, "Authorization", "Bearer "+at), 403, "FORBIDDEN", "")
		// A user without a password reads null there.
		s.CreateUser("plain@example.com", "plain-password-1")
		if r := s.Do("GET", "/users/me/", nil, "Authorization", "Bearer "+s.Login("plain@example.com", "plain-password-1").Data()["access_token"].(string)); r.Data()["token"] != nil || r.Data()["role"] != nil {
			t.Fatalf("plain user: %s", r.Body)
		}
	})
}

// signWith signs claims with key under the given header algorithm.
func signWith(t *testing.T, key any, alg jwa.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range claims {
		_ = tok.Set(k, v)
	}
	hdr := jws.NewHeaders()
	if kid != "" {
		_ = hdr.Set(jws.KeyIDKey, kid)
	}
	b, err := jwt.Sign(tok, jwt.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func rawJWT(header, payload map[string]any, sig []byte) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestJWTAttacks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		at := s.Login(admin, adminPW).Data()["access_token"].(string)
		kid := header(t, at)["kid"].(string)
		good := claims(t, at)

		// alg none, in every spelling.
		for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
			tok := rawJWT(map[string]any{"alg": alg, "typ": "JWT", "kid": kid}, good, nil)
			wantError(t, me(s, "Authorization", "Bearer "+tok), 403, "INVALID_TOKEN", "")
		}
		// HS256 keyed with our public key (PEM, DER, JWK JSON).
		set, err := jwk.Parse(s.Do("GET", "/.well-known/jwks.json", nil).Body)
		if err != nil {
			t.Fatal(err)
		}
		pubJWK, _ := set.Key(0)
		var pub ecdsa.PublicKey
		if err := pubJWK.Raw(&pub); err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&pub)
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		jwkJSON, _ := json.Marshal(pubJWK)
		for name, secret := range map[string][]byte{"pem": pemBytes, "der": der, "jwk": jwkJSON} {
			h, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid})
			p, _ := json.Marshal(good)
			signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
			mac := hmac.New(sha256.New, secret)
			mac.Write([]byte(signing))
			tok := signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
			if r := me(s, "Authorization", "Bearer "+tok); r.StatusCode != 403 || r.Code() != "INVALID_TOKEN" {
				t.Errorf("HS256 keyed with the public key (%s): %d %s", name, r.StatusCode, r.Body)
			}
		}
		// Signed by a key we don't know, with our issuer: unknown kid → 403.
		attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		forged := signWith(t, attacker, jwa.ES256, "unknown-kid", good)
		wantError(t, me(s, "Authorization", "Bearer "+forged), 403, "INVALID_TOKEN", "")
		// Same key, claiming our kid.
		forged = signWith(t, attacker, jwa.ES256, kid, good)
		wantError(t, me(s, "Authorization", "Bearer "+forged), 403, "INVALID_TOKEN", "")
		// Another issuer is not ours: looked up as a static token → 401.
		other := map[string]any{}
		for k, v := range good {
			other[k] = v
		}
		other["iss"] = "someone-else"
		wantError(t, me(s, "Authorization", "Bearer "+signWith(t, attacker, jwa.ES256, "x", other)), 401, "INVALID_CREDENTIALS", "")
		// A signature swapped in from another token.
		at2 := s.Login(admin, adminPW).Data()["access_token"].(string)
		p1, p2 := strings.Split(at, "."), strings.Split(at2, ".")
		if p1[1] != p2[1] {
			wantError(t, me(s, "Authorization", "Bearer "+p1[0]+"."+p1[1]+"."+p2[2]), 403, "INVALID_TOKEN", "")
		}
		// Malformed shapes never 500.
		for _, tok := range []string{"a.b", "a.b.c.d", "eyJ.eyJ.", strings.Repeat("A", 100000), `{"payload":"x"}`} {
			if r := me(s, "Authorization", "Bearer "+tok); r.StatusCode >= 500 || r.StatusCode < 400 {
				t.Errorf("%.20q: %d", tok, r.StatusCode)
			}
		}
	})
}

func TestKeyRotationAndDeletedKey(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		old := s.Login(admin, adminPW).Data()["access_token"].(string)
		oldKID := header(t, old)["kid"].(string)
		next, err := s.App.Keys.Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Issue 18: the rotated-in key is staged; it signs once published for
		// JWKS_MAX_AGE + KEYS_RELOAD_INTERVAL.
		if k := header(t, s.Login(admin, adminPW).Data()["access_token"].(string))["kid"]; k != oldKID {
			t.Fatalf("a staged key signed at once: %v", k)
		}
		s.Clock.Set(next.ActivatesAt)
		fresh := s.Login(admin, adminPW).Data()["access_token"].(string)
		if header(t, fresh)["kid"] == oldKID {
			t.Fatal("new tokens still signed by the retired key")
		}
		// The retired key still verifies its tokens, and is still published.
		if r := me(s, "Authorization", "Bearer "+old); r.StatusCode != 200 {
			t.Fatalf("retired key's token: %d %s", r.StatusCode, r.Body)
		}
		jwks := string(s.Do("GET", "/.well-known/jwks.json", nil).Body)
		if !strings.Contains(jwks, oldKID) {
			t.Fatal("retired key missing from JWKS")
		}
		for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`, `"k"`} {
			if strings.Contains(jwks, private) {
				t.Fatalf("JWKS exposes %s: %s", private, jwks)
			}
		}
		// Once the key is deleted its unexpired tokens are refused.
		if _, err := s.App.DB.NewDelete().Model((*models.Key)(nil)).Where("kid = ?", oldKID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.App.Keys.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		wantError(t, me(s, "Authorization", "Bearer "+old), 403, "INVALID_TOKEN", "")
		if r := me(s, "Authorization", "Bearer "+fresh); r.StatusCode != 200 {
			t.Fatalf("current key's token: %d", r.StatusCode)
		}
	})
}
