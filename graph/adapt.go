package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gatehouse/gatehouse/models"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/graph/model"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/gqlserver"
)

// modeName reads an optional mode argument; the schema defaults it to json.
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

// tokens sets the mode's cookie and shapes the result.
func (r *Resolver) tokens(x *gqlserver.Exchange, t auth.Tokens, cookies []*http.Cookie, err error) (*model.AuthTokens, error) {
	x.SetCookie(cookies...)
	if err != nil {
		return nil, err
	}
	access, refresh := t.Visible()
	return &model.AuthTokens{AccessToken: access, Expires: t.ExpiresMS(), RefreshToken: refresh}, nil
}

func userModel(u *auth.UserView) *model.User {
	m := &model.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Status: u.Status,
		Role: u.Role, Provider: u.Provider, TfaEnabled: u.TFAEnabled}
	if u.LastAccess != nil {
		s := u.LastAccess.UTC().Format(time.RFC3339)
		m.LastAccess = &s
	}
	return m
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

func userInput(in model.UserInput) auth.UserInput {
	return auth.UserInput{Email: omittable(in.Email), Password: omittable(in.Password), FirstName: omittable(in.FirstName),
		LastName: omittable(in.LastName), Status: omittable(in.Status), Role: omittable(in.Role), Token: omittable(in.Token)}
}

func userResult(u *auth.UserView, err error) (*model.User, error) {
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func roleModel(r *models.Role) *model.Role {
	return &model.Role{ID: r.ID, Name: r.Name, AdminAccess: r.AdminAccess, AppAccess: r.AppAccess}
}

func sessionModel(s auth.SessionView) *model.Session {
	return &model.Session{ID: s.ID, Created: s.CreatedAt.UTC().Format(time.RFC3339), LastUsed: s.LastUsed.UTC().Format(time.RFC3339),
		Expires: s.ExpiresAt.UTC().Format(time.RFC3339), IP: s.IP, UserAgent: s.UserAgent, Current: s.Current}
}
