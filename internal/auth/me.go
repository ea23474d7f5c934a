package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// concealed is how secret fields read back when set.
const concealed = "**********"

// userFields are the readable fields of a user, in output order.
var userFields = []string{"id", "first_name", "last_name", "email", "password", "status", "role",
	"token", "tfa_secret", "last_access", "provider"}

// Field is one key of a user record in output order.
type Field struct {
	Name  string
	Value any
}

// Me returns the caller's user record, limited to fields when given
// (Directus's ?fields=a,b; "*" means all). Secrets read as "**********".
func (s *Service) Me(ctx context.Context, a *Accountability, fields []string) ([]Field, error) {
	if a == nil {
		return nil, ErrInvalidCredentials
	}
	want, err := pickFields(fields)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrForbidden
	}
	if err != nil {
		return nil, internal(err)
	}
	out := make([]Field, 0, len(want))
	for _, f := range want {
		out = append(out, Field{f, userField(u, f)})
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
				want = append(want, userFields...)
			case knownField(name):
				want = append(want, name)
			default:
				return nil, ForbiddenReason(fmt.Sprintf(
					"You don't have permission to access field %q in collection \"directus_users\" or it does not exist.", name))
			}
		}
	}
	if len(want) == 0 {
		return userFields, nil
	}
	return dedupe(want), nil
}

func knownField(name string) bool {
	for _, f := range userFields {
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

func conceal(s *string) any {
	if s == nil || *s == "" {
		return nil
	}
	return concealed
}

func userField(u *models.User, f string) any {
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
		return conceal(u.Password)
	case "status":
		return u.Status
	case "role":
		return u.RoleID
	case "token":
		return conceal(u.TokenHash)
	case "tfa_secret":
		return conceal(u.TFASecret)
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
