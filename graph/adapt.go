package graph

import (
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
