package token

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedCacheMax bounds each Manager's cache of verified access tokens. An
// entry is about 300 bytes, so a cache stays under a few MiB.
const verifiedCacheMax = 10000

type verifiedEntry struct {
	kid string
	c   Claims
}

// verifiedCache remembers access tokens whose signature and claims checked
// out (spec §5: "a bounded in-process cache of verified signatures keyed by
// the token's hash, valid until exp"). Each Manager owns one, so entries
// never cross Managers. Only successes are stored, and a hit is re-checked
// against the clock and the current key set, so a cached token stops
// verifying at its exp, or as soon as its key is deleted or dropped by a
// reload, exactly as an uncached one would. Session liveness is not part of
// Verify and is never cached.
type verifiedCache struct {
	mu  sync.RWMutex
	max int
	m   map[[sha256.Size]byte]verifiedEntry
}

// newVerifiedCache starts empty and grows on demand, so an idle Manager
// costs next to nothing.
func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{max: max, m: make(map[[sha256.Size]byte]verifiedEntry)}
}

// Verify checks an access token. See ErrExpired, ErrInvalid and ErrForeign
// for how failures map to Directus's responses. A token verified before is
// answered from the cache while it is unexpired and its key still verifies.
func (m *Manager) Verify(ctx context.Context, raw string) (Claims, error) {
	if len(raw) > maxTokenLen {
		return Claims{}, ErrForeign
	}
	sum := sha256.Sum256([]byte(raw))
	if c, ok := m.verified.get(sum, m.now(), m.state.Load().byKID); ok {
		if c.Role != nil { // callers get their own copy, as from a fresh parse
			r := *c.Role
			c.Role = &r
		}
		return c, nil
	}
	c, err := m.verify(ctx, raw)
	if err == nil {
		// Our tokens carry no nbf; one that does is not cached, so a clock
		// stepping back can never make a cached token valid too early.
		if hdr, pl, _, ok := splitCompact(raw); ok && pl["nbf"] == nil {
			if kid, ok := stringMember(hdr, "kid"); ok {
				m.verified.put(sum, verifiedEntry{kid: kid, c: c}, m.now())
			}
		}
	}
	return c, err
}

// get returns the cached claims if the entry is unexpired at now (with jwx's
// rule: valid while now, to the second, is before exp), not issued in the
// future (a clock stepped back) and its kid is still in keys, the owning
// Manager's live key set. Otherwise the entry is dropped and the caller
// re-verifies.
func (vc *verifiedCache) get(sum [sha256.Size]byte, now time.Time, keys map[string]*entry) (Claims, bool) {
	vc.mu.RLock()
	e, ok := vc.m[sum]
	vc.mu.RUnlock()
	if !ok {
		return Claims{}, false
	}
	if k := keys[e.kid]; k != nil && !pastDelete(k.deleteAfter, now) &&
		now.Truncate(time.Second).Before(e.c.Expires) && !e.c.IssuedAt.After(now.Add(iatLeeway)) {
		return e.c, true
	}
	vc.mu.Lock()
	delete(vc.m, sum)
	vc.mu.Unlock()
	return Claims{}, false
}

// put stores an entry; when full it first evicts up to an eighth of the
// cache, preferring entries expired at now, so inserts stay cheap on average.
func (vc *verifiedCache) put(sum [sha256.Size]byte, e verifiedEntry, now time.Time) {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if _, ok := vc.m[sum]; !ok && len(vc.m) >= vc.max {
		vc.evictLocked(now)
	}
	vc.m[sum] = e
}

func (vc *verifiedCache) evictLocked(now time.Time) {
	quota := max(1, vc.max/8)
	now = now.Truncate(time.Second)
	for k, e := range vc.m { // expired first
		if !now.Before(e.c.Expires) {
			delete(vc.m, k)
			if quota--; quota == 0 {
				return
			}
		}
	}
	for k := range vc.m { // then arbitrary ones (map order is random)
		delete(vc.m, k)
		if quota--; quota == 0 {
			return
		}
	}
}

func (vc *verifiedCache) len() int {
	vc.mu.RLock()
	defer vc.mu.RUnlock()
	return len(vc.m)
}
