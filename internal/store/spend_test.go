package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// racers is how many goroutines race each spend, and rounds how many times:
// enough that a read-then-write spend lets two through on either database.
const racers, rounds = 24, 3

// race starts n calls of spend at once (behind a closed channel) and returns
// the indexes of the calls that reported a win.
func race(t *testing.T, n int, spend func(i int) (bool, error)) []int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  []int
		start = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := spend(i)
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
				return
			}
			if ok {
				mu.Lock()
				wins = append(wins, i)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return wins
}

// raceStore opens a fresh store. On SQLite its pool has a connection per
// racer, opened up front, so that racers' statements can interleave at all
// rather than queue for a few connections. (In one process SQLite statements
// rarely yield, so a read-then-write spend is caught mostly by PostgreSQL; a
// dropped "used_at IS NULL" is caught by both.)
func raceStore(t *testing.T, client string) *store.Store {
	t.Helper()
	if client != "sqlite3" {
		return storetest.New(t, client)
	}
	o := storetest.Options(t, client)
	o.PoolMax = racers
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// Open the connections now: else the first racers spend while the others
	// still wait for theirs, and nothing overlaps.
	conns := make([]bun.Conn, 0, racers)
	for range racers {
		c, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	return store.New(db)
}

func issueToken(t *testing.T, st *store.Store, u *models.User, kind string, now time.Time) string {
	t.Helper()
	hash := uuid.NewString()
	tok := &models.OneTimeToken{Hash: hash, Kind: kind, UserID: u.ID, PasswordMark: "mark", UserEmail: u.Email,
		ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	msg := &models.Message{ID: uuid.NewString(), ToAddress: *u.Email, Subject: "s", NextAttemptAt: now, CreatedAt: now}
	if err := st.IssueToken(context.Background(), tok, msg); err != nil {
		t.Fatal(err)
	}
	return hash
}

func TestUseTOTPStepSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := raceStore(t, client)
		u := newUser(t, st, "totp@example.com")
		for r := range rounds {
			step := int64(1000 + r)
			if wins := race(t, racers, func(int) (bool, error) { return st.UseTOTPStep(ctx, u.ID, step) }); len(wins) != 1 {
				t.Fatalf("round %d: %d of %d racers spent TOTP step %d, want exactly 1", r, len(wins), racers, step)
			}
		}
		// Once a step is spent, it and every older one stay refused.
		for _, step := range []int64{1000 + rounds - 1, 999, 0} {
			if ok, err := st.UseTOTPStep(ctx, u.ID, step); ok || err != nil {
				t.Fatalf("step %d after %d: ok=%v err=%v, want refused", step, 1000+rounds-1, ok, err)
			}
		}
		// Another user's steps are their own.
		other := newUser(t, st, "other@example.com")
		if ok, err := st.UseTOTPStep(ctx, other.ID, 1000); !ok || err != nil {
			t.Fatalf("other user's first step: ok=%v err=%v", ok, err)
		}
	})
}

func TestUseRecoveryCodeSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := raceStore(t, client)
		u := newUser(t, st, "rc@example.com")
		other := newUser(t, st, "other@example.com")
		now := time.Now().UTC()
		hashes := make([]string, rounds)
		for i := range hashes {
			hashes[i] = fmt.Sprintf("code-hash-%d", i)
		}
		if err := st.ReplaceRecoveryCodes(ctx, u.ID, hashes, now); err != nil {
			t.Fatal(err)
		}
		// A code is bound to its user.
		if ok, err := st.UseRecoveryCode(ctx, other.ID, hashes[0], now); ok || err != nil {
			t.Fatalf("another user spent the code: ok=%v err=%v", ok, err)
		}
		for r, h := range hashes {
			if wins := race(t, racers, func(int) (bool, error) { return st.UseRecoveryCode(ctx, u.ID, h, now) }); len(wins) != 1 {
				t.Fatalf("round %d: %d of %d racers spent one recovery code, want exactly 1", r, len(wins), racers)
			}
		}
		if n, err := st.RecoveryCodesLeft(ctx, u.ID); n != 0 || err != nil {
			t.Fatalf("codes left: %d %v, want 0", n, err)
		}
	})
}

func TestResetPasswordSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := raceStore(t, client)
		u := newUser(t, st, "reset@example.com")
		now := time.Now().UTC()
		for r := range rounds {
			hash := issueToken(t, st, u, models.TokenPasswordReset, now)
			wins := race(t, racers, func(i int) (bool, error) {
				return st.ResetPassword(ctx, hash, u.ID, fmt.Sprintf("pw-%d-%d", r, i), now)
			})
			if len(wins) != 1 {
				t.Fatalf("round %d: %d of %d racers spent one reset token, want exactly 1", r, len(wins), racers)
			}
			got, err := st.UserRecord(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("pw-%d-%d", r, wins[0]); got.Password == nil || *got.Password != want {
				t.Fatalf("round %d: password %v, want the winner's %q", r, got.Password, want)
			}
			// Spent stays spent, alone too.
			if ok, err := st.ResetPassword(ctx, hash, u.ID, "late", now); ok || err != nil {
				t.Fatalf("round %d: a spent token reset again: ok=%v err=%v", r, ok, err)
			}
		}
		// An expired token is refused.
		hash := issueToken(t, st, u, models.TokenPasswordReset, now)
		if ok, err := st.ResetPassword(ctx, hash, u.ID, "late", now.Add(time.Hour)); ok || err != nil {
			t.Fatalf("expired token: ok=%v err=%v", ok, err)
		}
	})
}

func TestSpendTokenSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := raceStore(t, client)
		u := newUser(t, st, "invite@example.com")
		now := time.Now().UTC()
		for r := range rounds {
			hash := issueToken(t, st, u, models.TokenInvite, now)
			wins := race(t, racers, func(i int) (bool, error) {
				name := fmt.Sprintf("racer-%d-%d", r, i)
				return st.SpendToken(ctx, hash, now, &models.User{ID: u.ID, FirstName: &name}, []string{"first_name"})
			})
			if len(wins) != 1 {
				t.Fatalf("round %d: %d of %d racers spent one invite token, want exactly 1", r, len(wins), racers)
			}
			got, err := st.UserRecord(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("racer-%d-%d", r, wins[0]); got.FirstName == nil || *got.FirstName != want {
				t.Fatalf("round %d: first_name %v, want only the winner's change %q", r, got.FirstName, want)
			}
			name := "late"
			if ok, err := st.SpendToken(ctx, hash, now, &models.User{ID: u.ID, FirstName: &name}, []string{"first_name"}); ok || err != nil {
				t.Fatalf("round %d: a spent token was spent again: ok=%v err=%v", r, ok, err)
			}
		}
		hash := issueToken(t, st, u, models.TokenInvite, now)
		name := "late"
		if ok, err := st.SpendToken(ctx, hash, now.Add(time.Hour), &models.User{ID: u.ID, FirstName: &name}, []string{"first_name"}); ok || err != nil {
			t.Fatalf("expired token: ok=%v err=%v", ok, err)
		}
	})
}
