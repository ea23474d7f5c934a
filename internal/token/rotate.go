package token

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// Rotate stages a new key: published at once, signing from now plus
// PublishFor, when the current key retires (it verifies for MaxTTL more).
// When a next key is already staged it stages none and returns that one
// with ErrNextPending. Keys past their delete_after are removed.
func (m *Manager) Rotate(ctx context.Context) (models.Key, error) {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	st, err := m.loadLocked(ctx)
	if err != nil {
		return models.Key{}, err
	}
	return m.stageLocked(ctx, st, false)
}

// RotateIfDue stages a new key when RotateEvery is set and the current key
// will have signed for RotateEvery once a key staged now activates. It
// decides from the loaded key set and stages generation maxGen+1, which the
// store takes only once: of several instances deciding at the same moment
// (or on a stale key set), one stages a key and the others find the
// generation taken. It reports whether this call staged one.
func (m *Manager) RotateIfDue(ctx context.Context) (bool, error) {
	if m.rotateEvery <= 0 {
		return false, nil
	}
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	st := m.state.Load()
	now := m.now()
	cur := st.signerAt(now)
	if cur == nil || st.pending(now) != nil || now.Before(cur.activatesAt.Add(m.rotateEvery-m.publishFor)) {
		return false, nil
	}
	k, err := m.stageLocked(ctx, st, false)
	if errors.Is(err, ErrNextPending) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	m.log.Info("token: automatic rotation staged a key", "kid", k.KID, "signs_from", k.ActivatesAt)
	return true, nil
}

// stageLocked stores generation st.maxGen+1, signing after PublishFor (at
// once, backdated, when immediate: nothing signs yet), and reloads. A next
// key already staged in st, or a generation another instance took first,
// yields that key and ErrNextPending. Caller holds loadMu.
func (m *Manager) stageLocked(ctx context.Context, st *keyState, immediate bool) (models.Key, error) {
	now := m.now()
	if p := st.pending(now); p != nil && !immediate {
		return pendingKey(p), ErrNextPending
	}
	k, err := m.generate(now)
	if err != nil {
		return models.Key{}, fmt.Errorf("token: generate key: %w", err)
	}
	k.Generation = st.maxGen + 1
	k.ActivatesAt = now.Add(m.publishFor)
	if immediate {
		k.ActivatesAt = now.Add(-bootstrapBackdate)
	}
	added, err := m.store.AddKey(ctx, &k, k.ActivatesAt.Add(m.maxTTL), now)
	if err != nil {
		return models.Key{}, fmt.Errorf("token: store key: %w", err)
	}
	nst, err := m.loadLocked(ctx)
	if err != nil {
		return models.Key{}, err
	}
	if !added {
		m.log.Info("token: another instance staged a key first", "generation", k.Generation)
		if p := nst.pending(m.now()); p != nil {
			return pendingKey(p), ErrNextPending
		}
		if len(nst.entries) > 0 {
			return pendingKey(nst.entries[0]), nil
		}
		return models.Key{}, errors.New("token: key generation taken but no key found")
	}
	m.log.Info("token: key staged", "kid", k.KID, "alg", k.Alg, "signs_from", k.ActivatesAt)
	k.PrivateJWK = ""
	return k, nil
}

// pendingKey describes a loaded key without its private half.
func pendingKey(e *entry) models.Key {
	return models.Key{KID: e.kid, Alg: e.alg.String(), CreatedAt: e.createdAt, ActivatesAt: e.activatesAt,
		Generation: e.generation, RetiredAt: e.retiredAt, DeleteAfter: e.deleteAfter}
}

// Keys lists the stored keys, fresh from the store, newest first, with the
// state each is in now and when that changes.
func (m *Manager) Keys(ctx context.Context) ([]KeyInfo, error) {
	rows, err := m.store.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("token: list keys: %w", err)
	}
	now := m.now()
	sortNewest(rows)
	out := make([]KeyInfo, 0, len(rows))
	current := false
	for i := range rows {
		r := &rows[i]
		m.normalize(r)
		k := KeyInfo{KID: r.KID, Alg: r.Alg, CreatedAt: r.CreatedAt, ActivatesAt: r.ActivatesAt,
			RetiredAt: r.RetiredAt, DeleteAfter: r.DeleteAfter}
		switch {
		case pastDelete(r.DeleteAfter, now):
			k.State = KeyDropped
		case r.RetiredAt != nil && !now.Before(*r.RetiredAt):
			k.State = KeyRetired
		case now.Before(r.ActivatesAt):
			k.State = KeyNext
		case !current:
			k.State, k.Active, current = KeyCurrent, true, true
		default: // an older key no successor retired: a newer one signs
			k.State = KeyRetired
		}
		out = append(out, k)
	}
	return out, nil
}

// Run keeps the key set at most ReloadEvery behind the store: it reloads
// every half interval (so a slow reload still lands in time) and whenever
// wake fires (a PostgreSQL NOTIFY; may be nil), and stages keys when
// RotateEvery is set. It returns when ctx ends.
func (m *Manager) Run(ctx context.Context, wake <-chan struct{}) {
	t := time.NewTicker(max(m.reloadEvery/2, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		m.sync(ctx)
	}
}

func (m *Manager) sync(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, backgroundLoadT)
	defer cancel()
	if err := m.Reload(ctx); err != nil {
		if ctx.Err() == nil {
			m.log.Warn("token: key reload failed", "err", err)
		}
		return
	}
	if _, err := m.RotateIfDue(ctx); err != nil && ctx.Err() == nil {
		m.log.Warn("token: automatic key rotation failed", "err", err)
	}
}
