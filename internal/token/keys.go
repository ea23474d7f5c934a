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
	// ListKeys returns every stored key.
	ListKeys(ctx context.Context) ([]models.Key, error)
	// AddKey stores k unless a key of generation k.Generation exists, in
	// which case it reports false and changes nothing (another instance
	// staged one first). When it stores k it also retires every older key
	// whose retired_at is NULL at k.ActivatesAt, verifying until
	// deleteAfter, and deletes rows whose delete_after < now.
	AddKey(ctx context.Context, k *models.Key, deleteAfter, now time.Time) (bool, error)
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
	// PublishFor is how long a rotated-in key is published as "next"
	// before it signs: the JWKS max-age plus ReloadEvery, so every instance
	// and every verifier honouring the cache header has it by then. 0 =
	// it signs at once (a single instance without remote verifiers).
	PublishFor time.Duration
	// ReloadEvery bounds how far Run lets the key set lag the store;
	// 0 = 30s.
	ReloadEvery time.Duration
	// RotateEvery makes Run stage a new key so that each key signs for
	// about this long; 0 = never (rotate with Rotate).
	RotateEvery time.Duration
}

// KeyInfo describes a stored key for `gatehouse keys list`.
type KeyInfo struct {
	KID, Alg    string
	CreatedAt   time.Time
	ActivatesAt time.Time // when it signs (or signed) its first token
	// RetiredAt is when it stops (or stopped) signing: its successor's
	// activation; nil while no successor is staged.
	RetiredAt *time.Time
	// DeleteAfter is when it leaves the JWKS: RetiredAt plus MaxTTL.
	DeleteAfter *time.Time
	State       KeyState
	// Active marks the key that signs new tokens (State == KeyCurrent).
	Active bool
}

// KeyState is where a key is in its life.
type KeyState string

// A key is next (published, not signing yet), then current (signing), then
// retired (published until its last token expires), then dropped (gone
// from the JWKS; the row is deleted at the next rotation).
const (
	KeyNext    KeyState = "next"
	KeyCurrent KeyState = "current"
	KeyRetired KeyState = "retired"
	KeyDropped KeyState = "dropped"
)

// ErrNextPending is returned by Rotate when a next key is already staged:
// one next key at a time, so two rotations never overlap.
var ErrNextPending = errors.New("token: a next key is already staged")

const (
	defaultIssuer   = "gatehouse"
	defaultMaxTTL   = 24 * time.Hour
	defaultReload   = time.Second
	defaultReloadEv = 30 * time.Second
	rsaBits         = 2048
	maxKIDLen       = 128
	signerRecheck   = time.Minute // how stale a signer may get before Sign refreshes it in the background
	backgroundLoadT = 10 * time.Second
	// bootstrapBackdate is how far a first key's activation is put in the
	// past: instances starting together on an empty database take the key
	// one of them made, and a clock a little behind must not find it "next".
	bootstrapBackdate = time.Minute
)

// Manager signs and verifies access tokens. It is safe for concurrent use:
// readers load an immutable snapshot through an atomic pointer, and every
// writer of that pointer holds loadMu, so a slow reload can never overwrite
// a newer state.
type Manager struct {
	store       KeyStore
	sealer      *sealer
	alg         jwa.SignatureAlgorithm
	issuer      string
	maxTTL      time.Duration
	publishFor  time.Duration
	reloadEvery time.Duration
	rotateEvery time.Duration
	now         func() time.Time
	log         *slog.Logger

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
	generation  int64
	createdAt   time.Time
	activatesAt time.Time
	retiredAt   *time.Time // may lie in the future: when the next key takes over
	deleteAfter *time.Time
}

// signer is the private half of a key that signs now or will.
type signer struct {
	kid         string
	alg         jwa.SignatureAlgorithm
	key         any        // raw crypto key: avoids a JWK->raw conversion per Sign
	jwsSigner   jws.Signer // jwx's signer for alg
	header      []byte     // the protected header, base64url-encoded once for every token
	activatesAt time.Time
	retiredAt   *time.Time
}

// signs reports whether the key is the one to sign with at now, given that
// no newer key does.
func (s *signer) signs(now time.Time) bool {
	return !now.Before(s.activatesAt) && (s.retiredAt == nil || now.Before(*s.retiredAt))
}

// keyState is immutable once published. Which key signs depends on the
// clock, not on a reload: a next key takes over at its activation time on
// every instance that has loaded it, with no coordination.
type keyState struct {
	entries    []*entry  // newest generation first
	signers    []*signer // keys not retired at load, newest generation first
	byKID      map[string]*entry
	set        jwk.Set
	jwks       []byte
	maxGen     int64 // highest generation stored, usable or not
	loadedAt   time.Time
	nextDelete time.Time // earliest deleteAfter among entries; zero if none
}

