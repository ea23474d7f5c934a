package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/testproc"
)

// viaProxy talks to Gatehouse through the proxy at base (prefix included).
type viaProxy struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (p *viaProxy) do(method, rawURL, contentType, body string, hdr ...string) reply {
	p.t.Helper()
	if !strings.HasPrefix(rawURL, "http") {
		rawURL = p.base + rawURL
	}
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := p.c.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res, b}
}

func (p *viaProxy) json(method, path string, body any, hdr ...string) reply {
	p.t.Helper()
	b, _ := json.Marshal(body)
	return p.do(method, path, "application/json", string(b), hdr...)
}

func (p *viaProxy) form(action string, vals url.Values) reply {
	p.t.Helper()
	return p.do(http.MethodPost, action, "application/x-www-form-urlencoded", vals.Encode())
}

var linkAttr = regexp.MustCompile(`\s(href|src|action|data-endpoint)="([^"]*)"`)

// page GETs an HTML page through the proxy, checks that every link on it
// stays under the proxy's prefix and that its stylesheets and scripts load,
// and returns the resolved form action (or data-endpoint) and the body.
func (p *viaProxy) page(pageURL string, hdr ...string) (target string, body string) {
	p.t.Helper()
	r := p.do(http.MethodGet, pageURL, "", "", hdr...)
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		p.t.Fatalf("GET %s: %d %s\n%s", pageURL, r.StatusCode, r.Header.Get("Content-Type"), r.body)
	}
	base, _ := url.Parse(pageURL)
	for _, m := range linkAttr.FindAllStringSubmatch(string(r.body), -1) {
		raw := html.UnescapeString(m[2])
		if strings.HasPrefix(raw, "data:") {
			continue
		}
		ref, err := url.Parse(raw)
		if err != nil {
			p.t.Fatalf("%s: %s=%q: %v", pageURL, m[1], raw, err)
		}
		abs := base.ResolveReference(ref).String()
		if !strings.HasPrefix(abs, p.base+"/") {
			p.t.Errorf("%s: %s=%q leaves the proxy's prefix: %s", pageURL, m[1], raw, abs)
			continue
		}
		switch m[1] {
		case "href", "src":
			if res := p.do(http.MethodGet, abs, "", ""); res.StatusCode != http.StatusOK || len(res.body) == 0 {
				p.t.Errorf("%s: %s=%q → %s: %d", pageURL, m[1], raw, abs, res.StatusCode)
			}
		default:
			target = abs
		}
	}
	return target, string(r.body)
}

