package ratelimit

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds a Memory limiter's table, so a flood of distinct keys
// cannot grow it without limit.
const DefaultMaxKeys = 100_000

// Memory is a per-process limiter.
type Memory struct {
	o       Options
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	n   int64
	exp time.Time // zero = never
}

// NewMemory builds an in-process limiter.
func NewMemory(o Options) (*Memory, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	return &Memory{o: o, maxKeys: DefaultMaxKeys, buckets: map[string]*bucket{}}, nil
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string) (Result, error) {
	now := m.o.Now()
	key = m.o.Prefix + key
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls%1024 == 0 {
		m.sweep(now)
	}
	b := m.buckets[key]
	if b != nil && !b.exp.IsZero() && !now.Before(b.exp) {
		b = nil
	}
	if b == nil {
		if len(m.buckets) >= m.maxKeys {
			m.sweep(now)
			for k := range m.buckets { // still full: evict an arbitrary key
				if len(m.buckets) < m.maxKeys {
					break
				}
				delete(m.buckets, k)
			}
		}
		b = &bucket{}
		if m.o.Duration > 0 {
			b.exp = now.Add(m.o.Duration)
		}
		m.buckets[key] = b
	}
	if b.n <= int64(m.o.Points) { // stop counting once over: no overflow
		b.n++
	}
	return m.o.result(b.n, b.exp), nil
}

// Reset implements Limiter.
func (m *Memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.buckets, m.o.Prefix+key)
	m.mu.Unlock()
	return nil
}

func (m *Memory) sweep(now time.Time) {
	for k, b := range m.buckets {
		if !b.exp.IsZero() && !now.Before(b.exp) {
			delete(m.buckets, k)
		}
	}
}

// Len is the number of keys held (for tests).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}
