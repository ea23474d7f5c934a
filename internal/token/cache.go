package token

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedCacheMax bounds the cache of verified access tokens. An entry is
// about 300 bytes, so the cache stays under a few MiB.
const verifiedCacheMax = 10000

// verified remembers access tokens whose signature and claims checked out
// (spec §5: "a bounded in-process cache of verified signatures keyed by the
// token's hash, valid until exp"). Only successes are stored, and a hit is
// re-checked against the clock and the current key set, so a cached token
// stops verifying at its exp, or as soon as its key is deleted or dropped
// by a reload, exactly as an uncached one would. Session liveness is not
// part of Verify and is never cached.
//
// The cache is shared by every Manager in the process (the Manager struct
// has no slot for it); each entry records the Manager that verified it and
// only that Manager gets hits from it.
var verified = newVerifiedCache(verifiedCacheMax)

type verifiedEntry struct {
	m   *Manager
	kid string
	c   Claims
}

type verifiedCache struct {
	mu  sync.RWMutex
	max int
	m   map[[sha256.Size]byte]verifiedEntry
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{max: max, m: make(map[[sha256.Size]byte]verifiedEntry, max)}
}

// Verify checks an access token. See ErrExpired, ErrInvalid and ErrForeign
// for how failures map to Directus's responses. A token verified before is
// answered from the cache while it is unexpired and its key still verifies.
func (m *Manager) Verify(ctx context.Context, raw string) (Claims, error) {
	if len(raw) > maxTokenLen {
		return Claims{}, ErrForeign
	}
	sum := sha256.Sum256([]byte(raw))
	if c, ok := verified.get(m, sum); ok {
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
				verified.put(sum, verifiedEntry{m: m, kid: kid, c: c})
			}
		}
	}
	return c, err
}

// get returns the cached claims if the entry belongs to m, is unexpired by
// m's clock (with jwx's rule: valid while now, to the second, is before exp),
// not issued in the future (a clock stepped back) and its kid is still a
// live key of m. Otherwise the entry is dropped and the caller re-verifies.
func (vc *verifiedCache) get(m *Manager, sum [sha256.Size]byte) (Claims, bool) {
	vc.mu.RLock()
	e, ok := vc.m[sum]
	vc.mu.RUnlock()
	if !ok || e.m != m {
		return Claims{}, false
	}
	now := m.now()
	if k := m.state.Load().byKID[e.kid]; k != nil && !pastDelete(k.deleteAfter, now) &&
		now.Truncate(time.Second).Before(e.c.Expires) && !e.c.IssuedAt.After(now.Add(iatLeeway)) {
		return e.c, true
	}
	vc.mu.Lock()
	if cur, ok := vc.m[sum]; ok && cur.m == m {
		delete(vc.m, sum)
	}
	vc.mu.Unlock()
	return Claims{}, false
}

// put stores an entry; when full it first evicts up to an eighth of the
// cache, preferring expired entries, so inserts stay cheap on average.
func (vc *verifiedCache) put(sum [sha256.Size]byte, e verifiedEntry) {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if _, ok := vc.m[sum]; !ok && len(vc.m) >= vc.max {
		vc.evictLocked(e.m.now())
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
