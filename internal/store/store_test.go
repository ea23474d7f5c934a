package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func strp(s string) *string { return &s }

func newUser(t testing.TB, st *store.Store, email string) *models.User {
	t.Helper()
	now := time.Now().UTC()
	u := &models.User{ID: uuid.NewString(), Email: strp(email), EmailLower: strp(email), Status: models.StatusActive,
		Provider: "default", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsersAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		u := newUser(t, st, "a@example.com")

		dup := &models.User{ID: uuid.NewString(), Email: strp("A@example.com"), EmailLower: strp("a@example.com"),
			Status: models.StatusActive, Provider: "default", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := st.CreateUser(ctx, dup); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("duplicate email: got %v, want ErrDuplicate", err)
		}
		if _, err := st.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown email: got %v", err)
		}

		now := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
		sess := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastUsedAt: now}
		if err := st.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		got, err := st.Session(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.ExpiresAt.Equal(sess.ExpiresAt) {
			t.Fatalf("expires round trip: got %v want %v", got.ExpiresAt, sess.ExpiresAt)
		}

		// 20 concurrent rotations from generation 0: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		start := make(chan struct{})
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, err := st.Rotate(ctx, sess.ID, 0, now.Add(time.Second), now.Add(2*time.Hour))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins != 1 {
			t.Fatalf("rotations won: %d, want 1", wins)
		}
		got, _ = st.Session(ctx, sess.ID)
		if got.Generation != 1 {
			t.Fatalf("generation %d, want 1", got.Generation)
		}
		// An expired session does not rotate.
		if ok, _ := st.Rotate(ctx, sess.ID, 1, now.Add(3*time.Hour), now.Add(4*time.Hour)); ok {
			t.Fatal("rotated an expired session")
		}
		if n, err := st.DeleteExpiredSessions(ctx, now.Add(3*time.Hour)); err != nil || n != 1 {
			t.Fatalf("purge: n=%d err=%v", n, err)
		}

		// Failed-login counting is atomic.
		var cw sync.WaitGroup
		for range 10 {
			cw.Add(1)
			go func() { defer cw.Done(); _, _ = st.EndAttempt(ctx, u.ID, store.AttemptFailed) }()
		}
		cw.Wait()
		n, err := st.EndAttempt(ctx, u.ID, store.AttemptFailed)
		if err != nil || n != 11 {
			t.Fatalf("failed logins: %d %v, want 11", n, err)
		}
	})
}