// TestBehindPathPrefixProxy runs Gatehouse behind nginx on /auth, a proxy
// that strips the prefix, with PUBLIC_URL naming it: every mailed link, page,
// stylesheet, form action, the playground and its assets work through it.
func TestBehindPathPrefixProxy(t *testing.T) {
	port := testproc.FreePort(t)
	public := fmt.Sprintf("http://127.0.0.1:%d/auth", port)
	sink := mailtest.NewServer(t)
	s := apptest.New(t, "sqlite3", append(sink.Env(), "PUBLIC_URL="+public, "PUBLIC_REGISTRATION=true",
		"REGISTER_STALL_TIME=0", "PASSWORD_RESET_STALL_TIME=0")...)
	if got := testproc.NginxPrefix(t, port, "/auth", s.Listener.Addr().String()); got != public {
		t.Fatalf("proxy at %s, want %s", got, public)
	}
	p := &viaProxy{t: t, base: public, c: &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if r := p.do(http.MethodGet, "/server/ping", "", ""); r.StatusCode != 200 || string(r.body) != "pong" {
		t.Fatalf("ping through the proxy: %d %s", r.StatusCode, r.body)
	}
	mailed := func(path string) string {
		t.Helper()
		before := len(sink.Messages())
		if _, err := s.App.Outbox.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		msgs := sink.Messages()
		if len(msgs) != before+1 {
			t.Fatalf("%d new mails, want 1", len(msgs)-before)
		}
		link := mailtest.Link(t, msgs[len(msgs)-1])
		if !strings.HasPrefix(link, public+path+"?token=") {
			t.Fatalf("mailed link %s, want %s%s?token=…", link, public, path)
		}
		return link
	}
	// submit opens a mailed link's page and posts its form with extra fields.
	submit := func(link string, extra url.Values, done string) {
		t.Helper()
		action, _ := p.page(link)
		u, _ := url.Parse(link)
		if want := public + u.Path[len("/auth"):]; action != want {
			t.Errorf("%s: the form posts to %s, want %s", link, action, want)
		}
		extra.Set("token", u.Query().Get("token"))
		if r := p.form(action, extra); r.StatusCode != 200 || !strings.Contains(string(r.body), done) {
			t.Fatalf("POST %s: %d\n%s", action, r.StatusCode, r.body)
		}
	}
	pw := url.Values{"password": {"a-new-password-42"}, "confirm": {"a-new-password-42"}}

	// Password reset.
	if r := p.json(http.MethodPost, "/auth/password/request", map[string]any{"email": apptest.AdminEmail}); r.StatusCode != 204 {
		t.Fatalf("reset request: %d %s", r.StatusCode, r.body)
	}
	submit(mailed("/admin/reset-password"), pw, "Your password has been changed")
	login := p.json(http.MethodPost, "/auth/login", map[string]any{"email": apptest.AdminEmail, "password": "a-new-password-42"})
	var tokens struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if json.Unmarshal(login.body, &tokens); login.StatusCode != 200 || tokens.Data.AccessToken == "" {
		t.Fatalf("login with the new password: %d %s", login.StatusCode, login.body)
	}
	bearer := []string{"Authorization", "Bearer " + tokens.Data.AccessToken}

	// Registration's verification page.
	if r := p.json(http.MethodPost, "/users/register", map[string]any{"email": "reg@example.com", "password": "a-long-password-1"}); r.StatusCode != 204 {
		t.Fatalf("register: %d %s", r.StatusCode, r.body)
	}
	submit(mailed("/users/register/verify-email"), url.Values{}, "Your email address is verified")

	// Invitation.
	role := p.json(http.MethodPost, "/roles", map[string]any{"name": "Invitees"}, bearer...)
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(role.body, &created); role.StatusCode != 200 {
		t.Fatalf("role: %d %s", role.StatusCode, role.body)
	}
	if r := p.json(http.MethodPost, "/users/invite", map[string]any{"email": "inv@example.com", "role": created.Data.ID}, bearer...); r.StatusCode != 204 {
		t.Fatalf("invite: %d %s", r.StatusCode, r.body)
	}
	submit(mailed("/admin/accept-invite"), pw, "Your account is ready")

	// Email change confirmation.
	if r := p.json(http.MethodPatch, "/users/me", map[string]any{"email": "admin2@example.com"}, bearer...); r.StatusCode != 200 {
		t.Fatalf("email change: %d %s", r.StatusCode, r.body)
	}
	submit(mailed("/admin/confirm-email"), url.Values{}, "Your email address is changed")

	// The API document names the public URL, so generated clients call through the proxy.
	var oas struct {
		Servers []struct{ URL string } `json:"servers"`
	}
	if r := p.do(http.MethodGet, "/server/specs/oas", "", ""); r.StatusCode != 200 || json.Unmarshal(r.body, &oas) != nil ||
		len(oas.Servers) != 1 || oas.Servers[0].URL != public {
		t.Errorf("GET /server/specs/oas: %d servers %+v", r.StatusCode, oas.Servers)
	}

	// The playground on both endpoints: its assets load and its endpoint,
	// resolved from the page, answers a query.
	for _, ep := range []string{"/graphql", "/graphql/system"} {
		endpoint, body := p.page(public+ep, "Accept", "text/html")
		if endpoint != public+ep || !strings.Contains(body, "<script") {
			t.Errorf("%s: data-endpoint resolves to %s\n%s", ep, endpoint, body)
		}
		if r := p.json(http.MethodPost, endpoint, map[string]any{"query": "{ __typename }"}); r.StatusCode != 200 || !strings.Contains(string(r.body), `"Query"`) {
			t.Errorf("POST %s: %d %s", endpoint, r.StatusCode, r.body)
		}
	}
}
