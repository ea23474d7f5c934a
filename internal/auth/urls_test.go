package auth_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/auth"
)

func TestURLAllowListAllows(t *testing.T) {
	list := auth.URLAllowList{"http://allowed.example.com/reset", " https://secure.example.com:8443/a/b "}
	cases := []struct {
		url  string
		want bool
	}{
		// Exact and same origin+path.
		{"http://allowed.example.com/reset", true},
		{"http://allowed.example.com/reset?foo=bar", true},
		{"http://allowed.example.com/reset?token=x&foo=bar", true},
		{"http://allowed.example.com/reset#frag", true},
		{"http://allowed.example.com/reset?x=https://evil.com#y", true},
		{"http://allowed.example.com:80/reset", true}, // default port
		{"HTTP://ALLOWED.example.com/reset", true},    // scheme and host are case-insensitive
		{"https://secure.example.com:8443/a/b", true}, // entries are trimmed
		{"https://secure.example.com:8443/a/b?q=1", true},

		// Different path.
		{"http://allowed.example.com/reset/", false}, // a trailing slash is significant
		{"http://allowed.example.com/Reset", false},
		{"http://allowed.example.com/reset/../reset", false},
		{"http://allowed.example.com/%72eset", false},
		{"http://allowed.example.com/resetx", false},
		{"http://allowed.example.com/", false},
		{"http://allowed.example.com", false},
		{"https://secure.example.com:8443/a", false},
		// Different host.
		{"http://evil.example.com/reset", false},
		{"http://allowed.example.com.evil.com/reset", false},
		{"http://allowed.example.com./reset", false}, // trailing dot
		{"http://xallowed.example.com/reset", false},
		{"http://127.0.0.1/reset", false},
		{"http://allowed.example.co/reset", false},
		{"http://аllowed.example.com/reset", false}, // Cyrillic а
		{"http://xn--llowed-8we.example.com/reset", false},
		// Different scheme.
		{"https://allowed.example.com/reset", false},
		{"http://secure.example.com:8443/a/b", false}, // downgrade
		{"ftp://allowed.example.com/reset", false},
		{"ws://allowed.example.com/reset", false},
		// Different port.
		{"http://allowed.example.com:8080/reset", false},
		{"http://allowed.example.com:443/reset", false},
		{"https://secure.example.com/a/b", false},
		{"https://secure.example.com:443/a/b", false},
		// Userinfo tricks.
		{"http://allowed.example.com@evil.com/reset", false},
		{"http://user:pass@allowed.example.com/reset", false},
		{"http://user@allowed.example.com/reset", false},
		{"http://evil.com@allowed.example.com/reset", false},
		{"http://evil.com\\@allowed.example.com/reset", false},
		// Backslashes (browsers read them as slashes).
		{"http://allowed.example.com\\reset", false},
		{"http://allowed.example.com/reset\\..\\x", false},
		{"http:\\\\allowed.example.com\\reset", false},
		{"http://evil.com\\.allowed.example.com/reset", false},
		// Not http(s) / not absolute.
		{"javascript:alert(1)", false},
		{"javascript://allowed.example.com/reset%0aalert(1)", false},
		{"JavaScript:alert(1)//http://allowed.example.com/reset", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"//allowed.example.com/reset", false}, // protocol-relative
		{"///allowed.example.com/reset", false},
		{"/reset", false},
		{"allowed.example.com/reset", false},
		{"http:allowed.example.com/reset", false},
		{"http:/allowed.example.com/reset", false},
		// Whitespace and control characters.
		{" http://allowed.example.com/reset", false},
		{"http://allowed.example.com/reset ", false},
		{"http://allowed.example.com/reset\r\nX: y", false},
		{"http://allowed.example.com/reset\x00", false},
		{"http://allowed.example.com/re\tset", false},
		{"http://allowed.example.com/reset\x7f", false},
		// Degenerate.
		{"", false},
		{"http://allowed.example.com/reset?" + strings.Repeat("a", 4096), false}, // over the length cap
	}
	for _, c := range cases {
		if got := list.Allows(c.url); got != c.want {
			t.Errorf("Allows(%q) = %v, want %v", c.url, got, c.want)
		}
	}

	for _, empty := range []auth.URLAllowList{nil, {}, {""}, {"  "}} {
		for _, u := range []string{"http://allowed.example.com/reset", "", "https://x.example/"} {
			if empty.Allows(u) {
				t.Errorf("empty list %q allows %q", empty, u)
			}
		}
	}
	// Invalid entries are ignored; the valid ones still count.
	mixed := auth.URLAllowList{"not a url", "javascript:alert(1)", "http://allowed.example.com/reset"}
	if !mixed.Allows("http://allowed.example.com/reset?x=1") || mixed.Allows("not a url?x") {
		t.Error("invalid entries are not ignored")
	}
	// A root entry: "/" and "" paths are the same page.
	root := auth.URLAllowList{"https://app.example.com"}
	if !root.Allows("https://app.example.com/") || !root.Allows("https://app.example.com?x=1") || root.Allows("https://app.example.com/x") {
		t.Error("root entry")
	}
}

// FuzzAllowList checks Allows against net/url: whatever it lets through for a
// single https entry must parse as that scheme, host and path.
func FuzzAllowList(f *testing.F) {
	for _, s := range []string{
		"https://allowed.example.com/reset",
		"https://allowed.example.com/reset?token=abc&foo=bar",
		"https://allowed.example.com/reset#x",
		"https://allowed.example.com:443/reset",
		"HTTPS://Allowed.Example.COM/reset",
		"https://allowed.example.com@evil.com/reset",
		"https://evil.com\\@allowed.example.com/reset",
		"//allowed.example.com/reset",
		"javascript:alert(1)//allowed.example.com/reset",
		"https://allowed.example.com/%72eset",
		"https://allowed.example.com/reset/",
		"https://allowed.example.com./reset",
		"https://[::1]/reset",
		"https:allowed.example.com/reset",
		"https://allowed.example.com:/reset",
		"https://allowed.example.com:0443/reset",
	} {
		f.Add(s)
	}
	list := auth.URLAllowList{"https://allowed.example.com/reset"}
	f.Fuzz(func(t *testing.T, raw string) {
		if !list.Allows(raw) {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("allowed %q, which net/url rejects: %v", raw, err)
		}
		// Hosts compare case-insensitively (as the scheme, which net/url lowercases).
		if u.Scheme != "https" || !strings.EqualFold(u.Hostname(), "allowed.example.com") || u.EscapedPath() != "/reset" {
			t.Fatalf("allowed %q: scheme %q host %q path %q", raw, u.Scheme, u.Hostname(), u.EscapedPath())
		}
		if u.User != nil || u.Opaque != "" {
			t.Fatalf("allowed %q with userinfo/opaque", raw)
		}
		if p := u.Port(); p != "" && p != "443" {
			t.Fatalf("allowed %q on port %q", raw, p)
		}
		if strings.ContainsAny(raw, "\\\r\n\t\x00") {
			t.Fatalf("allowed %q with characters browsers read differently", raw)
		}
	})
}
