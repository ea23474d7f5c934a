package token_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/token"
)

func hs256(secret, header, payload string) string {
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signed))
	return signed + "." + enc.EncodeToString(m.Sum(nil))
}

func TestDirectusVerify(t *testing.T) {
	now := time.Unix(1796163100, 0)
	d := token.NewDirectus([]byte("fixture-secret"), func() time.Time { return now })
	hdr := `{"alg":"HS256","typ":"JWT"}`
	good := `{"id":"c0000000-0000-4000-8000-000000000001","role":null,"app_access":true,"admin_access":false,"iat":1796163062,"exp":1796163962,"iss":"directus"}`
	c, err := d.Verify(hs256("fixture-secret", hdr, good))
	if err != nil || c.UserID != "c0000000-0000-4000-8000-000000000001" || c.Role != nil || c.Session != "" {
		t.Fatalf("%+v %v", c, err)
	}
	sess := `{"id":"u","role":"r","app_access":true,"admin_access":false,"session":"abc","exp":2111523064,"iss":"directus"}`
	if c, err := d.Verify(hs256("fixture-secret", hdr, sess)); err != nil || c.Session != "abc" {
		t.Fatalf("session JWT: %+v %v", c, err)
	}
	for name, tc := range map[string]struct {
		tok  string
		want error
	}{
		"wrong secret":  {hs256("other", hdr, good), token.ErrInvalid},
		"expired":       {hs256("fixture-secret", hdr, `{"id":"u","role":null,"app_access":true,"admin_access":false,"exp":1796163100,"iss":"directus"}`), token.ErrExpired},
		"no role":       {hs256("fixture-secret", hdr, `{"id":"u","app_access":true,"admin_access":false,"exp":1796163962,"iss":"directus"}`), token.ErrInvalid},
		"no exp":        {hs256("fixture-secret", hdr, `{"id":"u","role":null,"app_access":true,"admin_access":false,"iss":"directus"}`), token.ErrInvalid},
		"exp as text":   {hs256("fixture-secret", hdr, `{"id":"u","role":null,"app_access":true,"admin_access":false,"exp":"1796163962","iss":"directus"}`), token.ErrInvalid},
		"huge exp":      {hs256("fixture-secret", hdr, `{"id":"u","role":null,"app_access":true,"admin_access":false,"exp":1e300,"iss":"directus"}`), token.ErrInvalid},
		"no id":         {hs256("fixture-secret", hdr, `{"role":null,"app_access":true,"admin_access":false,"exp":1796163962,"iss":"directus"}`), token.ErrInvalid},
		"empty session": {hs256("fixture-secret", hdr, `{"id":"u","role":null,"app_access":true,"admin_access":false,"session":"","exp":1796163962,"iss":"directus"}`), token.ErrInvalid},
		"kid header":    {hs256("fixture-secret", `{"alg":"HS256","typ":"JWT","kid":"x"}`, good), token.ErrInvalid},
		"other issuer":  {hs256("fixture-secret", hdr, `{"id":"u","role":null,"app_access":true,"admin_access":false,"exp":1796163962,"iss":"gatehouse"}`), token.ErrForeign},
		"alg none":      {hs256("fixture-secret", `{"alg":"none"}`, good), token.ErrForeign},
		"not a JWT":     {"frank-static-token-7Qm2xV9pL4sK8dR3", token.ErrForeign},
		"bad signature": {hs256("fixture-secret", hdr, good) + "A", token.ErrInvalid},
	} {
		if _, err := d.Verify(tc.tok); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}