// signerAt is the key that signs at now: the newest one activated and not
// retired; nil when none is.
func (st *keyState) signerAt(now time.Time) *signer {
	for _, s := range st.signers {
		if s.signs(now) {
			return s
		}
	}
	return nil
}

// pending is the staged next key at now, or nil.
func (st *keyState) pending(now time.Time) *entry {
	if len(st.entries) > 0 && st.entries[0].generation == st.maxGen && st.entries[0].activatesAt.After(now) &&
		st.entries[0].retiredAt == nil {
		return st.entries[0]
	}
	return nil
}

// NewManager loads the keys. When none signs it stores one that signs at
// once (a first start); when the newest key is of another algorithm than the
// configured one it stages a key of that algorithm, as Rotate does.
func NewManager(ctx context.Context, o Options) (*Manager, error) {
	if o.Store == nil {
		return nil, errors.New("token: Options.Store is required")
	}
	if len(o.Secret) == 0 {
		return nil, errors.New("token: SECRET is required to seal signing keys")
	}
	m := &Manager{
		store:       o.Store,
		issuer:      cmp.Or(o.Issuer, defaultIssuer),
		maxTTL:      cmp.Or(o.MaxTTL, defaultMaxTTL),
		publishFor:  o.PublishFor,
		reloadEvery: cmp.Or(o.ReloadEvery, defaultReloadEv),
		rotateEvery: o.RotateEvery,
		now:         o.Now,
		log:         o.Logger,
		verified:    newVerifiedCache(verifiedCacheMax),
	}
	m.kids.now, m.kids.interval = time.Now, cmp.Or(o.ReloadInterval, defaultReload)
	if m.maxTTL < 0 || m.publishFor < 0 || m.reloadEvery < 0 || m.rotateEvery < 0 {
		return nil, errors.New("token: MaxTTL, PublishFor, ReloadEvery and RotateEvery must not be negative")
	}
	if m.rotateEvery > 0 && m.rotateEvery <= m.publishFor {
		return nil, errors.New("token: RotateEvery must be longer than PublishFor")
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
	if st.signerAt(m.now()) == nil {
		m.log.Info("token: no key signs; generating one", "alg", m.alg.String())
		if _, err := m.stageLocked(ctx, st, true); err != nil && !errors.Is(err, ErrNextPending) {
			return nil, err
		}
		if m.state.Load().signerAt(m.now()) == nil {
			return nil, errors.New("token: no signing key")
		}
		return m, nil
	}
	if newest := st.entries[0]; newest.alg != m.alg {
		m.log.Info("token: the newest key is not of the configured algorithm; staging one that is",
			"alg", m.alg.String(), "signs_from", m.now().Add(m.publishFor))
		if _, err := m.stageLocked(ctx, st, false); errors.Is(err, ErrNextPending) {
			m.log.Warn("token: a next key of another algorithm is staged; rotate again once it signs", "kid", newest.kid)
		} else if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Reload re-reads the keys from the store. Run, Verify and Sign call it on
// their own; it is exported for callers that want a rotation seen eagerly.
func (m *Manager) Reload(ctx context.Context) error {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	_, err := m.loadLocked(ctx)
	return err
}

func sortNewest(rows []models.Key) {
	slices.SortStableFunc(rows, func(a, b models.Key) int {
		if c := cmp.Compare(b.Generation, a.Generation); c != 0 {
			return c
		}
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

// normalize fills what rows written before staged rotation lack, so every
// row says when it signs and until when it verifies.
func (m *Manager) normalize(r *models.Key) {
	if r.ActivatesAt.IsZero() {
		r.ActivatesAt = r.CreatedAt
	}
	if r.RetiredAt != nil && r.DeleteAfter == nil { // never verify forever
		da := r.RetiredAt.Add(m.maxTTL)
		r.DeleteAfter = &da
	}
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
	var signers []*signer
	var maxGen int64
	for i := range rows {
		r := &rows[i]
		maxGen = max(maxGen, r.Generation)
		m.normalize(r)
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
		if r.RetiredAt == nil || now.Before(*r.RetiredAt) {
			sg, err := parseSigner(e, pk)
			if err != nil {
				m.log.Error("token: key cannot sign", "kid", r.KID, "err", err)
				continue
			}
			signers = append(signers, sg)
		}
	}
	st, err := buildState(entries, signers, now)
	if err != nil {
		return nil, err
	}
	st.maxGen = maxGen
	m.state.Store(st)
	return st, nil
}

// buildState precomputes everything Verify and JWKS need, so the hot path
// never parses or encodes keys.
func buildState(entries []*entry, signers []*signer, now time.Time) (*keyState, error) {
	st := &keyState{byKID: make(map[string]*entry, len(entries)), set: jwk.NewSet(), signers: signers, loadedAt: now}
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
