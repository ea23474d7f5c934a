package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/models"
)

const newPassword = "a-brand-new-passphrase"

// userWithStatus creates a user and puts it in status.
func userWithStatus(t *testing.T, s *apptest.Server, email, status string) *models.User {
	t.Helper()
	u := s.CreateUser(email, "a-long-password-1")
	u.Status = status
	if err := s.App.Store.UpdateUser(context.Background(), u, []string{"status"}, false, ""); err != nil {
		t.Fatal(err)
	}
	return u
}

// issue stores a live one-time token of kind for u, as the service would,
// and returns its secret.
func issue(t *testing.T, s *apptest.Server, u *models.User, kind string) (secret, hash string) {
	t.Helper()
	ctx := context.Background()
	rec, err := s.App.Store.UserRecord(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = hex.EncodeToString(b)
	now := s.Clock.Now()
	tok := &models.OneTimeToken{Hash: auth.HashSecret(secret), Kind: kind, UserID: u.ID, PasswordMark: auth.PasswordMark(rec),
		ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	msg := &models.Message{ID: uuid.NewString(), ToAddress: *u.Email, Subject: kind, NextAttemptAt: now, CreatedAt: now}
	if err := s.App.Store.IssueToken(ctx, tok, msg); err != nil {
		t.Fatal(err)
	}
	return secret, tok.Hash
}

// A one-time token works only for its own purpose: each kind, presented where
// another is expected, is refused and stays unspent, for a user whom every
// other rule would let through.
func TestOneTimeTokenKindIsChecked(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		svc := s.App.Auth
		consumers := []struct {
			kind   string
			status string // the user status the consumer accepts
			use    func(secret string) error
		}{
			{models.TokenPasswordReset, models.StatusActive, func(sec string) error {
				return svc.ResetPassword(ctx, auth.ResetInput{Token: auth.String(sec), Password: auth.String(newPassword)}, auth.Meta{})
			}},
			{models.TokenInvite, models.StatusInvited, func(sec string) error {
				return svc.AcceptInvite(ctx, auth.String(sec), auth.String(newPassword), auth.Meta{})
			}},
			{models.TokenVerifyEmail, models.StatusUnverified, func(sec string) error { return svc.VerifyEmail(ctx, sec, auth.Meta{}) }},
		}
		n := 0
		for _, c := range consumers {
			for _, other := range consumers {
				if other.kind == c.kind {
					continue
				}
				n++
				t.Run(other.kind+" as "+c.kind, func(t *testing.T) {
					u := userWithStatus(t, s, fmt.Sprintf("kind-%d@example.com", n), c.status)
					before, _ := s.App.Store.UserRecord(ctx, u.ID)
					secret, hash := issue(t, s, u, other.kind)
					if err := c.use(secret); !errors.Is(err, auth.ErrForbidden) {
						t.Fatalf("a %s token used for %s: %v, want FORBIDDEN", other.kind, c.kind, err)
					}
					tok, err := s.App.Store.Token(ctx, hash)
					if err != nil || tok.UsedAt != nil {
						t.Fatalf("the refused token was spent: %+v %v", tok, err)
					}
					after, _ := s.App.Store.UserRecord(ctx, u.ID)
					if after.Status != before.Status || *after.Password != *before.Password {
						t.Fatalf("the refused token changed the user: %s → %s", before.Status, after.Status)
					}
					// The user was fit for this consumer: its own kind works.
					own, _ := issue(t, s, u, c.kind)
					if err := c.use(own); err != nil {
						t.Fatalf("a %s token used for %s: %v", c.kind, c.kind, err)
					}
				})
			}
		}
	})
}
