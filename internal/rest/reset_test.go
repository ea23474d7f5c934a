package rest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

const (
	allowedReset = "http://allowed.example.com/reset"
	newPW        = "a-brand-new-passphrase"
)

// eachWithSink runs fn on every database with a fresh server whose mail goes
// to its own SMTP sink; env entries override the reset defaults below.
func eachWithSink(t *testing.T, fn func(t *testing.T, s *apptest.Server, sink *mailtest.Server), env ...string) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, client string) {
		sink := mailtest.NewServer(t)
		e := append(sink.Env(), "PASSWORD_RESET_URL_ALLOW_LIST="+allowedReset, "PASSWORD_RESET_STALL_TIME=30ms")
		fn(t, apptest.New(t, client, append(e, env...)...), sink)
	})
}

// deliver runs the outbox worker once and returns how many messages it handled.
func deliver(t *testing.T, s *apptest.Server) int {
	t.Helper()
	n, err := s.App.Outbox.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return n
}

func requestReset(t *testing.T, s *apptest.Server, email, resetURL string) {
	t.Helper()
	b := map[string]any{"email": email}
	if resetURL != "" {
		b["reset_url"] = resetURL
	}
	if r := s.Post("/auth/password/request", b); r.StatusCode != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("password request for %s: %d %s", email, r.StatusCode, r.Body)
	}
}

// mailedToken requests a reset for email, delivers it and returns the token
// from the one new mail.
func mailedToken(t *testing.T, s *apptest.Server, sink *mailtest.Server, email string) string {
	t.Helper()
	before := len(sink.Messages())
	requestReset(t, s, email, "")
	deliver(t, s)
	msgs := sink.Messages()
	if len(msgs) != before+1 {
		t.Fatalf("got %d new mails, want 1", len(msgs)-before)
	}
	return tokenOf(t, mailtest.Link(t, msgs[len(msgs)-1]))
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("link %q has no token", link)
	}
	return tok
}

func outbox(t *testing.T, s *apptest.Server) []models.Message {
	t.Helper()
	var rows []models.Message
	if err := s.App.DB.NewSelect().Model(&rows).Order("created_at").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rows
}

func resetPW(s *apptest.Server, token, pw string) *apptest.Response {
	return s.Post("/auth/password/reset", map[string]any{"token": token, "password": pw})
}

func wantNoContent(t *testing.T, r *apptest.Response, what string) {
	t.Helper()
	if r.StatusCode != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("%s: %d %s", what, r.StatusCode, r.Body)
	}
}

func TestPasswordResetFlow(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		rt := s.Login(admin, adminPW).Data()["refresh_token"].(string)

		// Default link: PUBLIC_URL/admin/reset-password, from config even when
		// the request claims another host.
		r := s.Post("/auth/password/request", map[string]any{"email": "Admin@Example.com"}, "X-Forwarded-Host", "evil.example")
		wantNoContent(t, r, "request")
		if n := deliver(t, s); n != 1 {
			t.Fatalf("outbox handled %d, want 1", n)
		}
		msgs := sink.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d mails, want 1", len(msgs))
		}
		m := msgs[0]
		if m.Subject != "Password Reset Request" || !slices.Equal(m.To, []string{admin}) || !slices.Equal(m.Rcpt, []string{admin}) {
			t.Fatalf("mail subject %q to %v rcpt %v", m.Subject, m.To, m.Rcpt)
		}
		if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") || m.HTML == "" || m.Text == "" {
			t.Fatalf("mail parts: %q text=%q html=%q", ct, m.Text, m.HTML)
		}
		link1 := mailtest.Link(t, m)
		const prefix = "http://gatehouse.test/admin/reset-password?token="
		if !strings.HasPrefix(link1, prefix) || len(link1) <= len(prefix) {
			t.Fatalf("default link %q", link1)
		}
		if !strings.Contains(m.HTML, link1) {
			t.Fatalf("HTML part lacks the link %q:\n%s", link1, m.HTML)
		}
		tok1 := tokenOf(t, link1)

		// An allowed reset_url keeps its query and gains the token.
		requestReset(t, s, admin, allowedReset+"?foo=bar")
		deliver(t, s)
		if msgs = sink.Messages(); len(msgs) != 2 {
			t.Fatalf("%d mails, want 2", len(msgs))
		}
		link2 := mailtest.Link(t, msgs[1])
		u, err := url.Parse(link2)
		if err != nil || u.Scheme != "http" || u.Host != "allowed.example.com" || u.Path != "/reset" ||
			u.Query().Get("foo") != "bar" || u.Query().Get("token") == "" || len(u.Query()) != 2 {
			t.Fatalf("custom link %q", link2)
		}
		tok2 := tokenOf(t, link2)
		if tok1 == tok2 {
			t.Fatal("two requests mailed the same token")
		}

		// Nothing changes before the token is used: the old password works.
		s.Login(admin, adminPW)

		wantNoContent(t, resetPW(s, tok2, newPW), "reset")
		s.Login(admin, newPW)
		wantError(t, s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW}), 401, "INVALID_CREDENTIALS", "")
		// Sessions from before the reset are gone.
		wantError(t, s.Post("/auth/refresh", map[string]any{"refresh_token": rt}), 401, "INVALID_CREDENTIALS", "")
		// Single use; the reset also spent the other outstanding token.
		wantError(t, resetPW(s, tok2, "another-long-passphrase"), 403, "FORBIDDEN", "You don't have permission to access this.")
		wantError(t, resetPW(s, tok1, "another-long-passphrase"), 403, "FORBIDDEN", "")
		s.Login(admin, newPW)

		got := actions(t, s, user(t, s, admin).ID)
		if !contains(got, "password_reset_requested") || !contains(got, "password_reset") {
			t.Fatalf("audit %v", got)
		}
	})
}

