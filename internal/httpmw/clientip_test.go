package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/httpmw"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, trust, custom string
		remote              string
		xff                 []string
		header              map[string]string
		want                string
	}{
		{name: "no trust: socket address", trust: "false", remote: "203.0.113.9:5000", want: "203.0.113.9"},
		{name: "spoofed XFF from an untrusted peer is ignored", trust: "false", remote: "203.0.113.9:5000",
			xff: []string{"1.2.3.4"}, want: "203.0.113.9"},
		{name: "ipv4-mapped peer is unmapped", trust: "false", remote: "[::ffff:198.51.100.4]:80", want: "198.51.100.4"},
		{name: "ipv6 peer", trust: "false", remote: "[2001:db8::1]:80", want: "2001:db8::1"},
		{name: "true: left-most entry", trust: "true", remote: "10.0.0.1:1", xff: []string{"1.1.1.1, 2.2.2.2", "3.3.3.3"}, want: "1.1.1.1"},
		{name: "one hop: the entry our proxy wrote", trust: "1", remote: "10.0.0.1:1",
			xff: []string{"6.6.6.6, 198.51.100.7"}, want: "198.51.100.7"},
		{name: "two hops", trust: "2", remote: "10.0.0.1:1", xff: []string{"6.6.6.6, 198.51.100.7, 10.0.0.2"}, want: "198.51.100.7"},
		{name: "hops beyond the chain: furthest", trust: "5", remote: "10.0.0.1:1", xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		{name: "hop count but no XFF: peer", trust: "1", remote: "10.0.0.1:1", want: "10.0.0.1"},
		{name: "trusted CIDR: walk right to left past trusted proxies", trust: "10.0.0.0/8", remote: "10.0.0.1:1",
			xff: []string{"6.6.6.6, 198.51.100.7, 10.1.2.3"}, want: "198.51.100.7"},
		{name: "spoofed XFF from an untrusted peer with a CIDR list", trust: "10.0.0.0/8,127.0.0.1", remote: "203.0.113.9:1",
			xff: []string{"1.2.3.4"}, want: "203.0.113.9"},
		{name: "named subnet loopback", trust: "loopback", remote: "127.0.0.1:1", xff: []string{"198.51.100.8"}, want: "198.51.100.8"},
		{name: "garbage entry stops the walk", trust: "true", remote: "10.0.0.1:1", xff: []string{"1.1.1.1, nonsense, 198.51.100.9"}, want: "198.51.100.9"},
		{name: "custom header with a valid IP wins", trust: "false", custom: "CF-Connecting-IP", remote: "10.0.0.1:1",
			header: map[string]string{"Cf-Connecting-Ip": "192.0.2.55"}, want: "192.0.2.55"},
		{name: "custom header with junk falls back", trust: "false", custom: "CF-Connecting-IP", remote: "10.0.0.1:1",
			header: map[string]string{"Cf-Connecting-Ip": "not-an-ip"}, want: "10.0.0.1"},
		{name: "custom header false is off", trust: "false", custom: "false", remote: "10.0.0.1:1",
			header: map[string]string{"False": "192.0.2.55"}, want: "10.0.0.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, err := config.ParseTrustProxy(c.trust)
			if err != nil {
				t.Fatal(err)
			}
			res := httpmw.NewIPResolver(tp, c.custom)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			if got := res.Resolve(r); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			// The middleware exposes it in the context and as RemoteAddr.
			var ctxIP, remote string
			res.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				ctxIP, remote = httpmw.ClientIP(r.Context()), r.RemoteAddr
			})).ServeHTTP(httptest.NewRecorder(), r)
			if ctxIP != c.want {
				t.Fatalf("context IP %q, want %q", ctxIP, c.want)
			}
			if host, _, _ := splitHost(remote); host != c.want {
				t.Fatalf("RemoteAddr %q, want host %q", remote, c.want)
			}
		})
	}
}

func TestParseTrustProxyRejectsJunk(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"-1", "10.0.0.0/33", "proxy.example.com"} {
		if _, err := config.ParseTrustProxy(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
