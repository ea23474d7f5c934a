package token_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testclock"
	"github.com/gatehouse/gatehouse/internal/token"
)

const publishFor = 90 * time.Second // JWKS max-age 60s + reload interval 30s

func stagedManager(t testing.TB, f fixture, o token.Options) *token.Manager {
	t.Helper()
	o.Store, o.Secret, o.Algorithm, o.MaxTTL, o.Now = f.store, testSecret, "ES256", maxTTL, f.clk.Now
	o.Logger = slog.New(slog.DiscardHandler)
	if o.PublishFor == 0 {
		o.PublishFor = publishFor
	}
	m, err := token.NewManager(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func stateOf(t *testing.T, m *token.Manager) map[string]token.KeyState {
	t.Helper()
	infos, err := m.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]token.KeyState{}
	for _, k := range infos {
		out[k.KID] = k.State
		if k.Active != (k.State == token.KeyCurrent) {
			t.Fatalf("key %s: Active %v in state %s", k.KID, k.Active, k.State)
		}
	}
	return out
}

// Issue 18: a rotated-in key is published as next for PublishFor before it
// signs; it takes over at its activation time by the clock alone, on every
// instance that has loaded it, and the old key retires then, verifying
// until its last token has expired.
func TestStagedRotation(t *testing.T) {
	f := fixture{store: &token.MemKeyStore{}, clk: testclock.New(t0)}
	ctx := context.Background()
	a := stagedManager(t, f, token.Options{})
	b := stagedManager(t, f, token.Options{}) // another instance
	old := token.SignerKIDForTest(a)
	oldTok := mustSign(t, a, adminClaims(), maxTTL)

	f.clk.Advance(time.Minute)
	next, err := a.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(time.Minute + publishFor); !next.ActivatesAt.Equal(want) || next.PrivateJWK != "" {
		t.Fatalf("staged key activates at %v (want %v), private %q", next.ActivatesAt, want, next.PrivateJWK)
	}
	// Published at once, signing not yet.
	if kids := jwksKIDs(t, a); !kids[next.KID] || !kids[old] {
		t.Fatalf("JWKS after rotate: %v", kids)
	}
	if hdr := decodeSeg(t, mustSign(t, a, adminClaims(), time.Minute), 0); hdr["kid"] != old {
		t.Fatalf("a staged key signed at once: kid %v", hdr["kid"])
	}
	if s := stateOf(t, a); s[next.KID] != token.KeyNext || s[old] != token.KeyCurrent {
		t.Fatalf("states after rotate: %v", s)
	}
	// One next key at a time.
	again, err := a.Rotate(ctx)
	if !errors.Is(err, token.ErrNextPending) || again.KID != next.KID {
		t.Fatalf("second rotate: %v %v, want the staged key and ErrNextPending", again.KID, err)
	}
	if n := len(stateOf(t, a)); n != 2 {
		t.Fatalf("%d keys after a rotation while one was staged, want 2", n)
	}

	// B loads the key set once (its background reload); from then on the
	// clock alone decides, on both instances.
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if !jwksKIDs(t, b)[next.KID] {
		t.Fatal("B does not publish the staged key after a reload")
	}
	f.clk.Advance(publishFor - time.Second)
	for _, m := range []*token.Manager{a, b} {
		if token.SignerKIDForTest(m) != old {
			t.Fatal("the staged key signed before its activation")
		}
	}
	// Sign reads the snapshot it already has (a stale one only triggers a
	// background refresh), so the switch needs no reload.
	f.clk.Advance(time.Second)
	for _, m := range []*token.Manager{a, b} {
		if hdr := decodeSeg(t, mustSign(t, m, adminClaims(), time.Minute), 0); hdr["kid"] != next.KID {
			t.Fatalf("at activation: kid %v, want %s", hdr["kid"], next.KID)
		}
	}
	s := stateOf(t, a)
	if s[next.KID] != token.KeyCurrent || s[old] != token.KeyRetired {
		t.Fatalf("states after activation: %v", s)
	}
	infos, _ := a.Keys(ctx)
	if r := infos[1]; r.KID != old || !r.RetiredAt.Equal(next.ActivatesAt) || !r.DeleteAfter.Equal(next.ActivatesAt.Add(maxTTL)) {
		t.Fatalf("retired key %+v, want retired at %v", r, next.ActivatesAt)
	}

	// The old key verifies its tokens until they expire (they were signed
	// before its retirement with at most MaxTTL), then leaves the JWKS.
	f.clk.Advance(maxTTL - publishFor - time.Minute - time.Second)
	for _, m := range []*token.Manager{a, b} {
		if _, err := m.Verify(ctx, oldTok); err != nil {
			t.Fatalf("a token of the retired key before its exp: %v", err)
		}
		if !jwksKIDs(t, m)[old] {
			t.Fatal("retired key unpublished while its tokens live")
		}
	}
	f.clk.Advance(publishFor + time.Minute + 2*time.Second) // past activation + MaxTTL
	for _, m := range []*token.Manager{a, b} {
		if kids := jwksKIDs(t, m); kids[old] || !kids[next.KID] {
			t.Fatalf("JWKS after the retired key's last token expired: %v", kids)
		}
	}
	if s := stateOf(t, a); s[old] != token.KeyDropped {
		t.Fatalf("states after drop time: %v", s)
	}
}

// Issue 18: Run reloads the key set on its own, so an instance that signs
// and verifies nothing still publishes a key staged elsewhere; a wake
// (NOTIFY) reloads at once.
func TestRunReloadsInBackground(t *testing.T) {
	f := fixture{store: &token.MemKeyStore{}, clk: testclock.New(t0)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := stagedManager(t, f, token.Options{})
	idle := stagedManager(t, f, token.Options{ReloadEvery: 40 * time.Millisecond})
	woken := stagedManager(t, f, token.Options{ReloadEvery: time.Hour})
	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); idle.Run(ctx, nil) }()
	go func() { defer wg.Done(); woken.Run(ctx, wake) }()
	defer wg.Wait()
	defer cancel()

	next, err := a.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wake <- struct{}{}
	for name, m := range map[string]*token.Manager{"idle": idle, "woken": woken} {
		deadline := time.Now().Add(2 * time.Second)
		for !jwksKIDs(t, m)[next.KID] {
			if time.Now().After(deadline) {
				t.Fatalf("%s instance never published the staged key", name)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// Issue 18: automatic rotation stages a key once the current one will have
// signed for RotateEvery when it activates; two instances deciding at once,
// one on a stale key set, stage one key between them.
func TestRotateIfDueOnce(t *testing.T) {
	f := fixture{store: &token.MemKeyStore{}, clk: testclock.New(t0)}
	ctx := context.Background()
	o := token.Options{RotateEvery: time.Hour}
	a := stagedManager(t, f, o)
	b := stagedManager(t, f, o)
	first := token.SignerKIDForTest(a)
	infos, _ := a.Keys(ctx)
	due := infos[0].ActivatesAt.Add(time.Hour - publishFor)

	f.clk.Advance(due.Sub(f.clk.Now()) - time.Second)
	if ok, err := a.RotateIfDue(ctx); ok || err != nil {
		t.Fatalf("rotated early: %v %v", ok, err)
	}
	f.clk.Advance(time.Second)
	okA, errA := a.RotateIfDue(ctx)
	okB, errB := b.RotateIfDue(ctx) // b has not reloaded: it decides on the old set
	if errA != nil || errB != nil || okA == okB {
		t.Fatalf("RotateIfDue: a %v %v, b %v %v; want exactly one", okA, errA, okB, errB)
	}
	s := stateOf(t, a)
	if len(s) != 2 || s[first] != token.KeyCurrent {
		t.Fatalf("keys after concurrent automatic rotation: %v", s)
	}
	// Staged: no second one while it is next, not even after a reload.
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.RotateIfDue(ctx); ok {
		t.Fatal("staged a second next key")
	}
	// It signs for an hour from its activation, then the next one does.
	f.clk.Advance(publishFor)
	second := token.SignerKIDForTest(a)
	if second == first {
		t.Fatal("the staged key did not take over")
	}
	f.clk.Advance(time.Hour - publishFor - time.Second)
	if ok, _ := a.RotateIfDue(ctx); ok {
		t.Fatal("rotated before the key had signed for RotateEvery minus PublishFor")
	}
	f.clk.Advance(time.Second)
	if ok, err := b.RotateIfDue(ctx); !ok || err != nil {
		t.Fatalf("second automatic rotation: %v %v", ok, err)
	}
	if n := len(stateOf(t, a)); n != 3 {
		t.Fatalf("%d keys, want 3", n)
	}
	// Off by default.
	c := stagedManager(t, f, token.Options{})
	f.clk.Advance(24 * time.Hour)
	if ok, _ := c.RotateIfDue(ctx); ok {
		t.Fatal("rotated with RotateEvery unset")
	}
}

// Issue 18: a first start (or one where no key signs) makes a key that
// signs at once, and instances starting together share one.
func TestBootstrapSignsAtOnce(t *testing.T) {
	f := fixture{store: &token.MemKeyStore{}, clk: testclock.New(t0)}
	var wg sync.WaitGroup
	ms := make([]*token.Manager, 4)
	for i := range ms {
		wg.Add(1)
		go func() { defer wg.Done(); ms[i] = stagedManager(t, f, token.Options{}) }()
	}
	wg.Wait()
	for _, m := range ms {
		if m == nil {
			t.FailNow()
		}
		mustSign(t, m, adminClaims(), time.Minute)
	}
	if n := len(stateOf(t, ms[0])); n != 1 {
		t.Fatalf("%d keys after four first starts, want 1", n)
	}
}
