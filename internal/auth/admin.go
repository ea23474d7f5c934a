package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// statuses a user may be given.
var statuses = []string{models.StatusActive, models.StatusSuspended, models.StatusInvited, models.StatusDraft,
	models.StatusArchived, models.StatusUnverified}

// requireAdmin checks admin access against the database, not the token's
// claims: a role changed since the token was signed counts at once.
func (s *Service) requireAdmin(ctx context.Context, a *Accountability) error {
	if a == nil {
		return ErrForbidden
	}
	u, err := s.store.UserByID(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrForbidden
	}
	if err != nil {
		return internal(err)
	}
	if u.Status != models.StatusActive || u.Role == nil || !u.Role.AdminAccess {
		return ErrForbidden
	}
	return nil
}

// UserInput is a user payload field by field; absent fields stay as they are.
type UserInput struct {
	Email, Password, FirstName, LastName, Status, Role, Token, TFASecret Value
	Proof                                                                Proof // changes to one's own account only
}

// UserFilter narrows ListUsers. The adapters build it, so it lives here and
// not in internal/store; the store's own filter has the same fields.
type UserFilter struct {
	Email  string // as typed; ListUsers normalizes it
	Status string
	Limit  int
	Offset int
}

// ListUsers is GET /users for admins.
func (s *Service) ListUsers(ctx context.Context, a *Accountability, f UserFilter) ([]*UserView, error) {
	if err := s.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		return nil, InvalidQuery(fmt.Sprintf("%q is not a user status", f.Status))
	}
	if f.Email != "" {
		key, err := NormalizeEmail(f.Email)
		if err != nil {
			return []*UserView{}, nil // no account has an address without a normal form
		}
		f.Email = key
	}
	users, err := s.store.ListUsers(ctx, store.UserFilter(f))
	if err != nil {
		return nil, internal(err)
	}
	out := make([]*UserView, len(users))
	for i := range users {
		out[i] = viewOf(&users[i])
	}
	return out, nil
}

// GetUser is GET /users/:id for admins.
func (s *Service) GetUser(ctx context.Context, a *Accountability, id string) (*UserView, error) {
	if err := s.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	u, err := s.userByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return viewOf(u), nil
}

func (s *Service) userByID(ctx context.Context, id string) (*models.User, error) {
	if uuid.Validate(id) != nil {
		return nil, ErrForbidden // Directus: an unknown item reads as forbidden
	}
	u, err := s.store.UserRecord(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrForbidden
	}
	if err != nil {
		return nil, internal(err)
	}
	return u, nil
}

// CreateUserAs is POST /users for admins.
func (s *Service) CreateUserAs(ctx context.Context, a *Accountability, in UserInput, m Meta) (*UserView, error) {
	if err := s.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	if !in.Email.Set {
		return nil, InvalidPayload(`"email" is required`)
	}
	if in.Proof.CurrentPassword.Set || in.Proof.OTP.Set {
		return nil, InvalidPayload(`"current_password" is not allowed`)
	}
	now := s.now().UTC()
	u := &models.User{ID: uuid.NewString(), Status: models.StatusActive, Provider: "default", CreatedAt: now, UpdatedAt: now}
	if _, err := s.applyUserInput(ctx, u, in, true); err != nil {
		return nil, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, s.writeFailure(err, u)
	}
	s.audit(ctx, models.ActionUserCreated, u.ID, m, "by "+a.UserID)
	return viewOf(u), nil
}

// UpdateUserAs is PATCH /users/:id for admins. A status change away from
// active ends every session; a password or email change ends the others.
func (s *Service) UpdateUserAs(ctx context.Context, a *Accountability, id string, in UserInput, m Meta) (*UserView, error) {
	if err := s.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	u, err := s.userByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.ID == a.UserID {
		// An admin's own account gets the same protection as through /users/me.
		return s.updateOwn(ctx, a, u, in, true, m)
	}
	return s.updateUser(ctx, a, u, in, true, m)
}

// DeleteUserAs is DELETE /users/:id for admins.
func (s *Service) DeleteUserAs(ctx context.Context, a *Accountability, id string, m Meta) error {
	if err := s.requireAdmin(ctx, a); err != nil {
		return err
	}
	if _, err := s.userByID(ctx, id); err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, id); err != nil {
		return internal(err)
	}
	s.audit(ctx, models.ActionUserDeleted, id, m, "by "+a.UserID)
	return nil
}

