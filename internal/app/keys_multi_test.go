package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// Issue 18: three instances on one database, one idle (it serves only its
// JWKS), a rotation, and logins on one instance throughout. Resource
// servers use lestrrat-go/jwx's jwk.Cache (refetching per the served
// max-age) against each instance's /.well-known/jwks.json over HTTP. No
// token ever carries a kid that every instance had not already published,
// none fails a verifier honouring max-age, and tokens (access and
// session-mode) signed before the rotation verify on all until they expire;
// then the old key leaves every JWKS.
//
// "poll" reaches PostgreSQL as through a transaction pooler, so instances
// have only their reload interval; "listen" adds LISTEN/NOTIFY.
//
// jwk.Cache checks for due refetches once per refresh window (1s at the
// least) and rounds times to the second, so it refetches up to about a
// second after max-age: the reload interval here leaves the key published
// longer than that beyond max-age before it signs.
func TestStagedRotationThreeInstances(t *testing.T) {
	for _, mode := range []string{"poll", "listen"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel() // mostly waiting
			o := storetest.Options(t, "pg")
			if mode == "poll" {
				o.Pooler = store.PoolerTransaction
			}
			stagedRotation(t, o)
		})
	}
}

const (
	maxAge       = time.Second // JWKS_MAX_AGE: Cache-Control is whole seconds
	reloadEvery  = 3 * time.Second
	accessTTL    = 10 * time.Minute
	sessionTTL   = 15 * time.Minute
	pollInterval = 20 * time.Millisecond
)

