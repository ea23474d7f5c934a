package system

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gatehouse/gatehouse/graph/system/model"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/gqlserver"
	"net/http"
)

// modeName reads an optional mode argument; Directus defaults GraphQL to json.
func modeName(m *model.AuthMode) string {
	if m == nil {
		return string(auth.ModeJSON)
	}
	return string(*m)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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

// done turns an operation without a result into Directus's Boolean answer.
func done(err error) (*bool, error) {
	if err != nil {
		return nil, err
	}
	ok := true
	return &ok, nil
}

// identify authenticates the operation's request, clearing a dead session
// cookie. Anonymous callers get a nil accountability and no error.
func (r *Resolver) identify(ctx context.Context) (*gqlserver.Exchange, *auth.Accountability, error) {
	x := gqlserver.FromContext(ctx)
	acc, clear, err := r.Auth.Identify(ctx, x.R)
	x.SetCookie(clear)
	return x, acc, err
}

// omittable maps an optional, nullable input field onto the service's Value.
func omittable(o graphql.Omittable[*string]) auth.Value {
	v, set := o.ValueOK()
	switch {
	case !set:
		return auth.Value{}
	case v == nil:
		return auth.NullValue()
	}
	return auth.String(*v)
}
