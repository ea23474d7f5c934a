package rest_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// pooled starts Gatehouse on a fresh PostgreSQL database reached through a
// real PgBouncer in transaction mode (fewer server connections than
// Gatehouse's pool, so statements of one client connection land on several
// server connections), with DB_POOLER=transaction.
func pooled(t *testing.T, env ...string) *apptest.Server {
	t.Helper()
	return apptest.NewOn(t, storetest.PgBouncerOptions(t), env...)
}

func TestPoolerRefreshRace(t *testing.T) {
	t.Parallel()
	s := pooled(t)
	for range 3 {
		refreshRace(t, s)
	}
}

func TestPoolerLockoutBurst(t *testing.T) {
	t.Parallel()
	lockoutBurst(t, pooled(t, "AUTH_LOGIN_ATTEMPTS=5"))
}

// The reset flow for several users at once: requests, delivery through the
// mail sink, resets and logins with the new passwords all interleave.
func TestPoolerResetFlow(t *testing.T) {
	t.Parallel()
	sink := mailtest.NewServer(t)
	s := pooled(t, append(sink.Env(), "PASSWORD_RESET_STALL_TIME=30ms")...)
	const n = 8
	email := func(i int) string { return fmt.Sprintf("reset%d@example.com", i) }
	rts := make([]string, n)
	for i := range n {
		s.CreateUser(email(i), "old-password-"+strconv.Itoa(i))
		rts[i] = s.Login(email(i), "old-password-"+strconv.Itoa(i)).Data()["refresh_token"].(string)
	}
	parallel(n, func(i int) {
		expect(t, s.Post("/auth/password/request", map[string]any{"email": email(i)}), 204, "request")
	})
	for deliver(t, s) > 0 {
	}
	tokens := map[string]string{}
	for _, m := range sink.Messages() {
		tokens[m.Rcpt[0]] = tokenOf(t, mailtest.Link(t, m))
	}
	if len(tokens) != n {
		t.Fatalf("%d users got a reset mail, want %d", len(tokens), n)
	}
	parallel(n, func(i int) {
		expect(t, resetPW(s, tokens[email(i)], newPW), 204, "reset")
		expect(t, s.Post("/auth/login", map[string]any{"email": email(i), "password": newPW}), 200, "login")
		expect(t, s.Post("/auth/refresh", map[string]any{"refresh_token": rts[i]}), 401, "old session")
		expect(t, resetPW(s, tokens[email(i)], "another-long-passphrase"), 403, "spent token")
	})
}

// expect reports (without stopping: it runs on other goroutines) an
// answer other than status.
func expect(t *testing.T, r *apptest.Response, status int, what string) {
	if r.StatusCode != status {
		t.Errorf("%s: %d %s, want %d", what, r.StatusCode, r.Body, status)
	}
}

// parallel runs fn(0) … fn(n-1) at once and waits for them.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}
