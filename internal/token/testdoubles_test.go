package token

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// MemKeyStore is an in-memory KeyStore for this package's tests, inside and
// outside the package; the bun-backed one is tested in internal/store.
type MemKeyStore struct {
	mu    sync.Mutex
	rows  []models.Key
	Lists atomic.Int64 // ListKeys calls
}

func (s *MemKeyStore) ListKeys(context.Context) ([]models.Key, error) {
	s.Lists.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rows), nil
}

// AddKey mirrors the store's: generations are unique, and the insert,
// retirement and cleanup happen at once.
func (s *MemKeyStore) AddKey(_ context.Context, k *models.Key, deleteAfter, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rows {
		if r.KID == k.KID {
			return false, errors.New("duplicate kid")
		}
		if r.Generation == k.Generation {
			return false, nil
		}
	}
	s.rows = append(s.rows, *k)
	for i := range s.rows {
		if s.rows[i].Generation < k.Generation && s.rows[i].RetiredAt == nil {
			r, d := k.ActivatesAt, deleteAfter
			s.rows[i].RetiredAt, s.rows[i].DeleteAfter = &r, &d
		}
	}
	s.rows = slices.DeleteFunc(s.rows, func(k models.Key) bool { return k.DeleteAfter != nil && k.DeleteAfter.Before(now) })
	return true, nil
}

// Has reports whether the key is stored.
func (s *MemKeyStore) Has(kid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.rows, func(k models.Key) bool { return k.KID == kid })
}

// Drop deletes a key behind the Manager's back.
func (s *MemKeyStore) Drop(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = slices.DeleteFunc(s.rows, func(k models.Key) bool { return k.KID == kid })
}

// Edit changes the stored rows in place, as a tampering database would.
func (s *MemKeyStore) Edit(fn func(rows []models.Key)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.rows)
}
