package token

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	// negativeTTL is how long a kid that a reload did not find is answered
	// "unknown" without asking the store again.
	negativeTTL = 30 * time.Second
	// maxNegative bounds the negative cache; random kids cost one entry each.
	maxNegative = 4096
)

// kidReloads limits reloads triggered by tokens naming a kid we do not know
// (another instance may have rotated): one reload at a time, shared by every
// caller waiting for it (singleflight), at most one per interval, and kids a
// reload did not find are remembered for negativeTTL. So a flood of random
// kids costs the store at most one query per interval and never queues
// legitimate requests behind it, while a key rotated in elsewhere is found
// within one interval of its first token.
type kidReloads struct {
	now      func() time.Time // real time: this protects the store, it says nothing about token validity
	interval time.Duration
	group    singleflight.Group

	mu      sync.Mutex
	last    time.Time            // when the last reload started
	started uint64               // reloads started so far
	unknown map[string]time.Time // kid -> until when it is known to be missing
}

// reloadResult is what one shared reload hands every caller.
type reloadResult struct {
	st  *keyState
	seq uint64 // which reload produced st; 0 when none ran
}

// reloadForKID returns the key state to look kid up in, reloading it from
// the store when the limits above allow.
func (m *Manager) reloadForKID(ctx context.Context, kid string) *keyState {
	st := m.state.Load()
	if st.byKID[kid] != nil {
		return st
	}
	r := &m.kids
	r.mu.Lock()
	now := r.now()
	if until, ok := r.unknown[kid]; ok && now.Before(until) {
		r.mu.Unlock()
		return st
	}
	seen := r.started // reloads that began before this caller arrived
	var wait time.Duration
	if !r.dueLocked(now) {
		// A reload ran less than an interval ago, maybe before this key was
		// written: wait for the next one (at most one interval) rather than
		// refuse a genuinely new key.
		wait = r.last.Add(r.interval).Sub(now)
	}
	r.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return st
		}
	}
	ch := r.group.DoChan("keys", func() (any, error) { return m.sharedReload(ctx) })
	var res reloadResult
	select {
	case v := <-ch:
		if v.Err != nil {
			m.log.Warn("token: key reload for unknown kid failed", "err", v.Err)
			return st
		}
		res = v.Val.(reloadResult)
	case <-ctx.Done():
		return st
	}
	// Only a reload that began after this token arrived proves its kid
	// missing: one already running may predate a key rotated in since.
	if res.st.byKID[kid] == nil && res.seq > seen {
		r.mu.Lock()
		r.rememberLocked(kid, r.now())
		r.mu.Unlock()
	}
	return res.st
}

// sharedReload is the one reload the callers of a singleflight round share.
func (m *Manager) sharedReload(ctx context.Context) (any, error) {
	r := &m.kids
	r.mu.Lock()
	now := r.now()
	if !r.dueLocked(now) { // a round that just ended already reloaded
		r.mu.Unlock()
		return reloadResult{st: m.state.Load()}, nil
	}
	r.last = now
	r.started++
	seq := r.started
	r.mu.Unlock()

	// The first caller's cancellation must not fail everyone's reload.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundLoadT)
	defer cancel()
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	st, err := m.loadLocked(lctx)
	if err != nil {
		return nil, err
	}
	return reloadResult{st: st, seq: seq}, nil
}

func (r *kidReloads) dueLocked(now time.Time) bool {
	return r.started == 0 || now.Sub(r.last) >= r.interval || now.Before(r.last)
}

// rememberLocked adds kid to the negative cache; when it is full, expired
// entries go first, then everything (a flood of random kids is the only way
// to fill it, and forgetting them costs at most one reload per interval).
func (r *kidReloads) rememberLocked(kid string, now time.Time) {
	if r.unknown == nil {
		r.unknown = make(map[string]time.Time)
	}
	if len(r.unknown) >= maxNegative {
		for k, until := range r.unknown {
			if !now.Before(until) {
				delete(r.unknown, k)
			}
		}
		if len(r.unknown) >= maxNegative {
			clear(r.unknown)
		}
	}
	r.unknown[kid] = now.Add(negativeTTL)
}
