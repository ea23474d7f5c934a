package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8055 || c.Host != "0.0.0.0" || c.DB.Client != "sqlite3" || c.DB.Filename != "./data/gatehouse.db" ||
		c.AccessTokenTTL.D() != 15*time.Minute || c.RefreshTokenTTL.D() != 7*24*time.Hour || c.SessionCookieTTL.D() != 24*time.Hour ||
		c.LoginStallTime.D() != 500*time.Millisecond || c.AuthLoginAttempts != 25 || c.MaxPayloadSize != 1<<20 ||
		c.RefreshCookie.Name != "directus_refresh_token" || c.SessionCookie.Name != "directus_session_token" ||
		c.JWTAlgorithm != "ES256" || c.JWTIssuer != "gatehouse" || c.Hash.MemoryCost != 19456 || c.Hash.MaxConcurrent < 1 ||
		c.Email.Transport != "file" || c.CookieSecure(c.RefreshCookie) {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"500ms": 500 * time.Millisecond, "10s": 10 * time.Second, "15m": 15 * time.Minute,
		"7d": 7 * 24 * time.Hour, "250": 250 * time.Millisecond, "1.5h": 90 * time.Minute} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-5s", "10 parsecs", "1e400"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestFileVariantsAndHTTPS(t *testing.T) {
	f := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(f, []byte("a-secret-that-is-long-enough-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"SECRET_FILE=" + f, "PUBLIC_URL=https://auth.example.com/", "SESSION_COOKIE_SECURE=false"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Secret != "a-secret-that-is-long-enough-0123456789" || c.PublicURL != "https://auth.example.com" ||
		!c.CookieSecure(c.RefreshCookie) || c.CookieSecure(c.SessionCookie) {
		t.Fatalf("got %+v", c)
	}
}

func TestValidationNamesTheVariable(t *testing.T) {
	for env, name := range map[string]string{
		"DB_CLIENT=mysql": "DB_CLIENT", "JWT_ALGORITHM=HS256": "JWT_ALGORITHM", "PUBLIC_URL=not a url": "PUBLIC_URL",
		"ACCESS_TOKEN_TTL=abc": "ACCESS_TOKEN_TTL", "SECRET=short": "SECRET", "HASH_MEMORY_COST=4": "HASH_MEMORY_COST",
		"EMAIL_TRANSPORT=smtp": "EMAIL_SMTP_HOST", "REFRESH_TOKEN_COOKIE_SAME_SITE=sometimes": "REFRESH_TOKEN_COOKIE_SAME_SITE",
		"AUTH_PASSWORD_POLICY=(": "AUTH_PASSWORD_POLICY", "SECRET_FILE=/nonexistent/x": "SECRET_FILE",
		// Above what a stored hash may ask for (internal/password), so our own would not verify.
		"HASH_MEMORY_COST=262145": "HASH_MEMORY_COST", "HASH_TIME_COST=17": "HASH_TIME_COST", "HASH_PARALLELISM=17": "HASH_PARALLELISM",
		"DB_POOLER=statement": "DB_POOLER", "DB_POOLER=transaction": "DB_POOLER",
	} {
		_, err := Load([]string{env})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name %s", env, err, name)
		}
		if err != nil && strings.Contains(env, "SECRET=") && strings.Contains(err.Error(), "short") {
			t.Errorf("the error repeats the secret: %v", err)
		}
	}
}

// Issue 17: metrics get their own listener, loopback by default; set empty
// it is off, and a malformed address stops the start naming the variable.
func TestMetricsAddr(t *testing.T) {
	for env, want := range map[string]string{"": DefaultMetricsAddr, "METRICS_ADDR=": "", "METRICS_ADDR=0.0.0.0:9100": "0.0.0.0:9100"} {
		c, err := Load([]string{env})
		if err != nil || c.Ops.MetricsAddr != want {
			t.Errorf("%q: %q, %v; want %q", env, c.Ops.MetricsAddr, err, want)
		}
	}
	if DefaultMetricsAddr != "127.0.0.1:9464" {
		t.Fatalf("default %q", DefaultMetricsAddr)
	}
	if _, err := Load([]string{"METRICS_ADDR=9464"}); err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Fatalf("a bare port: %v", err)
	}
}

func TestPooler(t *testing.T) {
	c, err := Load([]string{"DB_CLIENT=pg", "DB_POOLER=Transaction", "DB_DIRECT_URL=postgres://db:5432/gh"})
	if err != nil || c.DB.Pooler != "transaction" || c.DB.DirectURL != "postgres://db:5432/gh" {
		t.Fatalf("got %+v, %v", c.DB, err)
	}
	if c, err := Load([]string{"DB_CLIENT=pg", "DB_POOLER=session"}); err != nil || c.DB.Pooler != "" {
		t.Fatalf("session pooler: %+v, %v", c.DB, err)
	}
}

// Issue 18: the JWKS max-age and the key reload interval decide how long a
// rotated-in key is published before it signs; automatic rotation is off
// unless set, and each setting is checked, naming the variable.
func TestKeySettings(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.JWKSMaxAge.D() != time.Minute || c.KeysReloadInterval.D() != 30*time.Second || c.KeysRotateEvery != 0 ||
		c.KeyPublishFor() != 90*time.Second {
		t.Fatalf("defaults: max-age %v, reload %v, rotate %v", c.JWKSMaxAge.D(), c.KeysReloadInterval.D(), c.KeysRotateEvery.D())
	}
	c, err = Load([]string{"JWKS_MAX_AGE=5m", "KEYS_RELOAD_INTERVAL=200ms", "KEYS_ROTATE_EVERY=30d"})
	if err != nil || c.KeyPublishFor() != 5*time.Minute+200*time.Millisecond || c.KeysRotateEvery.D() != 30*24*time.Hour {
		t.Fatalf("got %+v, %v", c, err)
	}
	for _, env := range [][]string{
		{"JWKS_MAX_AGE=0"}, {"JWKS_MAX_AGE=1500ms"}, {"JWKS_MAX_AGE=2d"}, {"JWKS_MAX_AGE=soon"},
		{"KEYS_RELOAD_INTERVAL=0"}, {"KEYS_RELOAD_INTERVAL=10ms"}, {"KEYS_RELOAD_INTERVAL=2h"},
		{"KEYS_ROTATE_EVERY=90s"}, {"KEYS_ROTATE_EVERY=-1d"}, {"KEYS_ROTATE_EVERY=10s", "JWKS_MAX_AGE=5s", "KEYS_RELOAD_INTERVAL=5s"},
	} {
		name, _, _ := strings.Cut(env[0], "=")
		if _, err := Load(env); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v does not name %s", env, err, name)
		}
	}
}
