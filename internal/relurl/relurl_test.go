package relurl_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/relurl"
)

// Each reference, resolved against the URL the browser sees behind a proxy
// that strips /auth, lands on the target under /auth.
func TestToResolvesUnderAPrefix(t *testing.T) {
	for _, c := range []struct{ requested, target string }{
		{"/graphql", "/graphql/playground/graphiql.js"},
		{"/graphql/system", "/graphql/playground/graphiql.js"},
		{"/graphql/system", "/graphql/system"},
		{"/admin/reset-password?token=a/b", "/admin/assets/pages.css"},
		{"/admin/reset-password/", "/admin/assets/pages.css"},
		{"/users/register/verify-email?token=x", "/users/register/verify-email"},
		{"/", "/graphql"},
		{"/graphql/", "/graphql"},
		{"/a//b", "/graphql"},
	} {
		r := httptest.NewRequest("GET", c.requested, nil)
		ref := relurl.To(r, c.target)
		if strings.HasPrefix(ref, "/") {
			t.Errorf("%s → %s: absolute", c.requested, ref)
		}
		for _, prefix := range []string{"", "/auth", "/a/b"} {
			base, _ := url.Parse("https://example.com" + prefix + c.requested)
			rel, err := url.Parse(ref)
			if err != nil {
				t.Fatal(err)
			}
			if got := base.ResolveReference(rel).Path; got != prefix+c.target {
				t.Errorf("%s%s → %q resolves to %s, want %s", prefix, c.requested, ref, got, prefix+c.target)
			}
		}
	}
}

func TestToIsShort(t *testing.T) {
	for _, c := range []struct{ requested, target, want string }{
		{"/graphql", "/graphql/playground/x.js", "./graphql/playground/x.js"},
		{"/graphql/system", "/graphql/playground/x.js", "./playground/x.js"},
		{"/graphql/system", "/graphql/system", "./system"},
		{"/admin/reset-password?token=x", "/admin/assets/pages.css", "./assets/pages.css"},
		{"/admin/reset-password/", "/admin/reset-password", "../reset-password"},
		{"/users/register/verify-email", "/admin/assets/pages.css", "../../admin/assets/pages.css"},
	} {
		if got := relurl.To(httptest.NewRequest("GET", c.requested, nil), c.target); got != c.want {
			t.Errorf("%s → %s: %q, want %q", c.requested, c.target, got, c.want)
		}
	}
}
