// Package token signs and verifies Gatehouse access tokens (JWTs over
// asymmetric JWKs kept in the database) and encodes opaque refresh tokens.
package token

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/gatehouse/gatehouse/models"
)

// KeyStore is what the Manager needs from storage.
type KeyStore interface {
	ListKeys(ctx context.Context) ([]models.Key, error)
	InsertKey(ctx context.Context, k *models.Key) error
	// RetireKeys sets retired_at/delete_after on every key other than
	// exceptKID whose retired_at is NULL.
	RetireKeys(ctx context.Context, exceptKID string, retiredAt, deleteAfter time.Time) error
	// DeleteKeysBefore deletes rows whose delete_after < t.
	DeleteKeysBefore(ctx context.Context, t time.Time) error
}

// Options configure a Manager. Zero values take the documented defaults.
type Options struct {
	Store KeyStore
	// Secret seals private JWKs (HKDF-SHA256 -> AES-256-GCM).
	Secret []byte
	// Algorithm is "ES256" (default), "EdDSA" or "RS256".
	Algorithm string
	// Issuer is the iss claim; default "gatehouse".
	Issuer string
	// MaxTTL is the longest lifetime Sign accepts; a retired key keeps
	// verifying for MaxTTL after retirement. Default 24h.
	MaxTTL time.Duration
	// Now is the clock; nil = time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// ReloadInterval is the minimum time between reloads triggered by an
	// unknown kid; 0 = 1s.
	ReloadInterval time.Duration
}

// KeyInfo describes a stored key for `gatehouse keys list`.
type KeyInfo struct {
	KID, Alg               string
	CreatedAt              time.Time
	RetiredAt, DeleteAfter *time.Time
	// Active marks the key that signs new tokens.
	Active bool
}

const (
	defaultIssuer   = "gatehouse"
	defaultMaxTTL   = 24 * time.Hour
	defaultReload   = time.Second
	rsaBits         = 2048
	maxKIDLen       = 128
	signerRecheck   = time.Minute // how stale a signer may get before Sign refreshes it in the background
	backgroundLoadT = 10 * time.Second
)

// Manager signs and verifies access tokens. It is safe for concurrent use:
// readers load an immutable snapshot through an atomic pointer, and every
// writer of that pointer holds loadMu, so a slow reload can never overwrite
// a newer state.
type Manager struct {
	store  KeyStore
	sealer *sealer
	alg    jwa.SignatureAlgorithm
	issuer string
	maxTTL time.Duration
	now    func() time.Time
	log    *slog.Logger

	state      atomic.Pointer[keyState]
	loadMu     sync.Mutex
	kids       kidReloads // reloads for unknown kids (reload.go)
	refreshing atomic.Bool
	refreshAt  atomic.Int64 // unix nanos of the last background reload attempt

	verified *verifiedCache // tokens this Manager has verified (cache.go)
}

// entry is one verification key, parsed once per load.
type entry struct {
	kid         string
	alg         jwa.SignatureAlgorithm
	pub         jwk.Key
	createdAt   time.Time
	retiredAt   *time.Time
	deleteAfter *time.Time
}

// signer is the private half of the newest non-retired key.
type signer struct {
	kid       string
	alg       jwa.SignatureAlgorithm
	key       any        // raw crypto key: avoids a JWK->raw conversion per Sign
	jwsSigner jws.Signer // jwx's signer for alg
	header    []byte     // the protected header, base64url-encoded once for every token
}

// keyState is immutable once published.
type keyState struct {
	entries    []*entry // newest first
	byKID      map[string]*entry
	set        jwk.Set
	jwks       []byte
	signer     *signer
	loadedAt   time.Time
	nextDelete time.Time // earliest deleteAfter among entries; zero if none
}

