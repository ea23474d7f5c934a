package app_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// TestTwoInstances runs two Gatehouse servers on one PostgreSQL database, as
// two instances behind a load balancer would.
func TestTwoInstances(t *testing.T) {
	ctx := context.Background()
	sink := mailtest.NewServer(t)
	o := storetest.Options(t, "pg")
	env := append(sink.Env(), "PASSWORD_RESET_STALL_TIME=1ms")

	// Both start (and migrate) at once: the advisory lock serialises them.
	var a, b *apptest.Server
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = apptest.NewOn(t, o, env...) }()
	go func() { defer wg.Done(); b = apptest.NewOn(t, o, env...) }()
	wg.Wait()
	if a == nil || b == nil {
		t.Fatal("an instance failed to start")
	}

	// A session made on A refreshes on B, and B's logout kills it on A.
	rt := a.Login(apptest.AdminEmail, apptest.AdminPassword).Data()["refresh_token"].(string)
	r := b.Post("/auth/refresh", map[string]any{"refresh_token": rt})
	if r.StatusCode != 200 {
		t.Fatalf("refresh on B: %d %s", r.StatusCode, r.Body)
	}
	rt2 := r.Data()["refresh_token"].(string)
	at := r.Data()["access_token"].(string)
	if r := a.Do("GET", "/users/me", nil, "Authorization", "Bearer "+at); r.StatusCode != 200 {
		t.Fatalf("B's token on A: %d", r.StatusCode)
	}
	if r := b.Post("/auth/logout", map[string]any{"refresh_token": rt2}); r.StatusCode != 204 {
		t.Fatalf("logout on B: %d", r.StatusCode)
	}
	if r := a.Post("/auth/refresh", map[string]any{"refresh_token": rt2}); r.StatusCode != 401 {
		t.Fatalf("refresh on A after logout on B: %d", r.StatusCode)
	}
	sc := a.Login(apptest.AdminEmail, apptest.AdminPassword, "mode", "session").Cookie("directus_session_token").Value
	if r := b.Post("/auth/logout", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+sc); r.StatusCode != 204 {
		t.Fatalf("session logout on B: %d", r.StatusCode)
	}
	if r := a.Do("GET", "/users/me", nil, "Cookie", "directus_session_token="+sc); r.StatusCode != 401 {
		t.Fatalf("session cookie on A after logout on B: %d", r.StatusCode)
	}

	// A key rotated on A signs, once it activates, tokens that B verifies.
	next, err := a.App.Keys.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Clock.Set(next.ActivatesAt)
	b.Clock.Set(next.ActivatesAt)
	at = a.Login(apptest.AdminEmail, apptest.AdminPassword).Data()["access_token"].(string)
	if r := b.Do("GET", "/users/me", nil, "Authorization", "Bearer "+at); r.StatusCode != 200 {
		t.Fatalf("token of A's new key on B: %d %s", r.StatusCode, r.Body)
	}

	// One reset email, two workers draining at once: it is sent exactly once.
	if r := a.Post("/auth/password/request", map[string]any{"email": apptest.AdminEmail}); r.StatusCode != 204 {
		t.Fatalf("reset request: %d", r.StatusCode)
	}
	wg.Add(2)
	for _, s := range []*apptest.Server{a, b} {
		go func() { defer wg.Done(); _, _ = s.App.Outbox.RunOnce(ctx) }()
	}
	wg.Wait()
	if n := len(sink.Messages()); n != 1 {
		t.Fatalf("%d emails sent, want exactly 1", n)
	}
}
