package token_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/gatehouse/gatehouse/internal/testclock"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

func jwksKIDs(t *testing.T, m *token.Manager) map[string]bool {
	t.Helper()
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(m.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	kids := map[string]bool{}
	for _, k := range doc.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Fatalf("JWKS exposes private member %q", private)
			}
		}
		if k["use"] != "sig" || k["alg"] == nil || k["kid"] == nil {
			t.Fatalf("JWKS key lacks use/alg/kid: %v", k)
		}
		kids[k["kid"].(string)] = true
	}
	return kids
}

func TestRotationLifecycle(t *testing.T) {
	f := newFixture(t, "ES256")
	ctx := context.Background()
	k1 := token.SignerKIDForTest(f.m)
	old := mustSign(t, f.m, adminClaims(), maxTTL)
	// A token whose lifetime exceeds MaxTTL can only be made by bypassing
	// Sign; it shows that deletion, not expiry, is what rejects it.
	long, err := token.SignUncheckedForTest(f.m, adminClaims(), t0, t0.Add(10*maxTTL))
	if err != nil {
		t.Fatal(err)
	}

	f.clk.Advance(time.Minute)
	nk, err := f.m.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if nk.PrivateJWK != "" {
		t.Fatal("Rotate returned private material")
	}
	k2 := token.SignerKIDForTest(f.m)
	if k2 == k1 || k2 != nk.KID {
		t.Fatalf("signer %s after rotate, new key %s, old %s", k2, nk.KID, k1)
	}
	if hdr := decodeSeg(t, mustSign(t, f.m, adminClaims(), time.Minute), 0); hdr["kid"] != k2 {
		t.Fatalf("new token kid %v", hdr["kid"])
	}
	// Retired but not deleted: still verifies and is still published.
	if _, err := f.m.Verify(ctx, old); err != nil {
		t.Fatalf("retired key: %v", err)
	}
	if kids := jwksKIDs(t, f.m); !kids[k1] || !kids[k2] {
		t.Fatalf("JWKS kids %v", kids)
	}
	infos, err := f.m.Keys(ctx)
	if err != nil || len(infos) != 2 {
		t.Fatalf("Keys = %v, %v", infos, err)
	}
	if infos[0].KID != k2 || !infos[0].Active || infos[1].Active || infos[1].RetiredAt == nil ||
		!infos[1].DeleteAfter.Equal(t0.Add(time.Minute+maxTTL)) {
		t.Fatalf("Keys = %+v", infos)
	}

	// Past delete_after, before any store cleanup: gone from memory too.
	f.clk.Advance(maxTTL + time.Second)
	wantErr(t, f.m, long, token.ErrInvalid)
	if kids := jwksKIDs(t, f.m); kids[k1] || !kids[k2] {
		t.Fatalf("JWKS after deletion time %v", kids)
	}
	// The next rotation removes the row.
	if _, err := f.m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if f.store.Has(k1) {
		t.Fatal("deleted key still stored")
	}
	wantErr(t, f.m, long, token.ErrInvalid)
	wantErr(t, f.m, old, token.ErrInvalid)
}

func TestSecondInstancePicksUpRotation(t *testing.T) {
	f := newFixture(t, "ES256")
	ctx := context.Background()
	other := f.manager(t, "ES256", testSecret) // "another instance" over the same store
	if token.SignerKIDForTest(other) != token.SignerKIDForTest(f.m) {
		t.Fatal("second instance generated its own key instead of using the stored one")
	}
	if _, err := f.m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	tok := mustSign(t, f.m, adminClaims(), time.Minute)
	lists := f.store.Lists.Load()
	if _, err := other.Verify(ctx, tok); err != nil {
		t.Fatalf("second instance: %v", err)
	}
	if f.store.Lists.Load() != lists+1 {
		t.Fatalf("expected exactly one reload, got %d", f.store.Lists.Load()-lists)
	}
	if token.SignerKIDForTest(other) != token.SignerKIDForTest(f.m) {
		t.Fatal("second instance still signs with the retired key after reload")
	}

	// Unknown kids (issue 17 changed this from "each new kid reloads, 100ms
	// apart"): a junk kid waits for the next reload the interval allows,
	// and once a reload has not found it, it costs the store nothing.
	atk := attackerKey(t)
	junk := func(kid string) {
		t.Helper()
		wantErr(t, other, signWith(t, "ES256", atk, map[string]any{"kid": kid}, validPayload()), token.ErrInvalid)
	}
	lists = f.store.Lists.Load()
	start := time.Now()
	junk("junk-a")
	junk("junk-b")
	if n, most := f.store.Lists.Load()-lists, int64(time.Since(start)/time.Second)+1; n > most {
		t.Fatalf("%d reloads for two junk kids in %v, want at most one per second", n, time.Since(start))
	}
	lists = f.store.Lists.Load()
	for range 5 {
		junk("junk-a")
		junk("junk-b")
	}
	if n := f.store.Lists.Load() - lists; n != 0 {
		t.Fatalf("%d reloads for junk kids a reload did not find, want 0", n)
	}
}

