package rest_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

const (
	tfaEmail = "tfa@example.com"
	tfaPW    = "a-long-password-1"
)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// badCode is a six-digit code that matches none of the steps around now.
func badCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	near := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		near[codeAt(t, secret, now.Add(d))] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", i*7919%1000000)
		if !near[c] {
			return c
		}
	}
}

func tfaLogin(s *apptest.Server, otp string) *apptest.Response {
	b := map[string]any{"email": tfaEmail, "password": tfaPW}
	if otp != "" {
		b["otp"] = otp
	}
	return s.Post("/auth/login", b)
}

// enableTFA runs generate and enable for the caller and returns the secret.
func enableTFA(t *testing.T, s *apptest.Server, auth []string, pw string) string {
	t.Helper()
	r := s.Post("/users/me/tfa/generate", map[string]any{"password": pw}, auth...)
	wantStatus(t, r, 200, "generate")
	secret, _ := r.Data()["secret"].(string)
	wantNoContent(t, s.Post("/users/me/tfa/enable", map[string]any{"secret": secret, "otp": codeAt(t, secret, s.Clock.Now())}, auth...), "enable")
	return secret
}

func remainingCodes(t *testing.T, s *apptest.Server, auth []string) float64 {
	t.Helper()
	r := s.Do("GET", "/users/me/tfa/recovery-codes", nil, auth...)
	wantStatus(t, r, 200, "GET recovery-codes")
	n, ok := r.Data()["remaining"].(float64)
	if !ok {
		t.Fatalf("GET recovery-codes: %s", r.Body)
	}
	return n
}