// UpdateMe is PATCH /users/me: a user's own names, email and password.
func (s *Service) UpdateMe(ctx context.Context, a *Accountability, in UserInput, m Meta) (*UserView, error) {
	if a == nil {
		return nil, ErrInvalidCredentials
	}
	if in.TFASecret.Set {
		return nil, InvalidPayload(`You can't change the "tfa_secret" value manually`)
	}
	for name, v := range map[string]Value{"status": in.Status, "role": in.Role, "token": in.Token} {
		if v.Set {
			return nil, ForbiddenReason(fmt.Sprintf("You don't have permission to access field %q in collection \"directus_users\" or it does not exist.", name))
		}
	}
	u, err := s.userByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return s.updateOwn(ctx, a, u, in, false, m)
}

func (s *Service) updateUser(ctx context.Context, a *Accountability, u *models.User, in UserInput, admin bool, m Meta) (*UserView, error) {
	wasActive := u.Status == models.StatusActive
	cols, err := s.applyUserInput(ctx, u, in, admin)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return viewOf(u), nil
	}
	u.UpdatedAt = s.now().UTC()
	cols = append(cols, "updated_at")
	endAll := wasActive && u.Status != models.StatusActive
	endOthers := slices.Contains(cols, "password") || slices.Contains(cols, "email")
	keep := ""
	if !endAll && a.UserID == u.ID {
		// The caller's own session, in every mode: json and cookie tokens
		// name theirs in the sid claim.
		keep = a.SessionRef
	}
	if err := s.store.UpdateUser(ctx, u, cols, endAll || endOthers, keep); err != nil {
		return nil, s.writeFailure(err, u)
	}
	if slices.Contains(cols, "tfa_secret") {
		// An admin turned 2FA off: the old recovery codes go too.
		if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, nil, u.UpdatedAt); err != nil {
			return nil, internal(err)
		}
		s.audit(ctx, models.ActionTFADisabled, u.ID, m, "by "+a.UserID)
	}
	s.audit(ctx, models.ActionUserUpdated, u.ID, m, fmt.Sprintf("by %s: %v", a.UserID, cols))
	return viewOf(u), nil
}

// applyUserInput validates in and copies it onto u, returning the columns set.
func (s *Service) applyUserInput(ctx context.Context, u *models.User, in UserInput, admin bool) ([]string, error) {
	var cols []string
	if in.Email.Set {
		if in.Email.NotString || !ValidEmail(in.Email.Str) {
			return nil, InvalidPayload(`"email" must be a valid email`)
		}
		lower, err := NormalizeEmail(in.Email.Str)
		if err != nil {
			return nil, err
		}
		email := in.Email.Str
		u.Email, u.EmailLower = &email, &lower
		cols = append(cols, "email", "email_lower")
	}
	if in.Password.Set {
		if in.Password.NotString {
			return nil, InvalidPayload(`"password" must be a string`)
		}
		if err := s.checkPolicy(in.Password.Str); err != nil {
			return nil, err
		}
		h, err := s.hasher.Hash(ctx, in.Password.Str)
		if err != nil {
			return nil, s.hashFailure(err)
		}
		u.Password = &h
		cols = append(cols, "password")
	}
	for _, f := range []struct {
		name string
		v    Value
		dst  **string
	}{{"first_name", in.FirstName, &u.FirstName}, {"last_name", in.LastName, &u.LastName}} {
		if !f.v.Set {
			continue
		}
		switch {
		case f.v.Null:
			*f.dst = nil
		case f.v.NotString:
			return nil, InvalidPayload(fmt.Sprintf("%q must be a string", f.name))
		case len([]rune(f.v.Str)) > 50:
			return nil, InvalidPayload(fmt.Sprintf("%q length must be less than or equal to 50 characters long", f.name))
		default:
			v := f.v.Str
			*f.dst = &v
		}
		cols = append(cols, f.name)
	}
	if !admin {
		return cols, nil
	}
	if in.Status.Set {
		if in.Status.NotString || !slices.Contains(statuses, in.Status.Str) {
			return nil, InvalidPayload(`"status" must be one of [active, suspended, invited, draft, archived, unverified]`)
		}
		u.Status = in.Status.Str
		cols = append(cols, "status")
		if u.Status == models.StatusActive {
			u.FailedLogins = 0
			cols = append(cols, "failed_logins")
		}
	}
	if in.Role.Set {
		if err := s.applyRole(ctx, u, in.Role); err != nil {
			return nil, err
		}
		cols = append(cols, "role")
	}
	if in.Token.Set {
		switch {
		case in.Token.Null:
			u.TokenHash = nil
		case in.Token.NotString || len(in.Token.Str) < 16 || len(in.Token.Str) > 255:
			return nil, InvalidPayload(`"token" must be a string of 16 to 255 characters`)
		default:
			h := HashStaticToken(in.Token.Str)
			u.TokenHash = &h
		}
		cols = append(cols, "token_hash")
	}
	if in.TFASecret.Set {
		if !in.TFASecret.Null {
			return nil, InvalidPayload(`You can't change the "tfa_secret" value manually`)
		}
		u.TFASecret, u.TFALastStep = nil, nil
		cols = append(cols, "tfa_secret", "tfa_last_step")
	}
	return cols, nil
}

