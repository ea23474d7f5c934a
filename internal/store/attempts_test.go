package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// Of 40 concurrent reservations released together, exactly the limit get
// one; the rest see the budget held.
func TestReserveAttemptIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		u := newUser(t, st, "budget@example.com")
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		var won atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := st.ReserveAttempt(ctx, u.ID, 5, now, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if r.Reserved {
					won.Add(1)
				} else if !r.Active || r.Failures+r.Pending < 5 {
					t.Errorf("refused reservation: %+v", r)
				}
			}()
		}
		close(start)
		wg.Wait()
		if won.Load() != 5 {
			t.Fatalf("%d reservations, want 5", won.Load())
		}

		// Failures use up the budget for good; a success gives it back.
		for range 4 {
			if _, err := st.EndAttempt(ctx, u.ID, store.AttemptFailed); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := st.EndAttempt(ctx, u.ID, store.AttemptAbandoned); err != nil || n != 4 {
			t.Fatalf("after 4 failures and an abandoned check: %d %v", n, err)
		}
		r, _ := st.ReserveAttempt(ctx, u.ID, 5, now, now.Add(time.Minute))
		if !r.Reserved || r.Failures != 4 {
			t.Fatalf("fifth reservation: %+v", r)
		}
		if r, _ := st.ReserveAttempt(ctx, u.ID, 5, now, now.Add(time.Minute)); r.Reserved || r.Pending != 1 {
			t.Fatalf("sixth reservation with one in flight: %+v", r)
		}
		// A reservation whose hold passed (its process died) stops counting.
		later := now.Add(2 * time.Minute)
		if r, _ := st.ReserveAttempt(ctx, u.ID, 5, later, later.Add(time.Minute)); !r.Reserved {
			t.Fatalf("reservation after the hold: %+v", r)
		}
		if _, err := st.EndAttempt(ctx, u.ID, store.AttemptFailed); err != nil {
			t.Fatal(err)
		}
		if done, err := st.SuspendIfSpent(ctx, u.ID, 5, later); err != nil || !done {
			t.Fatalf("suspension at 5 failures: %v %v", done, err)
		}
		got, _ := st.UserByID(ctx, u.ID)
		if got.Status != models.StatusSuspended || got.FailedLogins != 0 || got.LoginPending != 0 {
			t.Fatalf("after suspension: %s failed %d pending %d", got.Status, got.FailedLogins, got.LoginPending)
		}
		if r, _ := st.ReserveAttempt(ctx, u.ID, 5, later, later.Add(time.Minute)); r.Reserved || r.Active {
			t.Fatalf("reservation on a suspended user: %+v", r)
		}
	})
}

// SuspendIfSpent leaves a user whose count a success reset meanwhile.
func TestSuspendIfSpentRechecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		u := newUser(t, st, "reset@example.com")
		if _, err := st.EndAttempt(ctx, u.ID, store.AttemptFailed); err != nil {
			t.Fatal(err)
		}
		if done, err := st.SuspendIfSpent(ctx, u.ID, 2, time.Now()); err != nil || done {
			t.Fatalf("suspended below the limit: %v %v", done, err)
		}
		if got, _ := st.UserByID(ctx, u.ID); got.Status != models.StatusActive {
			t.Fatalf("status %s", got.Status)
		}
	})
}

// The login write re-checks the account: a user suspended while the login
// was in flight gets no session, and nothing else of the login is written.
func TestStartSessionRefusesInactiveUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		u := newUser(t, st, "gone@example.com")
		for range 2 {
			if _, err := st.EndAttempt(ctx, u.ID, store.AttemptFailed); err != nil {
				t.Fatal(err)
			}
		}
		if done, err := st.SuspendIfSpent(ctx, u.ID, 2, time.Now().UTC()); err != nil || !done {
			t.Fatalf("suspend: %v %v", done, err)
		}
		now := time.Now().UTC()
		sess := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastUsedAt: now}
		act := &models.Activity{ID: uuid.NewString(), Action: models.ActionLogin, UserID: &u.ID, Collection: "directus_users", Timestamp: now}
		if err := st.StartSession(ctx, sess, "", act); !errors.Is(err, store.ErrNotActive) {
			t.Fatalf("StartSession for a suspended user: %v, want ErrNotActive", err)
		}
		if _, err := st.Session(ctx, sess.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session of a suspended user: %v", err)
		}
		if acts, _ := st.Activities(ctx, u.ID); len(acts) != 0 {
			t.Fatalf("audit rows written: %d", len(acts))
		}
		if got, _ := st.UserByID(ctx, u.ID); got.LastAccess != nil {
			t.Fatal("last_access stamped for a refused login")
		}
	})
}
