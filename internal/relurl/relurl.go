// Package relurl writes the links of Gatehouse's own HTML (the built-in pages
// and the playground) as relative references, so they keep working behind a
// reverse proxy that serves Gatehouse under a path prefix and strips it
// (PUBLIC_URL=https://example.com/auth): an absolute "/admin/…" would leave
// the prefix. The proxy removes only what is above the path Gatehouse sees,
// so climbing to that path's root and descending again lands under the prefix.
package relurl

import (
	"net/http"
	"net/url"
	"strings"
)

// To returns a reference to path (absolute, as routed by Gatehouse) that
// resolves correctly from the URL the browser requested r with: "system"
// from /graphql/system to itself, "assets/pages.css" from
// /admin/reset-password, "../../admin/assets/pages.css" from
// /users/register/verify-email. It never starts with "/".
func To(r *http.Request, path string) string {
	from := strings.Split(requested(r), "/")
	from = from[1 : len(from)-1] // the directories: drop the empty root and the last segment
	to := strings.Split(strings.TrimPrefix(path, "/"), "/")
	common := 0
	for common < len(from) && common < len(to)-1 && from[common] == to[common] {
		common++
	}
	ref := strings.Repeat("../", len(from)-common) + strings.Join(to[common:], "/")
	if !strings.HasPrefix(ref, "../") {
		ref = "./" + ref // never read as a scheme or a host
	}
	return ref
}

// requested is the path the client asked for. RequestURI is what it sent,
// before a handler trimmed a trailing slash (Directus's paths are not strict
// about it) or a middleware rewrote r.URL.
func requested(r *http.Request) string {
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil && strings.HasPrefix(u.EscapedPath(), "/") {
			return u.EscapedPath()
		}
	}
	if p := r.URL.EscapedPath(); strings.HasPrefix(p, "/") {
		return p
	}
	return "/"
}
