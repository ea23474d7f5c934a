package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/playground/browsertest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// emailedLink asks for a mail with post, delivers it and returns its link,
// pointed at the test server.
func emailedLink(t *testing.T, s *apptest.Server, sink *mailtest.Server, path string, body any, header ...string) string {
	t.Helper()
	if r := s.Post(path, body, header...); r.StatusCode != 204 {
		t.Fatalf("%s: %d %s", path, r.StatusCode, r.Body)
	}
	if _, err := s.App.Outbox.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) == 0 {
		t.Fatal("no mail arrived")
	}
	link := mailtest.Link(t, msgs[len(msgs)-1])
	return strings.Replace(link, "http://gatehouse.test", s.URL, 1)
}

func tokenOf(t *testing.T, link string) string {
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestResetPageFormFlow(t *testing.T) {
	sink := mailtest.NewServer(t)
	s := apptest.New(t, "sqlite3", append(sink.Env(), "PASSWORD_RESET_STALL_TIME=1ms")...)
	link := emailedLink(t, s, sink, "/auth/password/request", map[string]any{"email": apptest.AdminEmail})

	// GET shows the form, with a strict CSP, and does not spend the token.
	for range 2 {
		res, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("GET reset page: %d %v", res.StatusCode, res.Header)
		}
	}
	post := func(pw, confirm string) (int, string) {
		res, err := http.PostForm(s.URL+"/admin/reset-password", url.Values{"token": {tokenOf(t, link)}, "password": {pw}, "confirm": {confirm}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res.StatusCode, b.String()
	}
	if code, body := post("a-new-password-1", "different-one-2"); code != 400 || !strings.Contains(body, "do not match") {
		t.Fatalf("mismatch: %d", code)
	}
	if code, body := post("password123", "password123"); code != 400 || !strings.Contains(body, "Validation failed") || strings.Contains(body, "password123") {
		t.Fatalf("common password: %d %s", code, body)
	}
	if code, body := post("a-new-password-1", "a-new-password-1"); code != 200 || !strings.Contains(body, "has been changed") {
		t.Fatalf("reset: %d %s", code, body)
	}
	if code, body := post("another-password-2", "another-password-2"); code != 403 || !strings.Contains(body, "already been used") {
		t.Fatalf("second use: %d %s", code, body)
	}
	s.Login(apptest.AdminEmail, "a-new-password-1")
}

// TestResetPageInBrowser follows the emailed link in headless Chromium, fills
// the form and submits it; the new password then logs in.
func TestResetPageInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	sink := mailtest.NewServer(t)
	s := apptest.New(t, "sqlite3", append(sink.Env(), "PASSWORD_RESET_STALL_TIME=1ms")...)
	link := emailedLink(t, s, sink, "/auth/password/request", map[string]any{"email": apptest.AdminEmail})
	fillPasswordForm(t, ctx, link, "browser-chosen-password", "has been changed")
	s.Login(apptest.AdminEmail, "browser-chosen-password")
}

// TestInviteAcceptInBrowser accepts an invite through the built-in page; the
// invited user then logs in.
func TestInviteAcceptInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	sink := mailtest.NewServer(t)
	s := apptest.New(t, "sqlite3", sink.Env()...)
	role := s.Post("/roles", map[string]any{"name": "Editors", "app_access": true}, "Authorization", "Bearer "+apptest.AdminToken).Data()["id"]
	link := emailedLink(t, s, sink, "/users/invite", map[string]any{"email": "invitee@example.com", "role": role},
		"Authorization", "Bearer "+apptest.AdminToken)
	if !strings.Contains(link, "/admin/accept-invite?token=") {
		t.Fatalf("invite link %s", link)
	}
	fillPasswordForm(t, ctx, link, "invitee-password-1", "account is ready")
	s.Login("invitee@example.com", "invitee-password-1")
}

func fillPasswordForm(t *testing.T, ctx context.Context, link, pw, success string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.SendKeys(chromedp.CSS("#confirm"), pw),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	)
	if err != nil {
		t.Fatalf("filling the form at %s: %v", link, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#result').innerText`))
	if err != nil || !strings.Contains(text, success) {
		t.Fatalf("result %q (%v), want %q", text, err, success)
	}
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil || len(csp) > 0 {
		t.Fatalf("CSP violations: %q %v", csp, err)
	}
}

// TestVerifyEmailInBrowser opens the emailed verification link in headless
// Chromium: the page alone verifies nothing; its button does.
func TestVerifyEmailInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	sink := mailtest.NewServer(t)
	s := apptest.New(t, "sqlite3", append(sink.Env(), "PUBLIC_REGISTRATION=true", "REGISTER_STALL_TIME=1ms")...)
	link := emailedLink(t, s, sink, "/users/register", map[string]any{"email": "reader@example.com", "password": "reader-password-1"})
	if !strings.Contains(link, "/users/register/verify-email?token=") {
		t.Fatalf("verification link %s", link)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("button[type=submit]"))); err != nil {
		t.Fatalf("opening %s: %v", link, err)
	}
	if r := s.Post("/auth/login", map[string]any{"email": "reader@example.com", "password": "reader-password-1"}); r.StatusCode != 401 {
		t.Fatalf("opening the page verified the account: login %d", r.StatusCode)
	}
	err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#result")))
	if err != nil {
		t.Fatalf("pressing the button: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#result').innerText`))
	if err != nil || !strings.Contains(text, "is verified") {
		t.Fatalf("result %q (%v)", text, err)
	}
	s.Login("reader@example.com", "reader-password-1")
}