// NewManager loads the keys and, when none can sign with the configured
// algorithm, generates and stores a new one (retiring the others).
func NewManager(ctx context.Context, o Options) (*Manager, error) {
	if o.Store == nil {
		return nil, errors.New("token: Options.Store is required")
	}
	if len(o.Secret) == 0 {
		return nil, errors.New("token: SECRET is required to seal signing keys")
	}
	m := &Manager{
		store:    o.Store,
		issuer:   cmp.Or(o.Issuer, defaultIssuer),
		maxTTL:   cmp.Or(o.MaxTTL, defaultMaxTTL),
		now:      o.Now,
		log:      o.Logger,
		verified: newVerifiedCache(verifiedCacheMax),
	}
	m.kids.now, m.kids.interval = time.Now, cmp.Or(o.ReloadInterval, defaultReload)
	if m.maxTTL < 0 {
		return nil, errors.New("token: MaxTTL must be positive")
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	switch a := cmp.Or(o.Algorithm, "ES256"); a {
	case "ES256":
		m.alg = jwa.ES256
	case "EdDSA":
		m.alg = jwa.EdDSA
	case "RS256":
		m.alg = jwa.RS256
	default:
		return nil, fmt.Errorf("token: unsupported JWT algorithm %q (want ES256, EdDSA or RS256)", a)
	}
	s, err := newSealer(o.Secret)
	if err != nil {
		return nil, err
	}
	m.sealer = s

	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	st, err := m.loadLocked(ctx)
	if err != nil {
		return nil, err
	}
	if st.signer == nil || st.signer.alg != m.alg {
		m.log.Info("token: no signing key for the configured algorithm; generating one", "alg", m.alg.String())
		if _, err := m.rotateLocked(ctx); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Rotate makes a new key the signer; older keys are retired and keep
// verifying for MaxTTL, and keys past their delete_after are removed.
func (m *Manager) Rotate(ctx context.Context) (models.Key, error) {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	return m.rotateLocked(ctx)
}

func (m *Manager) rotateLocked(ctx context.Context) (models.Key, error) {
	now := m.now()
	k, err := m.generate(now)
	if err != nil {
		return models.Key{}, fmt.Errorf("token: generate key: %w", err)
	}
	// The new key must sort newest even when the clock has not moved since
	// the last one (a frozen test clock, two rotations in one tick).
	if rows, err := m.store.ListKeys(ctx); err == nil {
		for _, r := range rows {
			if !k.CreatedAt.After(r.CreatedAt) {
				k.CreatedAt = r.CreatedAt.Add(time.Microsecond)
			}
		}
	}
	if err := m.store.InsertKey(ctx, &k); err != nil {
		return models.Key{}, fmt.Errorf("token: store key: %w", err)
	}
	if err := m.store.RetireKeys(ctx, k.KID, now, now.Add(m.maxTTL)); err != nil {
		return models.Key{}, fmt.Errorf("token: retire keys: %w", err)
	}
	if err := m.store.DeleteKeysBefore(ctx, now); err != nil {
		return models.Key{}, fmt.Errorf("token: delete old keys: %w", err)
	}
	if _, err := m.loadLocked(ctx); err != nil {
		return models.Key{}, err
	}
	m.log.Info("token: signing key rotated", "kid", k.KID, "alg", k.Alg)
	k.PrivateJWK = ""
	return k, nil
}

// Reload re-reads the keys from the store. Verify and Sign call it on their
// own; it is exported for callers that want to pick up a rotation eagerly.
func (m *Manager) Reload(ctx context.Context) error {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	_, err := m.loadLocked(ctx)
	return err
}

// Keys lists the stored keys, fresh from the store.
func (m *Manager) Keys(ctx context.Context) ([]KeyInfo, error) {
	rows, err := m.store.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("token: list keys: %w", err)
	}
	now := m.now()
	sortNewest(rows)
	active := ""
	for _, r := range rows {
		if r.RetiredAt == nil && !pastDelete(r.DeleteAfter, now) {
			active = r.KID
			break
		}
	}
	out := make([]KeyInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, KeyInfo{
			KID: r.KID, Alg: r.Alg, CreatedAt: r.CreatedAt,
			RetiredAt: r.RetiredAt, DeleteAfter: r.DeleteAfter,
			Active: r.KID == active,
		})
	}
	return out, nil
}

func sortNewest(rows []models.Key) {
	slices.SortStableFunc(rows, func(a, b models.Key) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.KID, a.KID)
	})
}

// pastDelete reports whether a key is gone: it matches DeleteKeysBefore,
// which removes rows whose delete_after < now.
func pastDelete(deleteAfter *time.Time, now time.Time) bool {
	return deleteAfter != nil && now.After(*deleteAfter)
}

// loadLocked reads the store and publishes a new state. Caller holds loadMu.
func (m *Manager) loadLocked(ctx context.Context) (*keyState, error) {
	rows, err := m.store.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("token: list keys: %w", err)
	}
	now := m.now()
	sortNewest(rows)
	var entries []*entry
	var sg *signer
	for i := range rows {
		r := &rows[i]
		if r.RetiredAt != nil && r.DeleteAfter == nil { // never verify forever
			da := r.RetiredAt.Add(m.maxTTL)
			r.DeleteAfter = &da
		}
		if pastDelete(r.DeleteAfter, now) {
			continue
		}
		// Opening every row, not just the signer, makes a wrong SECRET
		// fail at startup instead of at the next rotation.
		priv, err := m.sealer.open(r.KID, r.PrivateJWK)
		if err != nil {
			return nil, err
		}
		e, err := parseEntry(r)
		if err != nil {
			m.log.Error("token: skipping unusable key", "kid", r.KID, "err", err)
			continue
		}
		// Every row, retired ones too: a retired key still verifies, so a
		// replaced public key there would accept an attacker's tokens.
		pk, err := privateOf(e, priv)
		if err != nil {
			m.log.Error("token: skipping key whose public half is not its own", "kid", r.KID, "err", err)
			continue
		}
		entries = append(entries, e)
		if sg == nil && r.RetiredAt == nil {
			if sg, err = parseSigner(e, pk); err != nil {
				m.log.Error("token: key cannot sign", "kid", r.KID, "err", err)
				sg = nil
			}
		}
	}
	st, err := buildState(entries, sg, now)
	if err != nil {
		return nil, err
	}
	m.state.Store(st)
	return st, nil
}

// buildState precomputes everything Verify and JWKS need, so the hot path
// never parses or encodes keys.
func buildState(entries []*entry, sg *signer, now time.Time) (*keyState, error) {
	st := &keyState{byKID: make(map[string]*entry, len(entries)), set: jwk.NewSet(), signer: sg, loadedAt: now}
	for _, e := range entries {
		st.entries = append(st.entries, e)
		st.byKID[e.kid] = e
		if err := st.set.AddKey(e.pub); err != nil {
			return nil, fmt.Errorf("token: key set: %w", err)
		}
		if e.deleteAfter != nil && (st.nextDelete.IsZero() || e.deleteAfter.Before(st.nextDelete)) {
			st.nextDelete = *e.deleteAfter
		}
	}
	b, err := json.Marshal(st.set)
	if err != nil {
		return nil, fmt.Errorf("token: encode jwks: %w", err)
	}
	st.jwks = b
	return st, nil
}
