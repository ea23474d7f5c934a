package token_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testclock"
	"github.com/gatehouse/gatehouse/internal/token"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const maxTTL = time.Hour

var testSecret = []byte("test-secret-0123456789abcdefghijklmnop")

type fixture struct {
	m     *token.Manager
	store *token.MemKeyStore
	clk   *testclock.Clock
}

func newFixture(t testing.TB, alg string) fixture {
	t.Helper()
	f := fixture{store: &token.MemKeyStore{}, clk: testclock.New(t0)}
	f.m = f.manager(t, alg, testSecret)
	return f
}

func (f fixture) manager(t testing.TB, alg string, secret []byte) *token.Manager {
	t.Helper()
	m, err := token.NewManager(context.Background(), token.Options{
		Store: f.store, Secret: secret, Algorithm: alg, MaxTTL: maxTTL, Now: f.clk.Now,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

func adminClaims() token.Claims {
	return token.Claims{UserID: "7d5c2a7e-1b7a-4f41-9a53-3f3c9d1c2b10", Role: ptr("0f6f3c31-7c0a-4a56-9b0c-0c5cb7e8d9a1"), AppAccess: true, AdminAccess: true}
}

func mustSign(t testing.TB, m *token.Manager, c token.Claims, ttl time.Duration) string {
	t.Helper()
	tok, _, err := m.Sign(c, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantErr(t *testing.T, m *token.Manager, raw string, want error) {
	t.Helper()
	_, err := m.Verify(context.Background(), raw)
	if !errors.Is(err, want) {
		short := raw
		if len(short) > 120 {
			short = short[:120] + "..."
		}
		t.Fatalf("Verify(%q) = %v, want %v", short, err, want)
	}
}
