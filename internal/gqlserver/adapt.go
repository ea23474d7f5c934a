package gqlserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// Small helpers both schemas' resolvers share, so the two adapters stay alike.

// Identify authenticates the operation's request, clearing a dead session
// cookie. Anonymous callers get a nil accountability and no error.
func Identify(ctx context.Context, svc *auth.Service) (*Exchange, *auth.Accountability, error) {
	x := FromContext(ctx)
	acc, clear, err := svc.Identify(ctx, x.R)
	x.SetCookie(clear)
	return x, acc, err
}

// Value maps an optional, nullable input field onto the service's Value.
func Value(o graphql.Omittable[*string]) auth.Value {
	v, set := o.ValueOK()
	switch {
	case !set:
		return auth.Value{}
	case v == nil:
		return auth.NullValue()
	}
	return auth.String(*v)
}

// Deref reads an optional string argument.
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Done turns an operation without a result into Directus's Boolean answer.
func Done(err error) (*bool, error) {
	if err != nil {
		return nil, err
	}
	ok := true
	return &ok, nil
}
