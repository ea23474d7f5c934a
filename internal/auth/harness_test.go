package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/models"
)

// env is the service over a real database, built from its parts rather
// than through internal/app: that would pull the HTTP surfaces (and gqlgen's
// generated code) into this package's test binary and make every mutant of
// scripts/mutation.sh recompile them.
type env struct {
	svc    *auth.Service
	st     *store.Store
	keys   *token.Manager
	codec  *token.Refresh
	clock  *clock
	deps   auth.Deps
	set    auth.Settings
	secret []byte
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// each runs fn against a fresh service on every database, in parallel.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, client string) { fn(t, newEnv(t, client)) })
}

func newEnv(t *testing.T, client string) *env {
	t.Helper()
	st := storetest.New(t, client)
	secret := []byte("test-secret-0123456789-0123456789-abcdef")
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	keys, err := token.NewManager(context.Background(), token.Options{Store: st, Secret: secret, MaxTTL: 24 * time.Hour, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, keys: keys, codec: token.NewRefresh(secret), clock: c, secret: secret}
	e.deps = auth.Deps{Store: st, Signer: keys, Refresh: e.codec, Secret: secret, Now: c.Now, Sleep: func(time.Duration) {},
		Hasher: password.NewHasher(password.Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 4, 5*time.Second)}
	e.set = auth.Settings{AccessTTL: 15 * time.Minute, RefreshTTL: 7 * 24 * time.Hour, SessionTTL: 24 * time.Hour,
		Grace: 10 * time.Second, PublicURL: "http://gatehouse.test",
		RefreshCookie: auth.CookieSpec{Name: "directus_refresh_token", MaxAge: 7 * 24 * time.Hour},
		SessionCookie: auth.CookieSpec{Name: "directus_session_token", MaxAge: 24 * time.Hour}}
	e.svc = auth.New(e.deps, e.set)
	return e
}

func (e *env) createUser(t *testing.T, email, pw string) *models.User {
	t.Helper()
	u, err := e.svc.CreateUser(context.Background(), auth.NewUser{Email: email, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
