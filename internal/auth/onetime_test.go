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

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/models"
)

const newPassword = "a-brand-new-passphrase"

// userWithStatus creates a user and puts it in status.
func userWithStatus(t *testing.T, e *env, email, status string) *models.User {
	t.Helper()
	u := e.createUser(t, email, "a-long-password-1")
	u.Status = status
	if err := e.st.UpdateUser(context.Background(), u, []string{"status"}, false, ""); err != nil {
		t.Fatal(err)
	}
	return u
}

// issue stores a live one-time token of kind for u, as the service would,
// and returns its secret.
func issue(t *testing.T, e *env, u *models.User, kind string) (secret, hash string) {
	t.Helper()
	ctx := context.Background()
	rec, err := e.st.UserRecord(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = hex.EncodeToString(b)
	now := e.clock.Now()
	tok := &models.OneTimeToken{Hash: auth.HashSecret(secret), Kind: kind, UserID: u.ID, PasswordMark: auth.PasswordMark(rec),
		UserEmail: rec.Email, ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	if kind == models.TokenVerifyEmail {
		tok.PasswordHash = rec.Password // a verification link carries its registration's password
	}
	msg := &models.Message{ID: uuid.NewString(), ToAddress: *u.Email, Subject: kind, NextAttemptAt: now, CreatedAt: now}
	if err := e.st.IssueToken(ctx, tok, msg); err != nil {
		t.Fatal(err)
	}
	return secret, tok.Hash
}

// A one-time token works only for its own purpose: each kind, presented where
// another is expected, is refused and stays unspent, for a user whom every
// other rule would let through.
func TestOneTimeTokenKindIsChecked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		svc := e.svc
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
					u := userWithStatus(t, e, fmt.Sprintf("kind-%d@example.com", n), c.status)
					before, _ := e.st.UserRecord(ctx, u.ID)
					secret, hash := issue(t, e, u, other.kind)
					if err := c.use(secret); !errors.Is(err, auth.ErrForbidden) {
						t.Fatalf("a %s token used for %s: %v, want FORBIDDEN", other.kind, c.kind, err)
					}
					tok, err := e.st.Token(ctx, hash)
					if err != nil || tok.UsedAt != nil {
						t.Fatalf("the refused token was spent: %+v %v", tok, err)
					}
					after, _ := e.st.UserRecord(ctx, u.ID)
					if after.Status != before.Status || *after.Password != *before.Password {
						t.Fatalf("the refused token changed the user: %s → %s", before.Status, after.Status)
					}
					// The user was fit for this consumer: its own kind works.
					own, _ := issue(t, e, u, c.kind)
					if err := c.use(own); err != nil {
						t.Fatalf("a %s token used for %s: %v", c.kind, c.kind, err)
					}
				})
			}
		}
	})
}
