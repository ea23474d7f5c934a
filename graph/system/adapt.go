package system

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/graph/system/model"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/gqlserver"
)

// modeName reads an optional mode argument; Directus defaults GraphQL to json.
func modeName(m *model.AuthMode) string {
	if m == nil {
		return string(auth.ModeJSON)
	}
	return string(*m)
}

// tokens sets the mode's cookie and shapes Directus's auth_tokens.
func (r *Resolver) tokens(x *gqlserver.Exchange, t auth.Tokens, cookies []*http.Cookie, err error) (*model.AuthTokens, error) {
	x.SetCookie(cookies...)
	if err != nil {
		return nil, err
	}
	access, refresh := t.Visible()
	exp := model.BigInt(t.ExpiresMS())
	return &model.AuthTokens{AccessToken: access, Expires: &exp, RefreshToken: refresh}, nil
}

// usersModel maps the caller's record onto directus_users, secrets concealed.
func usersModel(u *auth.UserView) *model.DirectusUsers {
	str := func(f string) *string {
		if s, ok := u.Field(f).(string); ok {
			return &s
		}
		return nil
	}
	return &model.DirectusUsers{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
		Password: str("password"), Status: str("status"), Role: u.Role, Token: str("token"),
		TfaSecret: str("tfa_secret"), LastAccess: str("last_access"), Provider: str("provider")}
}

// identify authenticates the operation's request (see gqlserver.Identify).
func (r *Resolver) identify(ctx context.Context) (*gqlserver.Exchange, *auth.Accountability, error) {
	return gqlserver.Identify(ctx, r.Auth)
}

var (
	deref     = gqlserver.Deref
	done      = gqlserver.Done
	omittable = gqlserver.Value
)
