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

// issue stores a token of kind for u, bound to email, with its mail.
func issue(t *testing.T, st *store.Store, u *models.User, kind, email string, now time.Time) string {
	t.Helper()
	hash := uuid.NewString()
	tok := &models.OneTimeToken{Hash: hash, Kind: kind, UserID: u.ID, PasswordMark: "m", UserEmail: &email,
		ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	msg := &models.Message{ID: uuid.NewString(), ToAddress: email, Subject: "s", Status: models.MessagePending,
		NextAttemptAt: now, CreatedAt: now}
	if err := st.IssueToken(context.Background(), tok, msg); err != nil {
		t.Fatal(err)
	}
	return hash
}

func usedAt(t *testing.T, st *store.Store, hash string) *time.Time {
	t.Helper()
	tok, err := st.Token(context.Background(), hash)
	if err != nil {
		t.Fatalf("token %s: %v", hash, err)
	}
	return tok.UsedAt
}

// A completed reset or verification spends every other token of the user,
// whatever its kind: nothing mailed before works afterwards.
func TestSpendingOneTokenSpendsTheOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		u := newUser(t, st, "owner@example.com")
		other := newUser(t, st, "other@example.com")
		reset := issue(t, st, u, models.TokenPasswordReset, "owner@example.com", now)
		rest := []string{
			issue(t, st, u, models.TokenPasswordReset, "owner@example.com", now),
			issue(t, st, u, models.TokenVerifyEmail, "owner@example.com", now),
			issue(t, st, u, models.TokenInvite, "owner@example.com", now),
		}
		untouched := issue(t, st, other, models.TokenVerifyEmail, "other@example.com", now)
		if ok, err := st.ResetPassword(ctx, reset, u.ID, "$argon2id$new", now); err != nil || !ok {
			t.Fatalf("reset: %v %v", ok, err)
		}
		for _, h := range rest {
			if usedAt(t, st, h) == nil {
				t.Fatalf("token %s outlived the reset", h)
			}
		}
		if usedAt(t, st, untouched) != nil {
			t.Fatal("another user's token was spent")
		}

		verify := issue(t, st, other, models.TokenVerifyEmail, "other@example.com", now)
		other.Status = models.StatusActive
		if ok, err := st.SpendToken(ctx, verify, now, other, []string{"status"}); err != nil || !ok {
			t.Fatalf("spend: %v %v", ok, err)
		}
		if usedAt(t, st, untouched) == nil {
			t.Fatal("the other verification link outlived the verification")
		}
	})
}

// A token is spent only while its user still has the email it was sent to:
// the check is in the spending statement itself, so it holds whichever path
// changed the email and however the requests interleave.
func TestSpendRefusedAfterEmailChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		u := newUser(t, st, "first@example.com")
		reset := issue(t, st, u, models.TokenPasswordReset, "first@example.com", now)
		verify := issue(t, st, u, models.TokenVerifyEmail, "first@example.com", now)
		if _, err := st.DB().NewUpdate().Model((*models.User)(nil)).Set("email = ?", "second@example.com").
			Where("id = ?", u.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.ResetPassword(ctx, reset, u.ID, "$argon2id$new", now); err != nil || ok {
			t.Fatalf("reset after the email changed: %v %v", ok, err)
		}
		if ok, err := st.SpendToken(ctx, verify, now, u, []string{"status"}); err != nil || ok {
			t.Fatalf("spend after the email changed: %v %v", ok, err)
		}
		got, err := st.UserRecord(ctx, u.ID)
		if err != nil || got.Password != nil {
			t.Fatalf("the refused reset wrote the password: %+v %v", got, err)
		}
	})
}

// Writing a new email through UpdateUser deletes the links mailed to the old
// one in the same transaction; writing the same email keeps them.
func TestUpdateUserEmailDropsLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, client string) {
		ctx := context.Background()
		st := storetest.New(t, client)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		u := newUser(t, st, "keep@example.com")
		kept := issue(t, st, u, models.TokenPasswordReset, "keep@example.com", now)
		u.FirstName = strp("K")
		if err := st.UpdateUser(ctx, u, []string{"email", "email_lower", "first_name"}, false, ""); err != nil {
			t.Fatal(err)
		}
		if usedAt(t, st, kept) != nil {
			t.Fatal("writing the same email spent the link")
		}
		u.Email, u.EmailLower = strp("new@example.com"), strp("new@example.com")
		if err := st.UpdateUser(ctx, u, []string{"email", "email_lower"}, false, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Token(ctx, kept); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the link to the old address survived: %v", err)
		}
	})
}
