package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// PasswordPolicy checks a new password (internal/password.Policy).
type PasswordPolicy interface {
	Check(plain string) error
}

// NewUser describes a user to create.
type NewUser struct {
	Email       string
	Password    string
	Admin       bool   // give the user the administrator role
	StaticToken string // optional; stored hashed
}

// CreateUser validates and stores a new active user.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (*models.User, error) {
	if !ValidEmail(nu.Email) {
		return nil, InvalidPayload(`"email" must be a valid email`)
	}
	lower, err := NormalizeEmail(nu.Email)
	if err != nil {
		return nil, err
	}
	if err := s.checkPolicy(nu.Password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, nu.Password)
	if err != nil {
		return nil, s.hashFailure(err)
	}
	now := s.now().UTC()
	email := nu.Email
	u := &models.User{ID: uuid.NewString(), Email: &email, EmailLower: &lower, Password: &hash,
		Status: models.StatusActive, Provider: "default", CreatedAt: now, UpdatedAt: now}
	if nu.Admin {
		role, err := s.adminRole(ctx)
		if err != nil {
			return nil, err
		}
		u.RoleID = &role.ID
	}
	if nu.StaticToken != "" {
		h := HashStaticToken(nu.StaticToken)
		u.TokenHash = &h
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, s.writeFailure(err, u)
	}
	return u, nil
}

func (s *Service) checkPolicy(plain string) error {
	if s.policy == nil {
		return nil
	}
	err := s.policy.Check(plain)
	var pe *password.PolicyError
	if errors.As(err, &pe) {
		return &Error{Code: CodeFailedValidation,
			Message:    fmt.Sprintf("Validation failed for field \"password\". %s.", pe.Reason),
			Extensions: map[string]any{"field": "password", "type": pe.Type}}
	}
	return err
}

// adminRole returns the administrator role, creating it on first use.
func (s *Service) adminRole(ctx context.Context) (*models.Role, error) {
	r, err := s.store.AdminRole(ctx)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, internal(err)
	}
	// A fixed id: instances starting together create one role, not two.
	r = &models.Role{ID: adminRoleID, Name: "Administrator", AdminAccess: true, AppAccess: true, CreatedAt: s.now().UTC()}
	if err := s.store.CreateRole(ctx, r); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return s.store.AdminRole(ctx)
		}
		return nil, internal(err)
	}
	return r, nil
}

// adminRoleID is the id of the first administrator role.
var adminRoleID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("gatehouse:role:administrator")).String()

// Bootstrap is the outcome of EnsureAdmin.
type Bootstrap struct {
	Created           bool
	Email             string
	GeneratedPassword string // set only when ADMIN_PASSWORD was empty
}

// EnsureAdmin creates the first administrator when none exists. Without a
// configured password it generates one, which the caller prints once.
func (s *Service) EnsureAdmin(ctx context.Context, email, plain, staticToken string) (b Bootstrap, err error) {
	has, err := s.store.HasAdmin(ctx)
	if err != nil || has {
		return Bootstrap{}, err
	}
	defer func() {
		// Another instance starting at the same moment may have won.
		if errors.Is(err, &Error{Code: CodeRecordNotUnique}) {
			err = nil
		}
	}()
	b = Bootstrap{Email: email}
	if plain == "" {
		raw := make([]byte, 18)
		if _, err := rand.Read(raw); err != nil {
			return Bootstrap{}, err
		}
		plain = base64.RawURLEncoding.EncodeToString(raw)
		b.GeneratedPassword = plain
	}
	if _, err := s.CreateUser(ctx, NewUser{Email: email, Password: plain, Admin: true, StaticToken: staticToken}); err != nil {
		return Bootstrap{}, err
	}
	b.Created = true
	return b, nil
}

// hashFailure maps a hashing error: no free slot is a 503, anything else internal.
func (s *Service) hashFailure(err error) error {
	if errors.Is(err, password.ErrBusy) {
		return busy()
	}
	return internal(err)
}