func TestPasswordResetErrors(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		// Request validation.
		wantError(t, s.Post("/auth/password/request", map[string]any{}), 400, "INVALID_PAYLOAD", `Invalid payload. "email" field is required.`)
		wantError(t, s.Post("/auth/password/request", map[string]any{"email": admin, "reset_url": "http://evil.example.com/x"}),
			400, "INVALID_PAYLOAD", `Invalid payload. URL "http://evil.example.com/x" can't be used to reset passwords.`)
		// Unknown email: 204 and nothing queued.
		requestReset(t, s, "nobody@example.com", "")
		if rows := outbox(t, s); len(rows) != 0 {
			t.Fatalf("outbox after refused/unknown requests: %+v", rows)
		}
		if n := deliver(t, s); n != 0 || len(sink.Messages()) != 0 {
			t.Fatalf("delivered %d, sink has %d", n, len(sink.Messages()))
		}

		// Reset validation, in Directus's order.
		wantError(t, s.Post("/auth/password/reset", map[string]any{}), 400, "INVALID_PAYLOAD", `Invalid payload. "token" field is required.`)
		wantError(t, s.Post("/auth/password/reset", map[string]any{"password": newPW}), 400, "INVALID_PAYLOAD", `Invalid payload. "token" field is required.`)
		wantError(t, s.Post("/auth/password/reset", map[string]any{"token": "garbage"}), 400, "INVALID_PAYLOAD", `Invalid payload. "password" field is required.`)
		wantError(t, resetPW(s, "garbage", newPW), 403, "INVALID_TOKEN", "Invalid token.")
		// An access token is no reset token.
		at := s.Login(admin, adminPW).Data()["access_token"].(string)
		wantError(t, resetPW(s, at, newPW), 403, "INVALID_TOKEN", "")

		// Weak passwords: FAILED_VALIDATION, never echoed, token not spent.
		tok := mailedToken(t, s, sink, admin)
		for _, weak := range []string{"short", "password123"} {
			r := resetPW(s, tok, weak)
			wantError(t, r, 400, "FAILED_VALIDATION", "")
			if bytes.Contains(r.Body, []byte(weak)) {
				t.Fatalf("policy error echoes the password %q: %s", weak, r.Body)
			}
		}
		s.Login(admin, adminPW) // still the old password
		wantNoContent(t, resetPW(s, tok, newPW), "reset after weak attempts")
		s.Login(admin, newPW)

		// Expired: one hour (PASSWORD_RESET_TOKEN_TTL) later.
		tok = mailedToken(t, s, sink, admin)
		s.Clock.Advance(time.Hour + time.Minute)
		wantError(t, resetPW(s, tok, "yet-another-passphrase"), 401, "TOKEN_EXPIRED", "Token expired.")
		s.Login(admin, newPW)
	})
}

func TestPasswordResetSuspendedUser(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		const email = "suspended@example.com"
		u := s.CreateUser(email, "initial-passphrase-1")
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("status = ?", models.StatusSuspended).
			Where("id = ?", u.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := s.Post("/auth/login", map[string]any{"email": email, "password": "initial-passphrase-1"}); r.StatusCode != 401 {
			t.Fatalf("suspended login: %d %s", r.StatusCode, r.Body)
		}
		tok := mailedToken(t, s, sink, email)
		if m := sink.Messages()[0]; !slices.Equal(m.To, []string{email}) {
			t.Fatalf("mail to %v", m.To)
		}
		wantNoContent(t, resetPW(s, tok, newPW), "reset")
		if st := user(t, s, email).Status; st != models.StatusActive {
			t.Fatalf("status after reset %q", st)
		}
		s.Login(email, newPW)
		got := actions(t, s, u.ID)
		if !contains(got, "password_reset_requested") || !contains(got, "password_reset") {
			t.Fatalf("audit %v", got)
		}
	})
}

