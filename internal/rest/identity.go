package rest

import "github.com/gatehouse/gatehouse/internal/auth"

// userJSON is a user in Directus's field names.
func userJSON(u *auth.UserView) map[string]any {
	out := make(map[string]any, len(auth.UserFields))
	for _, f := range auth.UserFields {
		out[f] = u.Field(f)
	}
	return out
}