// parallelLogins starts n logins with otp at once and counts the statuses.
func parallelLogins(s *apptest.Server, otp string, n int) map[int]int {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		got   = map[int]int{}
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st := tfaLogin(s, otp).StatusCode
			mu.Lock()
			got[st]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

func TestTFAFlow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser(tfaEmail, tfaPW)
		access, _ := accessToken(t, s, tfaEmail, tfaPW)
		auth := bearer(access)

		// generate
		wantError(t, s.Post("/users/me/tfa/generate", map[string]any{"password": tfaPW}), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/users/me/tfa/generate", map[string]any{}, auth...), 400, "INVALID_PAYLOAD", `Invalid payload. "password" is required.`)
		wantError(t, s.Post("/users/me/tfa/generate", map[string]any{"password": "wrong-password-1"}, auth...), 401, "INVALID_CREDENTIALS", "")
		r := s.Post("/users/me/tfa/generate", map[string]any{"password": tfaPW}, auth...)
		wantStatus(t, r, 200, "generate")
		secret, _ := r.Data()["secret"].(string)
		otpURL, _ := r.Data()["otpauth_url"].(string)
		if len(secret) < 32 { // ≥ 160 bits
			t.Fatalf("secret %q is short", secret)
		}
		pu, err := url.Parse(otpURL)
		if err != nil || pu.Scheme != "otpauth" || pu.Host != "totp" || pu.Query().Get("issuer") != "Acme" ||
			pu.Query().Get("secret") != secret || !strings.HasPrefix(strings.TrimPrefix(pu.Path, "/"), "Acme:") ||
			!strings.Contains(pu.Path, tfaEmail) {
			t.Fatalf("otpauth_url %q", otpURL)
		}
		// Nothing is stored until enable.
		if got := user(t, s, tfaEmail); got.TFASecret != nil {
			t.Fatal("generate stored a secret")
		}
		s.Login(tfaEmail, tfaPW)

		// enable
		now := s.Clock.Now()
		wantError(t, s.Post("/users/me/tfa/enable", map[string]any{"secret": secret, "otp": badCode(t, secret, now)}, auth...), 400, "INVALID_PAYLOAD",
			`Invalid payload. "otp" is invalid.`)
		wantError(t, s.Post("/users/me/tfa/enable", map[string]any{"secret": secret}, auth...), 400, "INVALID_PAYLOAD", `Invalid payload. "otp" is required.`)
		wantError(t, s.Post("/users/me/tfa/enable", map[string]any{"otp": codeAt(t, secret, now)}, auth...), 400, "INVALID_PAYLOAD", `Invalid payload. "secret" is required.`)
		wantNoContent(t, s.Post("/users/me/tfa/enable", map[string]any{"secret": secret, "otp": codeAt(t, secret, now)}, auth...), "enable")
		stored := user(t, s, tfaEmail).TFASecret
		if stored == nil || *stored == "" || *stored == secret || strings.Contains(*stored, secret) {
			t.Fatalf("tfa_secret at rest: %v", stored)
		}
		if m := me(s, auth...); m.Data()["tfa_secret"] != "**********" {
			t.Fatalf("GET /users/me tfa_secret: %s", m.Body)
		}
		wantError(t, s.Post("/users/me/tfa/generate", map[string]any{"password": tfaPW}, auth...), 400, "INVALID_PAYLOAD",
			"Invalid payload. TFA Secret is already set for this user.")
		wantError(t, s.Post("/users/me/tfa/enable", map[string]any{"secret": secret, "otp": codeAt(t, secret, now)}, auth...), 400, "INVALID_PAYLOAD",
			"Invalid payload. TFA Secret is already set for this user.")

		// login
		wantError(t, tfaLogin(s, ""), 401, "INVALID_OTP", "Invalid user OTP.")
		wantError(t, s.Post("/auth/login", map[string]any{"email": tfaEmail, "password": "wrong-password-1"}), 401, "INVALID_CREDENTIALS", "")
		// The code that enabled 2FA is spent.
		wantError(t, tfaLogin(s, codeAt(t, secret, now)), 401, "INVALID_OTP", "")
		s.Clock.Advance(30 * time.Second)
		code := codeAt(t, secret, s.Clock.Now())
		wantStatus(t, tfaLogin(s, code), 200, "login with the current code")
		wantError(t, tfaLogin(s, code), 401, "INVALID_OTP", "")
		// Codes two steps away are refused.
		wantError(t, tfaLogin(s, codeAt(t, secret, s.Clock.Now().Add(-60*time.Second))), 401, "INVALID_OTP", "")
		wantError(t, tfaLogin(s, codeAt(t, secret, s.Clock.Now().Add(60*time.Second))), 401, "INVALID_OTP", "")

		// recovery codes
		wantError(t, s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": badCode(t, secret, s.Clock.Now())}, auth...), 400, "INVALID_PAYLOAD", "")
		wantError(t, s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": code}, auth...), 400, "INVALID_PAYLOAD", "") // spent
		r = s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": codeAt(t, secret, s.Clock.Now().Add(30*time.Second))}, auth...)
		wantStatus(t, r, 200, "recovery-codes")
		raw, _ := r.Data()["codes"].([]any)
		if len(raw) != 10 {
			t.Fatalf("recovery codes: %s", r.Body)
		}
		codes := make([]string, len(raw))
		seen := map[string]bool{}
		for i, c := range raw {
			codes[i], _ = c.(string)
			if codes[i] == "" || seen[codes[i]] {
				t.Fatalf("recovery codes: %s", r.Body)
			}
			seen[codes[i]] = true
		}
		if n := remainingCodes(t, s, auth); n != 10 {
			t.Fatalf("remaining %v, want 10", n)
		}
		// A recovery code cannot mint new codes, and trying does not spend it.
		wantError(t, s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": codes[3]}, auth...), 400, "INVALID_PAYLOAD", `Invalid payload. "otp" is invalid.`)
		if n := remainingCodes(t, s, auth); n != 10 {
			t.Fatalf("remaining %v after a refused mint, want 10", n)
		}
		wantStatus(t, tfaLogin(s, codes[0]), 200, "login with a recovery code")
		if n := remainingCodes(t, s, auth); n != 9 {
			t.Fatalf("remaining %v, want 9", n)
		}
		wantError(t, tfaLogin(s, codes[0]), 401, "INVALID_OTP", "")
		// Case and dashes don't matter.
		wantStatus(t, tfaLogin(s, strings.ToUpper(strings.ReplaceAll(codes[1], "-", ""))), 200, "login with a retyped recovery code")

		// Ten concurrent logins with one fresh recovery code: exactly one wins.
		got := parallelLogins(s, codes[2], 10)
		if got[200] != 1 || got[401] != 9 {
			t.Fatalf("concurrent recovery-code logins: %v, want one 200 and nine 401", got)
		}
		if n := remainingCodes(t, s, auth); n != 7 {
			t.Fatalf("remaining %v, want 7", n)
		}

		// New codes replace the old set.
		s.Clock.Advance(60 * time.Second)
		r = s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": codeAt(t, secret, s.Clock.Now())}, auth...)
		wantStatus(t, r, 200, "recovery-codes again")
		if n := remainingCodes(t, s, auth); n != 10 {
			t.Fatalf("remaining %v after regenerating, want 10", n)
		}
		wantError(t, tfaLogin(s, codes[3]), 401, "INVALID_OTP", "")

		// disable
		s.Clock.Advance(30 * time.Second)
		wantError(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": badCode(t, secret, s.Clock.Now())}, auth...), 400, "INVALID_PAYLOAD",
			`Invalid payload. "otp" is invalid.`)
		wantError(t, s.Post("/users/me/tfa/disable", map[string]any{}, auth...), 400, "INVALID_PAYLOAD", `Invalid payload. "otp" is required.`)
		wantError(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": codeAt(t, secret, s.Clock.Now())}), 401, "INVALID_CREDENTIALS", "")
		wantNoContent(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": codeAt(t, secret, s.Clock.Now())}, auth...), "disable")
		if got := user(t, s, tfaEmail); got.TFASecret != nil {
			t.Fatalf("tfa_secret after disable: %v", *got.TFASecret)
		}
		wantStatus(t, tfaLogin(s, ""), 200, "login after disable")
		wantError(t, s.Post("/users/me/tfa/disable", map[string]any{"otp": "123456"}, auth...), 400, "INVALID_PAYLOAD",
			fmt.Sprintf("Invalid payload. User %q doesn't have TFA enabled.", u.ID))
		if n := remainingCodes(t, s, auth); n != 0 {
			t.Fatalf("remaining %v after disable, want 0", n)
		}

		acts := actions(t, s, u.ID)
		for _, a := range []string{"tfa_enabled", "tfa_disabled", "recovery_code_used"} {
			if !contains(acts, a) {
				t.Fatalf("audit lacks %s: %v", a, acts)
			}
		}
	}, "PROJECT_NAME=Acme")
}

func TestTFAAdminDisable(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser(tfaEmail, tfaPW)
		s.CreateUser("other@example.com", tfaPW)
		access, _ := accessToken(t, s, tfaEmail, tfaPW)
		otherAccess, _ := accessToken(t, s, "other@example.com", tfaPW)
		enableTFA(t, s, bearer(access), tfaPW)
		wantError(t, tfaLogin(s, ""), 401, "INVALID_OTP", "")

		// Not by anyone else.
		wantError(t, s.Post("/users/"+u.ID+"/tfa/disable", nil), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/users/"+u.ID+"/tfa/disable", nil, bearer(otherAccess)...), 403, "FORBIDDEN", "")
		wantError(t, s.Post("/users/"+u.ID+"/tfa/disable", nil, bearer(access)...), 403, "FORBIDDEN", "")
		wantError(t, tfaLogin(s, ""), 401, "INVALID_OTP", "")

		wantNoContent(t, s.Post("/users/"+u.ID+"/tfa/disable", nil, asAdmin...), "admin disable")
		wantStatus(t, tfaLogin(s, ""), 200, "login after admin disable")
		if !contains(actions(t, s, u.ID), "tfa_disabled") {
			t.Fatalf("audit: %v", actions(t, s, u.ID))
		}
		wantError(t, s.Post("/users/00000000-0000-4000-8000-000000000000/tfa/disable", nil, asAdmin...), 403, "FORBIDDEN", "")
	})
}

func TestTFAConcurrentSameCode(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser(tfaEmail, tfaPW)
		access, _ := accessToken(t, s, tfaEmail, tfaPW)
		secret := enableTFA(t, s, bearer(access), tfaPW)
		s.Clock.Advance(30 * time.Second)
		if got := parallelLogins(s, codeAt(t, secret, s.Clock.Now()), 10); got[200] != 1 || got[401] != 9 {
			t.Fatalf("concurrent logins with one TOTP code: %v, want one 200 and nine 401", got)
		}
	})
}