func TestPasswordResetSMTPOutage(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		sink.SetTempFail(true)
		requestReset(t, s, admin, "")
		if n := deliver(t, s); n != 1 {
			t.Fatalf("outbox handled %d, want 1", n)
		}
		if got := sink.Messages(); len(got) != 0 {
			t.Fatalf("mail accepted while failing: %d", len(got))
		}
		rows := outbox(t, s)
		if len(rows) != 1 || rows[0].Status != models.MessagePending || rows[0].Attempts != 1 || rows[0].LastError == nil ||
			!strings.Contains(*rows[0].LastError, "451") {
			t.Fatalf("outbox after a 451: %+v", rows)
		}
		// Not due again before the backoff.
		if n := deliver(t, s); n != 0 {
			t.Fatalf("retried %d before the backoff", n)
		}
		sink.SetTempFail(false)
		s.Clock.Advance(time.Minute)
		if n := deliver(t, s); n != 1 {
			t.Fatalf("outbox handled %d after the backoff, want 1", n)
		}
		msgs := sink.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d mails after recovery, want 1", len(msgs))
		}
		if rows := outbox(t, s); rows[0].Status != models.MessageSent || rows[0].Attempts != 2 {
			t.Fatalf("outbox after delivery: %+v", rows[0])
		}
		if n := deliver(t, s); n != 0 || len(sink.Messages()) != 1 {
			t.Fatalf("sent twice: handled %d, %d mails", n, len(sink.Messages()))
		}
		wantNoContent(t, resetPW(s, tokenOf(t, mailtest.Link(t, msgs[0])), newPW), "reset with the late mail")
		s.Login(admin, newPW)
	})
}

// RS-01: known and unknown emails answer alike, in about the same time.
func TestPasswordRequestNoEnumeration(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		const n = 20
		var known, unknown []time.Duration
		var first *apptest.Response
		for i := 0; i < 2*n; i++ {
			email := admin
			if i%2 == 1 {
				email = "nobody@example.com"
			}
			start := time.Now()
			r := s.Post("/auth/password/request", map[string]any{"email": email})
			d := time.Since(start)
			if first == nil {
				first = r
			}
			if r.StatusCode != first.StatusCode || !bytes.Equal(r.Body, first.Body) || r.StatusCode != http.StatusNoContent {
				t.Fatalf("%s: %d %q, first answer %d %q", email, r.StatusCode, r.Body, first.StatusCode, first.Body)
			}
			if i%2 == 0 {
				known = append(known, d)
			} else {
				unknown = append(unknown, d)
			}
		}
		mk, mu := median(known), median(unknown)
		if diff := (mk - mu).Abs(); diff >= 50*time.Millisecond {
			t.Fatalf("median known %v, unknown %v: differ by %v", mk, mu, diff)
		}
		if mk < 100*time.Millisecond || mu < 100*time.Millisecond {
			t.Fatalf("stall not applied: median known %v, unknown %v", mk, mu)
		}
		t.Logf("median known %v, unknown %v", mk, mu)
	}, "PASSWORD_RESET_STALL_TIME=100ms")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// RS-11: one token, many simultaneous resets → exactly one succeeds.
func TestPasswordResetConcurrentUse(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		tok := mailedToken(t, s, sink, admin)
		const n = 10
		var wg sync.WaitGroup
		start := make(chan struct{})
		codes := make([]int, n)
		bodies := make([]string, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := `{"token":"` + tok + `","password":"parallel-passphrase-` + string(rune('a'+i)) + `"}`
				req, err := http.NewRequest(http.MethodPost, s.URL+"/auth/password/reset", strings.NewReader(body))
				if err != nil {
					errs[i] = err
					return
				}
				req.Header.Set("Content-Type", jsonCT)
				<-start
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs[i] = err
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				codes[i], bodies[i] = res.StatusCode, string(b)
			}()
		}
		close(start)
		wg.Wait()
		ok, winner := 0, -1
		for i := range n {
			switch {
			case errs[i] != nil:
				t.Errorf("request %d: %v", i, errs[i])
			case codes[i] == http.StatusNoContent:
				ok++
				winner = i
			case codes[i] == http.StatusForbidden && strings.Contains(bodies[i], `"FORBIDDEN"`):
			default:
				t.Errorf("request %d: %d %s", i, codes[i], bodies[i])
			}
		}
		if ok != 1 {
			t.Fatalf("%d resets succeeded, want exactly 1 (codes %v)", ok, codes)
		}
		s.Login(admin, "parallel-passphrase-"+string(rune('a'+winner)))
	})
}
