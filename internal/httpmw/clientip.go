// Package httpmw holds the operational HTTP middleware: client-IP
// resolution (IP_TRUST_PROXY, IP_CUSTOM_HEADER), CORS (CORS_*), the
// rate-limit middleware with Directus's 429 REQUESTS_EXCEEDED answer, and
// request logging with secrets redacted.
package httpmw

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// IPResolver finds a request's client address as Directus's getIPFromReq
// does: the socket peer, or with IP_TRUST_PROXY the X-Forwarded-For entry
// chosen like Express's "trust proxy"; IP_CUSTOM_HEADER wins when it holds a
// valid IP. IPv4-mapped IPv6 addresses are unmapped ("::ffff:" stripped).
type IPResolver struct {
	trust  config.TrustProxy
	header string
}

// NewIPResolver builds a resolver; customHeader "" (or "false") is off.
func NewIPResolver(trust config.TrustProxy, customHeader string) *IPResolver {
	if strings.EqualFold(customHeader, "false") {
		customHeader = ""
	}
	return &IPResolver{trust: trust, header: http.CanonicalHeaderKey(strings.TrimSpace(customHeader))}
}

// Resolve returns the client IP of r (empty when even the peer address is
// unreadable).
func (p *IPResolver) Resolve(r *http.Request) string {
	if p.header != "" {
		if a, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get(p.header))); err == nil {
			return a.Unmap().WithZone("").String()
		}
	}
	peer, ok := parseHostAddr(r.RemoteAddr)
	if !ok {
		return strings.TrimPrefix(hostOnly(r.RemoteAddr), "::ffff:")
	}
	if !p.trust.Enabled() {
		return peer.String()
	}
	// addrs[0] is the socket peer, then X-Forwarded-For from right to left:
	// each entry was written by the hop after it.
	addrs := []netip.Addr{peer}
	fwd := forwardedFor(r.Header.Values("X-Forwarded-For"))
	for i := len(fwd) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(fwd[i])
		if err != nil {
			break // garbage: stop at the last hop that wrote a valid address
		}
		addrs = append(addrs, a.Unmap().WithZone(""))
	}
	switch {
	case p.trust.All:
		return addrs[len(addrs)-1].String()
	case p.trust.Hops > 0:
		return addrs[min(p.trust.Hops, len(addrs)-1)].String()
	}
	for i, a := range addrs {
		if !p.trusted(a) || i == len(addrs)-1 {
			return a.String()
		}
	}
	return peer.String()
}

func (p *IPResolver) trusted(a netip.Addr) bool {
	for _, pr := range p.trust.Prefixes {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func parseHostAddr(addr string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(hostOnly(addr))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

type ipKey struct{}

// ClientIP is the address the ClientIP middleware resolved, or "".
func ClientIP(ctx context.Context) string {
	s, _ := ctx.Value(ipKey{}).(string)
	return s
}

// Middleware resolves the client IP once per request, keeps it in the
// context (see ClientIP) and rewrites r.RemoteAddr to it, so code that reads
// the peer address (audit rows via auth.MetaFrom) sees the client.
func (p *IPResolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := p.Resolve(r)
		r2 := r.WithContext(context.WithValue(r.Context(), ipKey{}, ip))
		if ip != "" {
			port := "0"
			if _, pt, err := net.SplitHostPort(r.RemoteAddr); err == nil {
				port = pt
			}
			r2.RemoteAddr = net.JoinHostPort(ip, port)
		}
		next.ServeHTTP(w, r2)
	})
}
