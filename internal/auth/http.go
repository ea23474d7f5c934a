package auth

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// MetaFrom reads the caller's address, user agent and origin from a request.
func MetaFrom(r *http.Request) Meta {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return Meta{IP: strings.TrimPrefix(ip, "::ffff:"), UserAgent: r.UserAgent(), Origin: r.Header.Get("Origin")}
}

// Identify authenticates the access token a request carries. When a session
// cookie fails as invalid, clear is the cookie that removes it, to be set on
// the response whatever the transport.
func (s *Service) Identify(ctx context.Context, r *http.Request) (acc *Accountability, clear *http.Cookie, err error) {
	cred, err := s.CredentialFrom(r)
	if err != nil {
		return nil, nil, err
	}
	acc, err = s.Authenticate(ctx, cred, MetaFrom(r))
	if err != nil && ClearsSessionCookie(cred, err) {
		clear = s.set.SessionCookie.Clear()
	}
	return acc, clear, err
}

// RefreshFailureCookie is the cookie to clear when a session-mode refresh
// fails because the session cookie is no longer valid.
func (s *Service) RefreshFailureCookie(p Presented, err error) *http.Cookie {
	if p.Mode == ModeSession && ClearsSessionCookie(Credential{Source: SourceCookie}, err) {
		return s.set.SessionCookie.Clear()
	}
	return nil
}

// LogoutCookies are the clearing cookies for each auth cookie the request
// carried (Directus clears only what was sent).
func (s *Service) LogoutCookies(cs CookieSource) []*http.Cookie {
	var out []*http.Cookie
	for _, spec := range []CookieSpec{s.set.RefreshCookie, s.set.SessionCookie} {
		if cookieValue(cs, spec.Name) != "" {
			out = append(out, spec.Clear())
		}
	}
	return out
}

// The methods below run an operation for an HTTP transport (REST or GraphQL)
// and return, beside the result, the cookies the response must set, so that
// no transport decides cookies on its own.

// LoginHTTP logs in and returns the mode's cookie, if any.
func (s *Service) LoginHTTP(ctx context.Context, r *http.Request, in LoginInput) (Tokens, []*http.Cookie, error) {
	t, err := s.Login(ctx, in, MetaFrom(r))
	if err != nil {
		return Tokens{}, nil, err
	}
	return t, cookies(s.Cookie(t)), nil
}

// RefreshHTTP resolves the credential for mode (the body's token in json
// mode, a cookie otherwise) and rotates it.
func (s *Service) RefreshHTTP(ctx context.Context, r *http.Request, mode, bodyToken string) (Tokens, []*http.Cookie, error) {
	p, err := s.Present(mode, bodyToken, r)
	if err != nil {
		return Tokens{}, nil, err
	}
	t, err := s.Refresh(ctx, p, MetaFrom(r))
	if err != nil {
		return Tokens{}, cookies(s.RefreshFailureCookie(p, err)), err
	}
	return t, cookies(s.Cookie(t)), nil
}

// LogoutHTTP ends the session behind mode's credential and returns the
// clearing cookies for the auth cookies the request carried.
func (s *Service) LogoutHTTP(ctx context.Context, r *http.Request, mode, bodyToken string, scope Value) ([]*http.Cookie, error) {
	p, err := s.Present(mode, bodyToken, r)
	if err != nil {
		return nil, err
	}
	if err := s.Logout(ctx, p, scope, MetaFrom(r)); err != nil {
		return nil, err
	}
	if scope.Str == ScopeOthers {
		return nil, nil // this session lives on: keep its cookie
	}
	return s.LogoutCookies(r), nil
}

func cookies(cs ...*http.Cookie) []*http.Cookie {
	out := cs[:0]
	for _, c := range cs {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}
