package rest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// wantVerifyPage GETs an emailed verification link and wants the page with
// the button that posts the token.
func wantVerifyPage(t *testing.T, s *apptest.Server, link string) {
	t.Helper()
	r := s.Do("GET", pathOf(t, link), nil)
	tok := tokenOf(t, link)
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
		// Relative since issue 20 (a proxy's path prefix): ./verify-email is /users/register/verify-email.
		!strings.Contains(string(r.Body), `<form method="post" action="./verify-email">`) ||
		!strings.Contains(string(r.Body), `value="`+tok+`"`) || !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("verification page: %d %v %s", r.StatusCode, r.Header, r.Body)
	}
}

// postVerify presses the page's button: POSTs the link's token as a form.
func postVerify(s *apptest.Server, link string) *apptest.Response {
	u, _ := url.Parse(link)
	form := url.Values{"token": {u.Query().Get("token")}}.Encode()
	return s.Do("POST", "/users/register/verify-email", form, "Content-Type", "application/x-www-form-urlencoded")
}

// wantPage wants an HTML page with status and text in it.
func wantPage(t *testing.T, r *apptest.Response, status int, text string) {
	t.Helper()
	if r.StatusCode != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), text) {
		t.Fatalf("got %d %q, want %d with %q", r.StatusCode, r.Body, status, text)
	}
}
