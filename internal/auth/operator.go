package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// The Operator* methods serve the gatehouse CLI. Its caller is whoever can run
// the binary with the configuration, and so can already write every table:
// there is no account to check, and the audit rows say "by the CLI".

// operator is the CLI's accountability: no user of its own.
var operator = &Accountability{UserID: "the gatehouse CLI", Admin: true}

// ErrNoSuchUser: the CLI named an email no account has.
var ErrNoSuchUser = errors.New("no user has this email")

func (s *Service) operatorUser(ctx context.Context, email string) (*models.User, error) {
	u, err := s.userByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchUser, email)
	}
	if err != nil {
		return nil, internal(err)
	}
	return u, nil
}

// OperatorListUsers lists every user, oldest first; status narrows it.
func (s *Service) OperatorListUsers(ctx context.Context, status string) ([]*UserView, error) {
	var out []*UserView
	for offset := 0; ; offset += 1000 {
		page, err := s.store.ListUsers(ctx, store.UserFilter{Status: status, Limit: 1000, Offset: offset})
		if err != nil {
			return nil, internal(err)
		}
		for i := range page {
			out = append(out, viewOf(&page[i]))
		}
		if len(page) < 1000 {
			return out, nil
		}
	}
}

// OperatorSetPassword gives the user a new password (the password policy
// applies) and ends every session of theirs.
func (s *Service) OperatorSetPassword(ctx context.Context, email, plain string) error {
	u, err := s.operatorUser(ctx, email)
	if err != nil {
		return err
	}
	_, err = s.updateUser(ctx, operator, u, UserInput{Password: Value{Set: true, Str: plain}}, true, Meta{})
	return err
}

// OperatorDisable suspends the user, which ends every session of theirs.
func (s *Service) OperatorDisable(ctx context.Context, email string) error {
	u, err := s.operatorUser(ctx, email)
	if err != nil {
		return err
	}
	_, err = s.updateUser(ctx, operator, u, UserInput{Status: Value{Set: true, Str: models.StatusSuspended}}, true, Meta{})
	return err
}

// OperatorRevokeSessions ends every session of the user and returns how many
// were live: their refresh tokens, cookies and session tokens stop working at
// once (json-mode access tokens live until they expire, as after a logout).
func (s *Service) OperatorRevokeSessions(ctx context.Context, email string) (int, error) {
	u, err := s.operatorUser(ctx, email)
	if err != nil {
		return 0, err
	}
	live, err := s.store.UserSessions(ctx, u.ID, s.now().UTC())
	if err != nil {
		return 0, internal(err)
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID, ""); err != nil {
		return 0, internal(err)
	}
	s.audit(ctx, models.ActionUserUpdated, u.ID, Meta{}, "by the gatehouse CLI: sessions revoked")
	return len(live), nil
}

// UnreadableTOTP lists the users whose TOTP secret the SECRET in use cannot
// open (sealed with a SECRET since discarded): they sign in with a recovery
// code until an admin turns their 2FA off.
func (s *Service) UnreadableTOTP(ctx context.Context) ([]string, error) {
	users, err := s.OperatorListUsers(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range users {
		if !v.TFAEnabled {
			continue
		}
		u, err := s.store.UserRecord(ctx, v.ID)
		if err != nil {
			return nil, internal(err)
		}
		if u.TFASecret == nil {
			continue
		}
		if _, err := s.openTFA(u.ID, *u.TFASecret); err != nil && u.Email != nil {
			out = append(out, *u.Email)
		}
	}
	return out, nil
}
