package token_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// memStore is an in-memory KeyStore; the bun-backed one is tested elsewhere.
type memStore struct {
	mu    sync.Mutex
	rows  []models.Key
	lists atomic.Int64
}

func (s *memStore) ListKeys(context.Context) ([]models.Key, error) {
	s.lists.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rows), nil
}

func (s *memStore) InsertKey(_ context.Context, k *models.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rows {
		if r.KID == k.KID {
			return errors.New("duplicate kid")
		}
	}
	s.rows = append(s.rows, *k)
	return nil
}

func (s *memStore) RetireKeys(_ context.Context, except string, retiredAt, deleteAfter time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rows {
		if s.rows[i].KID != except && s.rows[i].RetiredAt == nil {
			r, d := retiredAt, deleteAfter
			s.rows[i].RetiredAt, s.rows[i].DeleteAfter = &r, &d
		}
	}
	return nil
}

func (s *memStore) DeleteKeysBefore(_ context.Context, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = slices.DeleteFunc(s.rows, func(k models.Key) bool { return k.DeleteAfter != nil && k.DeleteAfter.Before(t) })
	return nil
}

func (s *memStore) has(kid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.rows, func(k models.Key) bool { return k.KID == kid })
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const maxTTL = time.Hour

var testSecret = []byte("test-secret-0123456789abcdefghijklmnop")

type fixture struct {
	m     *token.Manager
	store *memStore
	clk   *clock
}

func newFixture(t testing.TB, alg string) fixture {
	t.Helper()
	f := fixture{store: &memStore{}, clk: &clock{t: t0}}
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