func (s *Service) applyRole(ctx context.Context, u *models.User, v Value) error {
	if v.Null {
		u.RoleID, u.Role = nil, nil
		return nil
	}
	if v.NotString || uuid.Validate(v.Str) != nil {
		return InvalidPayload(`"role" must be a valid GUID`)
	}
	r, err := s.store.Role(ctx, v.Str)
	if errors.Is(err, store.ErrNotFound) {
		return InvalidPayload(fmt.Sprintf("Role %q doesn't exist", v.Str))
	}
	if err != nil {
		return internal(err)
	}
	u.RoleID, u.Role = &r.ID, r
	return nil
}

// writeFailure maps a failed user write: a taken email is Directus's
// RECORD_NOT_UNIQUE.
func (s *Service) writeFailure(err error, u *models.User) error {
	if errors.Is(err, store.ErrDuplicate) {
		email := ""
		if u.Email != nil {
			email = *u.Email
		}
		return notUnique(err, email)
	}
	if errors.Is(err, store.ErrNotFound) {
		return ErrForbidden
	}
	return internal(err)
}

// notUnique is Directus's RECORD_NOT_UNIQUE for a taken email or static
// token (the store names the column, never the value).
func notUnique(err error, email string) error {
	if strings.Contains(err.Error(), "token_hash") {
		return &Error{Code: CodeRecordNotUnique,
			Message:    "Value for field \"token\" in collection \"directus_users\" has to be unique.",
			Extensions: map[string]any{"collection": "directus_users", "field": "token"}}
	}
	return &Error{Code: CodeRecordNotUnique,
		Message:    fmt.Sprintf("Value %q for field \"email\" in collection \"directus_users\" has to be unique.", email),
		Extensions: map[string]any{"collection": "directus_users", "field": "email", "value": email}}
}

func viewOf(u *models.User) *UserView {
	return &UserView{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Status: u.Status,
		Role: u.RoleID, LastAccess: u.LastAccess, Provider: u.Provider,
		HasPassword: u.Password != nil && *u.Password != "", HasToken: u.TokenHash != nil && *u.TokenHash != "",
		TFAEnabled: u.TFASecret != nil && *u.TFASecret != ""}
}

// RoleInput is POST /roles.
type RoleInput struct {
	Name        Value
	AdminAccess bool
	AppAccess   bool
}

// ListRoles is GET /roles for admins.
func (s *Service) ListRoles(ctx context.Context, a *Accountability) ([]models.Role, error) {
	if err := s.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	r, err := s.store.Roles(ctx)
	if err != nil {
		return nil, internal(err)
	}
	return r, nil
}

// CreateRole is POST /roles for admins.
func (s *Service) CreateRole(ctx context.Context, a *Accountability, in RoleInput) (*models.Role, error) {
	if err := s.requireAdmin(ctx, a); err != nil {
		return nil, err
	}
	if err := requireString("name", in.Name); err != nil {
		return nil, err
	}
	if len([]rune(in.Name.Str)) > 100 {
		return nil, InvalidPayload(`"name" length must be less than or equal to 100 characters long`)
	}
	r := &models.Role{ID: uuid.NewString(), Name: in.Name.Str, AdminAccess: in.AdminAccess, AppAccess: in.AppAccess, CreatedAt: s.now().UTC()}
	if err := s.store.CreateRole(ctx, r); err != nil {
		return nil, internal(err)
	}
	return r, nil
}
