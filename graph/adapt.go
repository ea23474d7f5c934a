package graph

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/graph/model"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/gqlserver"
	"github.com/gatehouse/gatehouse/models"
)

// modeName reads an optional mode argument; the schema defaults it to json.
func modeName(m *model.AuthMode) string {
	if m == nil {
		return string(auth.ModeJSON)
	}
	return string(*m)
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

// identify authenticates the operation's request (see gqlserver.Identify).
func (r *Resolver) identify(ctx context.Context) (*gqlserver.Exchange, *auth.Accountability, error) {
	return gqlserver.Identify(ctx, r.Auth)
}

func userInput(in model.UserInput) auth.UserInput {
	return auth.UserInput{Email: omittable(in.Email), Password: omittable(in.Password), FirstName: omittable(in.FirstName),
		LastName: omittable(in.LastName), Status: omittable(in.Status), Role: omittable(in.Role), Token: omittable(in.Token),
		Proof: auth.Proof{CurrentPassword: omittable(in.CurrentPassword), OTP: omittable(in.Otp)}}
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

var (
	deref     = gqlserver.Deref
	done      = gqlserver.Done
	omittable = gqlserver.Value
)
