package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// StartSession is one statement on PostgreSQL and a transaction on SQLite;
// on both it writes the user, the session and the audit row, or none of them.
func TestStartSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		u := newUser(t, st, "login@example.com")
		for range 2 {
			if _, err := st.EndAttempt(ctx, u.ID, store.AttemptFailed); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
		sess := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: now.Add(time.Hour),
			CreatedAt: now, LastUsedAt: now, IP: strp("192.0.2.7"), UserAgent: strp("test-agent")}
		act := &models.Activity{ID: uuid.NewString(), Action: models.ActionLogin, UserID: &u.ID,
			IP: strp("192.0.2.7"), Collection: "directus_users", Item: &u.ID, Detail: strp("json"), Timestamp: now}
		if err := st.StartSession(ctx, sess, "$argon2id$rehashed", act); err != nil {
			t.Fatal(err)
		}

		got, err := st.Session(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != u.ID || got.Generation != 0 || got.RotatedAt != nil || !got.ExpiresAt.Equal(sess.ExpiresAt) ||
			got.IP == nil || *got.IP != "192.0.2.7" || got.UserAgent == nil || *got.UserAgent != "test-agent" || got.Origin != nil {
			t.Fatalf("session row: %+v", got)
		}
		user, err := st.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if user.FailedLogins != 0 || user.LastAccess == nil || !user.LastAccess.Equal(now) ||
			user.Password == nil || *user.Password != "$argon2id$rehashed" || !user.UpdatedAt.Equal(now) {
			t.Fatalf("user after login: failed %d last_access %v password %v updated %v",
				user.FailedLogins, user.LastAccess, user.Password, user.UpdatedAt)
		}
		acts, err := st.Activities(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 1 || acts[0].ID != act.ID || acts[0].Action != models.ActionLogin ||
			acts[0].Detail == nil || *acts[0].Detail != "json" || acts[0].UserAgent != nil {
			t.Fatalf("activity rows: %+v", acts)
		}

		// Without a new hash the password stays; a failing audit insert (its id
		// is taken) leaves no session and no change to the user.
		if _, err := st.EndAttempt(ctx, u.ID, store.AttemptFailed); err != nil {
			t.Fatal(err)
		}
		later := now.Add(time.Minute)
		sess2 := &models.Session{ID: uuid.NewString(), UserID: u.ID, ExpiresAt: later.Add(time.Hour), CreatedAt: later, LastUsedAt: later}
		dupAct := &models.Activity{ID: act.ID, Action: models.ActionLogin, UserID: &u.ID, Collection: "directus_users", Timestamp: later}
		if err := st.StartSession(ctx, sess2, "", dupAct); err == nil {
			t.Fatal("StartSession with a taken activity id succeeded")
		}
		if _, err := st.Session(ctx, sess2.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session of the failed login: %v", err)
		}
		user, err = st.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if user.FailedLogins != 1 || !user.LastAccess.Equal(now) {
			t.Fatalf("failed StartSession changed the user: failed %d last_access %v", user.FailedLogins, user.LastAccess)
		}

		dupAct.ID = uuid.NewString()
		if err := st.StartSession(ctx, sess2, "", dupAct); err != nil {
			t.Fatal(err)
		}
		user, err = st.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if user.FailedLogins != 0 || !user.LastAccess.Equal(later) || *user.Password != "$argon2id$rehashed" || !user.UpdatedAt.Equal(now) {
			t.Fatalf("second login: failed %d last_access %v password %v updated %v",
				user.FailedLogins, user.LastAccess, *user.Password, user.UpdatedAt)
		}
	})
}
