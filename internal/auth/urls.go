package auth

import (
	"net/url"
	"strings"
)

// URLAllowList decides which client-supplied links (reset_url, invite_url,
// verification_url) may carry a token. An empty list allows none.
type URLAllowList []string

// Allows reports whether raw is allowed: equal to an entry, or with the same
// scheme, host, port and path as one (query and fragment are ignored). This
// is stricter than Directus, which ignores the scheme and port.
func (l URLAllowList) Allows(raw string) bool {
	if raw == "" || len(raw) > 2048 {
		return false
	}
	for _, a := range l {
		if a = strings.TrimSpace(a); a != "" && a == raw {
			return true
		}
	}
	target, ok := linkKey(raw)
	if !ok {
		return false
	}
	for _, a := range l {
		if k, ok := linkKey(strings.TrimSpace(a)); ok && k == target {
			return true
		}
	}
	return false
}

// linkKey is scheme://host:port/path of an absolute http(s) URL, or false for
// anything a browser might read differently from Go (backslashes, control
// characters, credentials).
func linkKey(raw string) (string, bool) {
	if strings.ContainsAny(raw, "\\ \t\r\n\x00") {
		return "", false
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f {
			return "", false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" || (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + ":" + port + path, true
}

// withToken returns link with token=… set, keeping its other query parameters.
func withToken(link, token string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}