func stagedRotation(t *testing.T, o store.Options) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := []string{"JWKS_MAX_AGE=1s", "KEYS_RELOAD_INTERVAL=3s", "ACCESS_TOKEN_TTL=10m", "SESSION_COOKIE_TTL=15m"}
	signer := apptest.NewOn(t, o, env...)
	busy := apptest.NewOn(t, o, env...) // verifies the signer's tokens, signs nothing
	idle := apptest.NewOn(t, o, env...) // serves its JWKS, nothing else
	all := []*apptest.Server{signer, busy, idle}

	// The instances' clocks follow real time (the resource servers' caches
	// run on it) plus an offset the test moves forward later.
	var offset time.Duration
	tick := func() time.Time {
		now := time.Now().Add(offset)
		for _, s := range all {
			s.Clock.Set(now)
		}
		return now
	}
	tick()

	// What each instance's JWKS publishes, polled: kid -> first seen.
	pub := newPublished(all)
	pollCtx, stopPoll := context.WithCancel(ctx)
	var pollWG sync.WaitGroup
	pollWG.Add(1)
	go func() { defer pollWG.Done(); pub.poll(pollCtx, t) }()
	defer func() { stopPoll(); pollWG.Wait() }()

	// A resource server per instance, honouring max-age.
	cache := jwk.NewCache(ctx, jwk.WithRefreshWindow(time.Second)) // its smallest
	for _, s := range all {
		if err := cache.Register(jwksURL(s), jwk.WithMinRefreshInterval(100*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if _, err := cache.Refresh(ctx, jwksURL(s)); err != nil {
			t.Fatal(err)
		}
	}
	verifyAll := func(what, tok string, now time.Time) {
		t.Helper()
		for i, s := range all {
			set, err := cache.Get(ctx, jwksURL(s)) // what this resource server holds now
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jwt.Parse([]byte(tok), jwt.WithKeySet(set), jwt.WithValidate(true),
				jwt.WithClock(jwt.ClockFunc(func() time.Time { return now }))); err != nil {
				snap, _ := json.Marshal(cache.Snapshot())
				t.Fatalf("%s (kid %s) at %v on instance %d's JWKS as cached per max-age: %v\n%s", what, kidOf(t, tok), time.Now(), i, err, snap)
			}
		}
	}

	login := func() (string, time.Time) {
		t.Helper()
		now := tick()
		tok := signer.Login(apptest.AdminEmail, apptest.AdminPassword).Data()["access_token"].(string)
		return tok, now
	}
	oldAccess, _ := login()
	oldSession := signer.Login(apptest.AdminEmail, apptest.AdminPassword, "mode", "session").
		Cookie("directus_session_token").Value
	oldKID := kidOf(t, oldAccess)
	signedAt := tick()

	next, err := signer.App.Keys.Rotate(ctx) // what `gatehouse keys rotate` runs
	if err != nil {
		t.Fatal(err)
	}
	// Measured from before the call: a slow Rotate (a loaded machine) must not
	// read as an early activation.
	if wait := next.ActivatesAt.Sub(signedAt); wait < maxAge+reloadEvery {
		t.Fatalf("the new key signs %v after rotation, want JWKS_MAX_AGE + KEYS_RELOAD_INTERVAL", wait)
	}

	// Log in until well past the activation; check every token as it comes.
	seenOld, seenNew := false, false
	// Past the activation, go on until a login used the new key: on a loaded
	// machine one round of checks can outlast the half second after it.
	deadline, giveUp := next.ActivatesAt.Add(maxAge/2), next.ActivatesAt.Add(30*time.Second)
	for now := tick(); (now.Before(deadline) || !seenNew) && now.Before(giveUp); now = tick() {
		before := time.Now()
		tok, signed := login()
		kid := kidOf(t, tok)
		seenOld, seenNew = seenOld || kid == oldKID, seenNew || kid == next.KID
		if kid != oldKID && kid != next.KID {
			t.Fatalf("token signed with unexpected kid %s", kid)
		}
		for i := range all {
			if first, ok := pub.firstSeen(i, kid); !ok || !first.Before(before) {
				t.Fatalf("a token with kid %s was signed at %v; instance %d first published it at %v (published: %v)",
					kid, before, i, first, ok)
			}
		}
		verifyAll("new login", tok, signed)
		verifyAll("pre-rotation access token", oldAccess, signed)
		verifyAll("pre-rotation session token", oldSession, signed)
		if r := busy.Do("GET", "/users/me", nil, "Authorization", "Bearer "+tok); r.StatusCode != http.StatusOK {
			t.Fatalf("busy instance refused the signer's token: %d %s", r.StatusCode, r.Body)
		}
		time.Sleep(pollInterval)
	}
	if !seenOld || !seenNew {
		t.Fatalf("logins used the old key: %v, the new one: %v; want both", seenOld, seenNew)
	}

	// The retired key stays published while its tokens live: jump to just
	// before each pre-rotation token expires and refetch every JWKS.
	refetch := func() {
		t.Helper()
		for _, s := range all {
			if _, err := cache.Refresh(ctx, jwksURL(s)); err != nil {
				t.Fatal(err)
			}
		}
	}
	jump := func(to time.Time) time.Time {
		offset += to.Sub(tick())
		return tick()
	}
	now := jump(signedAt.Add(accessTTL - 2*time.Second))
	refetch()
	verifyAll("pre-rotation access token before its exp", oldAccess, now)
	now = jump(signedAt.Add(sessionTTL - 2*time.Second))
	refetch()
	verifyAll("pre-rotation session token before its exp", oldSession, now)

	// Once the last token the old key could have signed has expired, it is
	// dropped from every instance's JWKS; the new key signs on.
	now = jump(next.ActivatesAt.Add(sessionTTL + 2*time.Second))
	refetch()
	for i, s := range all {
		set, _ := cache.Get(ctx, jwksURL(s))
		if _, ok := set.LookupKeyID(oldKID); ok {
			t.Fatalf("instance %d still publishes the retired key after its tokens expired", i)
		}
	}
	tok, _ := login()
	if kidOf(t, tok) != next.KID {
		t.Fatal("the new key stopped signing")
	}
	verifyAll("a login after the old key was dropped", tok, now)
}

func jwksURL(s *apptest.Server) string { return s.URL + "/.well-known/jwks.json" }

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var hdr struct {
		KID string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &hdr); err != nil {
		t.Fatal(err)
	}
	return hdr.KID
}

// published records, per instance, when its JWKS first listed each kid.
type published struct {
	servers []*apptest.Server
	mu      sync.Mutex
	first   []map[string]time.Time
}

func newPublished(servers []*apptest.Server) *published {
	p := &published{servers: servers}
	for range servers {
		p.first = append(p.first, map[string]time.Time{})
	}
	return p
}

func (p *published) poll(ctx context.Context, t *testing.T) {
	for {
		for i, s := range p.servers {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL(s), nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("poll JWKS: %v", err)
				}
				return
			}
			set, err := jwk.ParseReader(res.Body)
			res.Body.Close()
			if err != nil {
				t.Errorf("JWKS of instance %d: %v", i, err)
				return
			}
			at := time.Now()
			p.mu.Lock()
			for j := range set.Len() {
				k, _ := set.Key(j)
				if _, ok := p.first[i][k.KeyID()]; !ok {
					p.first[i][k.KeyID()] = at
				}
			}
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pollInterval / 2):
		}
	}
}

func (p *published) firstSeen(i int, kid string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.first[i][kid]
	return at, ok
}
