package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// concealed is how secret fields read back when set.
const concealed = "**********"

// UserFields are the readable fields of a user in Directus's names, in output order.
var UserFields = []string{"id", "first_name", "last_name", "email", "password", "status", "role",
	"token", "tfa_secret", "last_access", "provider"}

// Field is one key of a user record in output order.
type Field struct {
	Name  string
	Value any
}

// UserView is the caller's own record, with secrets reduced to whether they are set.
type UserView struct {
	ID          string
	FirstName   *string
	LastName    *string
	Email       *string
	Status      string
	Role        *string
	LastAccess  *time.Time
	Provider    string
	HasPassword bool
	HasToken    bool
	TFAEnabled  bool
}

// CurrentUser loads the authenticated caller; anonymous callers get
// INVALID_CREDENTIALS.
func (s *Service) CurrentUser(ctx context.Context, a *Accountability) (*UserView, error) {
	if a == nil {
		return nil, ErrInvalidCredentials
	}
	u, err := s.store.UserRecord(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrForbidden
	}
	if err != nil {
		return nil, internal(err)
	}
	return viewOf(u), nil
}

// Me returns the caller's record in Directus's field names, limited to fields
// when given (?fields=a,b; "*" means all). Secrets read as "**********".
func (s *Service) Me(ctx context.Context, a *Accountability, fields []string) ([]Field, error) {
	if a == nil {
		return nil, ErrInvalidCredentials
	}
	want, err := pickFields(fields)
	if err != nil {
		return nil, err
	}
	u, err := s.CurrentUser(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]Field, 0, len(want))
	for _, f := range want {
		out = append(out, Field{f, u.Field(f)})
	}
	return out, nil
}

func pickFields(fields []string) ([]string, error) {
	var want []string
	for _, f := range fields {
		for _, name := range strings.Split(f, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
			case name == "*":
				want = append(want, UserFields...)
			case knownField(name):
				want = append(want, name)
			default:
				return nil, ForbiddenReason(fmt.Sprintf(
					"You don't have permission to access field %q in collection \"directus_users\" or it does not exist.", name))
			}
		}
	}
	if len(want) == 0 {
		return UserFields, nil
	}
	return dedupe(want), nil
}

func knownField(name string) bool {
	for _, f := range UserFields {
		if f == name {
			return true
		}
	}
	return false
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func conceal(set bool) any {
	if !set {
		return nil
	}
	return concealed
}

// Field reads one Directus field of the record.
func (u *UserView) Field(f string) any {
	switch f {
	case "id":
		return u.ID
	case "first_name":
		return u.FirstName
	case "last_name":
		return u.LastName
	case "email":
		return u.Email
	case "password":
		return conceal(u.HasPassword)
	case "status":
		return u.Status
	case "role":
		return u.Role
	case "token":
		return conceal(u.HasToken)
	case "tfa_secret":
		return conceal(u.TFAEnabled)
	case "last_access":
		if u.LastAccess == nil {
			return nil
		}
		return u.LastAccess.UTC().Format(time.RFC3339)
	case "provider":
		return u.Provider
	}
	return nil
}