func TestSignerRefreshesInBackground(t *testing.T) {
	f := newFixture(t, "ES256")
	other := f.manager(t, "ES256", testSecret)
	if _, err := f.m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(2 * time.Minute)
	mustSign(t, other, adminClaims(), time.Minute) // triggers the refresh
	deadline := time.Now().Add(5 * time.Second)
	for token.SignerKIDForTest(other) != token.SignerKIDForTest(f.m) {
		if time.Now().After(deadline) {
			t.Fatal("stale signer not refreshed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWrongSecret(t *testing.T) {
	f := newFixture(t, "ES256")
	wrong := []byte("a-completely-different-secret-value-xyz")
	_, err := token.NewManager(context.Background(), token.Options{Store: f.store, Secret: wrong, Now: f.clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Fatal("NewManager accepted a different SECRET")
	}
	if !strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), string(wrong)) || strings.Contains(err.Error(), string(testSecret)) {
		t.Fatalf("error = %q", err)
	}
	if _, err := token.NewManager(context.Background(), token.Options{Store: f.store, Now: f.clk.Now}); err == nil {
		t.Fatal("empty SECRET accepted")
	}
}

func TestStoredKeysAreSealed(t *testing.T) {
	f := newFixture(t, "ES256")
	rows, _ := f.store.ListKeys(context.Background())
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	if strings.Contains(rows[0].PrivateJWK, `"d"`) || strings.Contains(rows[0].PrivateJWK, "{") {
		t.Fatal("private JWK stored in clear")
	}
	if strings.Contains(rows[0].PublicJWK, `"d"`) {
		t.Fatal("public JWK has private member")
	}
	// Swapping sealed values between rows is detected (kid is bound).
	if _, err := f.m.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.store.Edit(func(rows []models.Key) {
		rows[0].PrivateJWK, rows[1].PrivateJWK = rows[1].PrivateJWK, rows[0].PrivateJWK
	})
	if err := f.m.Reload(context.Background()); err == nil {
		t.Fatal("swapped sealed keys accepted")
	}
}

func TestAlgorithmChangeRotates(t *testing.T) {
	f := newFixture(t, "ES256")
	es := mustSign(t, f.m, adminClaims(), time.Minute)
	ed := f.manager(t, "EdDSA", testSecret)
	if hdr := decodeSeg(t, mustSign(t, ed, adminClaims(), time.Minute), 0); hdr["alg"] != "EdDSA" {
		t.Fatalf("alg %v", hdr["alg"])
	}
	if _, err := ed.Verify(context.Background(), es); err != nil {
		t.Fatalf("old ES256 token during grace: %v", err)
	}
}

func TestConcurrentVerifyAndRotate(t *testing.T) {
	f := newFixture(t, "ES256")
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 30 {
				tok, _, err := f.m.Sign(adminClaims(), time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := f.m.Verify(ctx, tok); err != nil {
					t.Error(err)
					return
				}
				_ = f.m.JWKS()
			}
		}()
	}
	for range 5 {
		if _, err := f.m.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

// Issue 17: the public column is not sealed. A retired row whose public key
// an attacker replaced with their own must not verify the attacker's tokens:
// each row's public key is checked against its sealed private key on load.
func TestReplacedPublicKeyRefused(t *testing.T) {
	f := newFixture(t, "ES256")
	ctx := context.Background()
	retired := token.SignerKIDForTest(f.m)
	if _, err := f.m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	atk := attackerKey(t)
	pub, err := jwk.FromRaw(atk.Public())
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: retired, jwk.AlgorithmKey: jwa.ES256, jwk.KeyUsageKey: jwk.ForSignature} {
		if err := pub.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	f.store.Edit(func(rows []models.Key) {
		for i := range rows {
			if rows[i].KID == retired {
				rows[i].PublicJWK = string(pubJSON)
			}
		}
	})
	forged := signWith(t, jwa.ES256, atk, map[string]any{"kid": retired, "typ": "JWT"}, validPayload())
	if err := f.m.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.m, forged, token.ErrInvalid)
	if jwksKIDs(t, f.m)[retired] {
		t.Fatal("the tampered key is still published")
	}
	// A fresh instance over the tampered table refuses it too, and still signs.
	other := f.manager(t, "ES256", testSecret)
	wantErr(t, other, forged, token.ErrInvalid)
	if _, err := other.Verify(ctx, mustSign(t, other, adminClaims(), time.Minute)); err != nil {
		t.Fatalf("the untouched active key: %v", err)
	}
}

// Issue 17: a flood of tokens with random kids is answered without queueing
// on the store: concurrent unknown-kid lookups share one reload, there is at
// most one per interval, and a kid a reload did not find is answered from a
// negative cache. A key rotated in by another instance still verifies once
// the interval has passed.
func TestUnknownKidFlood(t *testing.T) {
	f := newFixture(t, "ES256")
	ctx := context.Background()
	other := f.manager(t, "ES256", testSecret) // the instance under attack
	clk := testclock.New(t0)
	token.SetReloadClockForTest(other, clk.Now)
	atk := attackerKey(t)
	forged := func(kid string) string {
		return signWith(t, "ES256", atk, map[string]any{"kid": kid}, validPayload())
	}
	const n = 200
	flood := func(prefix string) {
		t.Helper()
		toks := make([]string, n)
		for i := range toks {
			toks[i] = forged(fmt.Sprintf("%s-%d", prefix, i))
		}
		// A bound on the whole wave: serialised reloads would not finish.
		wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, tok := range toks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := other.Verify(wctx, tok); !errors.Is(err, token.ErrInvalid) {
					t.Errorf("random kid: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	reloads := func() int64 { return f.store.Lists.Load() }
	base := reloads()
	flood("a")
	if got := reloads() - base; got != 1 {
		t.Fatalf("%d concurrent random kids caused %d reloads, want 1", n, got)
	}
	flood("b") // same interval: no reload at all
	if got := reloads() - base; got != 1 {
		t.Fatalf("a second wave in the same interval reloaded: %d reloads", got)
	}

	// Another instance rotates; its tokens verify here after the interval.
	before := reloads()
	if _, err := f.m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	base += reloads() - before // the rotating instance's own reads
	legit := mustSign(t, f.m, adminClaims(), time.Minute)
	clk.Advance(time.Second)
	if _, err := other.Verify(ctx, legit); err != nil {
		t.Fatalf("a key rotated in elsewhere, after the interval: %v", err)
	}
	if got := reloads() - base; got != 2 {
		t.Fatalf("%d reloads, want 2", got)
	}

	// A kid a reload (begun after its token arrived) did not find is not
	// looked up again for a while, even after the interval...
	clk.Advance(time.Second)
	wantErr(t, other, forged("lone"), token.ErrInvalid)
	clk.Advance(time.Second)
	wantErr(t, other, forged("lone"), token.ErrInvalid)
	if got := reloads() - base; got != 3 {
		t.Fatalf("a kid known to be missing reloaded: %d reloads, want 3", got)
	}
	// ...while a new one still is, once per interval.
	flood("c")
	if got := reloads() - base; got != 4 {
		t.Fatalf("%d reloads after a third wave, want 4", got)
	}
	clk.Advance(time.Minute)
	wantErr(t, other, forged("lone"), token.ErrInvalid)
	if got := reloads() - base; got != 5 {
		t.Fatalf("an expired negative entry did not reload: %d reloads, want 5", got)
	}
}
