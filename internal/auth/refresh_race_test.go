package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// loser is the real store with one interleaving forced: between a refresh's
// read of its session and its rotation, a concurrent refresh of the same
// generation rotates first, `ago` before the loser's now. The loser's
// ReadAndRotate then sees the session as it was and did not rotate.
type loser struct {
	*store.Store
	ago time.Duration
}

func (l *loser) ReadAndRotate(ctx context.Context, id string, from int64, now, expires time.Time) (*models.Session, bool, error) {
	sess, err := l.SessionWithUser(ctx, id)
	if err != nil {
		return nil, false, err
	}
	won, err := l.Rotate(ctx, id, from, now.Add(-l.ago), expires)
	if err != nil || !won {
		return nil, false, fmt.Errorf("the winner did not rotate: %v", err)
	}
	return sess, false, nil
}

// TestRefreshLostRace: of two refreshes of one generation, the one that lost
// the rotation gets the winner's generation inside the grace period, and is
// reuse outside it (which revokes the session, except in session mode).
func TestRefreshLostRace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		grace := e.set.Grace
		codec := e.codec
		cases := []struct {
			mode   auth.Mode
			ago    time.Duration
			wonGen bool // the loser gets the winner's generation; else reuse
		}{
			{auth.ModeJSON, 0, true},
			{auth.ModeJSON, grace, true},
			{auth.ModeJSON, grace + time.Second, false},
			{auth.ModeCookie, grace / 2, true},
			{auth.ModeCookie, grace + time.Second, false},
			{auth.ModeSession, grace, true},
			{auth.ModeSession, grace + time.Second, false},
		}
		for i, tc := range cases {
			t.Run(fmt.Sprintf("%s %v", tc.mode, tc.ago), func(t *testing.T) {
				email := fmt.Sprintf("race-%d@example.com", i)
				u := e.createUser(t, email, "a-long-password-1")
				in := auth.LoginInput{Email: auth.String(email), Password: auth.String("a-long-password-1"), Mode: auth.String(string(tc.mode))}
				login, err := e.svc.Login(ctx, in, auth.Meta{})
				if err != nil {
					t.Fatal(err)
				}
				cred := login.RefreshToken
				if tc.mode == auth.ModeSession {
					cred = login.AccessToken
				}
				deps := e.deps
				deps.Store = &loser{Store: e.st, ago: tc.ago}
				svc := auth.New(deps, e.set)
				got, err := svc.Refresh(ctx, auth.Presented{Mode: tc.mode, Token: cred}, auth.Meta{})
				sessions, _ := e.st.UserSessions(ctx, u.ID, e.clock.Now())
				if !tc.wonGen {
					if !errors.Is(err, auth.ErrInvalidCredentials) {
						t.Fatalf("lost race outside the grace period: %v, want INVALID_CREDENTIALS", err)
					}
					if revoke := tc.mode != auth.ModeSession; revoke != (len(sessions) == 0) {
						t.Fatalf("after reuse in %s mode %d sessions remain", tc.mode, len(sessions))
					}
					return
				}
				if err != nil {
					t.Fatalf("lost race inside the grace period: %v", err)
				}
				var id string
				var gen int64
				if tc.mode == auth.ModeSession {
					c, verr := e.keys.Verify(ctx, got.AccessToken)
					id, gen, err = c.Session, c.Generation, verr
				} else {
					id, gen, err = codec.Decode(got.RefreshToken)
				}
				if err != nil || len(sessions) != 1 || id != sessions[0].ID || gen != 1 {
					t.Fatalf("the loser got session %s generation %d (%v), want the winner's %v generation 1", id, gen, err, sessions)
				}
				// And what it got is live: it rotates on.
				next := auth.Presented{Mode: tc.mode, Token: got.RefreshToken}
				if tc.mode == auth.ModeSession {
					next.Token = got.AccessToken
				}
				if _, err := e.svc.Refresh(ctx, next, auth.Meta{}); err != nil {
					t.Fatalf("refreshing the loser's tokens: %v", err)
				}
			})
		}
	})
}
