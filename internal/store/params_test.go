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

// The refresh path's queries pass their values to the driver as parameters;
// they must read and write the same rows as the inlined queries, and inside a
// transaction they must run in it.
func TestRefreshPathQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
		role := &models.Role{ID: uuid.NewString(), Name: "Editors", AppAccess: true, CreatedAt: now}
		if err := st.CreateRole(ctx, role); err != nil {
			t.Fatal(err)
		}
		u := newUser(t, st, "r@example.com")
		u.RoleID = &role.ID
		if err := st.UpdateUser(ctx, u, []string{"role"}, false, ""); err != nil {
			t.Fatal(err)
		}
		sess := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastUsedAt: now}
		if err := st.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}

		got, err := st.SessionWithUser(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != u.ID || !got.ExpiresAt.Equal(sess.ExpiresAt) || got.User == nil || got.User.Status != models.StatusActive ||
			got.User.Role == nil || !got.User.Role.AppAccess || got.User.Role.AdminAccess {
			t.Fatalf("session with user: %+v user %+v", got, got.User)
		}
		if _, err := st.SessionWithUser(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown session: %v", err)
		}
		if byEmail, err := st.UserByEmail(ctx, "r@example.com"); err != nil || byEmail.ID != u.ID || byEmail.Role == nil {
			t.Fatalf("by email: %+v %v", byEmail, err)
		}

		// A rotation inside a transaction that rolls back leaves no trace.
		rollback := errors.New("roll back")
		err = st.InTx(ctx, func(tx *store.Store) error {
			if ok, err := tx.Rotate(ctx, sess.ID, 0, now, now.Add(2*time.Hour)); !ok || err != nil {
				t.Fatalf("rotate in tx: %v %v", ok, err)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if s, _ := st.Session(ctx, sess.ID); s.Generation != 0 {
			t.Fatalf("rolled-back rotation left generation %d", s.Generation)
		}

		if err := st.TouchLastAccess(ctx, u.ID, now, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if rec, _ := st.UserRecord(ctx, u.ID); rec.LastAccess == nil || !rec.LastAccess.Equal(now) {
			t.Fatalf("last_access %v, want %v", rec.LastAccess, now)
		}
	})
}

// ReadAndRotate: the session as it was, and a rotation only from the current
// generation of an unexpired session of an active user; of concurrent callers
// with one generation exactly one rotates.
func TestReadAndRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		u := newUser(t, st, "rr@example.com")
		now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		sess := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now, LastUsedAt: now}
		if err := st.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		var wins atomic.Int32
		for range 20 {
			wg.Go(func() {
				got, rotated, err := st.ReadAndRotate(ctx, sess.ID, 0, now.Add(time.Second), now.Add(2*time.Hour))
				if err != nil {
					t.Error(err)
					return
				}
				if rotated {
					wins.Add(1)
					if got.Generation != 0 || got.User == nil || got.User.ID != u.ID {
						t.Errorf("rotating call read %+v", got)
					}
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("rotations won: %d, want 1", wins.Load())
		}
		got, rotated, err := st.ReadAndRotate(ctx, sess.ID, 0, now.Add(2*time.Second), now.Add(2*time.Hour))
		if err != nil || rotated || got.Generation != 1 || got.RotatedAt == nil || !got.RotatedAt.Equal(now.Add(time.Second)) {
			t.Fatalf("spent generation: %+v rotated=%v err=%v", got, rotated, err)
		}

		// Expired: read, not rotated.
		if got, rotated, err := st.ReadAndRotate(ctx, sess.ID, 1, now.Add(3*time.Hour), now.Add(4*time.Hour)); err != nil || rotated || got.Generation != 1 {
			t.Fatalf("expired: %+v rotated=%v err=%v", got, rotated, err)
		}
		// Suspended user: read, not rotated.
		u.Status = models.StatusSuspended
		if err := st.UpdateUser(ctx, u, []string{"status"}, false, ""); err != nil {
			t.Fatal(err)
		}
		got, rotated, err = st.ReadAndRotate(ctx, sess.ID, 1, now.Add(time.Minute), now.Add(2*time.Hour))
		if err != nil || rotated || got.User.Status != models.StatusSuspended {
			t.Fatalf("suspended: %+v rotated=%v err=%v", got, rotated, err)
		}
		if s, _ := st.Session(ctx, sess.ID); s.Generation != 1 {
			t.Fatalf("generation %d after refused rotations, want 1", s.Generation)
		}
		if _, _, err := st.ReadAndRotate(ctx, uuid.NewString(), 0, now, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown session: %v", err)
		}
	})
}
