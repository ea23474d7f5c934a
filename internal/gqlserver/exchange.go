package gqlserver

import (
	"context"
	"net/http"
)

// Exchange is the HTTP request and response behind a GraphQL operation, so
// resolvers can read cookies and headers and set cookies (cookie and session
// modes) before the body is written.
type Exchange struct {
	W http.ResponseWriter
	R *http.Request
}

type exchangeKey struct{}

// FromContext returns the operation's HTTP exchange. Outside an HTTP request
// (never in practice) it returns an empty request and a writer that drops
// cookies.
func FromContext(ctx context.Context) *Exchange {
	if x, ok := ctx.Value(exchangeKey{}).(*Exchange); ok {
		return x
	}
	r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	return &Exchange{W: discard{}, R: r}
}

// SetCookie adds Set-Cookie headers to the response; nil cookies are skipped.
func (x *Exchange) SetCookie(cs ...*http.Cookie) {
	for _, c := range cs {
		if c != nil {
			http.SetCookie(x.W, c)
		}
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
