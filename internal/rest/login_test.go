package rest_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/models"
)

func TestLoginModes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		// json: tokens in the body, no cookie; email matched case-insensitively.
		r := s.Login("ADMIN@Example.com", adminPW)
		d := r.Data()
		if d["expires"] != float64(900000) || d["refresh_token"] == nil || d["access_token"] == nil || len(r.Cookies()) != 0 {
			t.Fatalf("json login: %s cookies=%v", r.Body, r.Cookies())
		}
		if rt := d["refresh_token"].(string); len(rt) != 64 {
			t.Fatalf("refresh token length %d, want 64", len(rt))
		}
		at := d["access_token"].(string)
		h, c := header(t, at), claims(t, at)
		if h["alg"] != "ES256" || h["kid"] == nil || h["kid"] == "" {
			t.Fatalf("header %v", h)
		}
		u := user(t, s, admin)
		if c["id"] != u.ID || c["role"] != *u.RoleID || c["admin_access"] != true || c["app_access"] != true ||
			c["iss"] != "gatehouse" || c["exp"].(float64)-c["iat"].(float64) != 900 {
			t.Fatalf("claims %v", c)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("Cache-Control %q", r.Header.Get("Cache-Control"))
		}

		// cookie: the refresh token only in an httpOnly cookie.
		r = s.Login(admin, adminPW, "mode", "cookie")
		d = r.Data()
		ck := r.Cookie("directus_refresh_token")
		if _, has := d["refresh_token"]; has || d["access_token"] == nil || ck == nil {
			t.Fatalf("cookie login: %s", r.Body)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != 604800 || ck.Secure || len(ck.Value) != 64 {
			t.Fatalf("refresh cookie %+v", ck)
		}

		// session: no token in the body, a session JWT in the cookie.
		r = s.Login(admin, adminPW, "mode", "session")
		d = r.Data()
		ck = r.Cookie("directus_session_token")
		if len(d) != 1 || d["expires"] != float64(86400000) || ck == nil || ck.MaxAge != 86400 || !ck.HttpOnly {
			t.Fatalf("session login: %s %+v", r.Body, ck)
		}
		if sc := claims(t, ck.Value); sc["session"] == nil || sc["exp"].(float64)-sc["iat"].(float64) != 86400 {
			t.Fatalf("session claims %v", sc)
		}
		if got := actions(t, s, u.ID); len(got) != 3 || got[0] != models.ActionLogin {
			t.Fatalf("audit %v", got)
		}
	})
}

func TestLoginSecureCookieOnHTTPS(t *testing.T) {
	s := apptest.New(t, "sqlite3", "PUBLIC_URL=https://auth.example.com")
	if ck := s.Login(admin, adminPW, "mode", "cookie").Cookie("directus_refresh_token"); ck == nil || !ck.Secure {
		t.Fatalf("cookie on https public URL: %+v", ck)
	}
	s = apptest.New(t, "sqlite3", "PUBLIC_URL=https://auth.example.com", "REFRESH_TOKEN_COOKIE_SECURE=false")
	if ck := s.Login(admin, adminPW, "mode", "cookie").Cookie("directus_refresh_token"); ck == nil || ck.Secure {
		t.Fatalf("explicit SECURE=false: %+v", ck)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("inactive@example.com", "inactive-password-1")
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("status = ?", models.StatusSuspended).
			Where("email_lower = ?", "inactive@example.com").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		cases := map[string]map[string]any{
			"wrong password": {"email": admin, "password": "wrong-password"},
			"unknown email":  {"email": "nobody@example.com", "password": "whatever-password"},
			"inactive user":  {"email": "inactive@example.com", "password": "inactive-password-1"},
			"over-long":      {"email": admin, "password": strings.Repeat("x", 257)},
		}
		var first string
		for name, body := range cases {
			r := s.Post("/auth/login", body)
			wantError(t, r, 401, "INVALID_CREDENTIALS", "Invalid user credentials.")
			if first == "" {
				first = string(r.Body)
			} else if string(r.Body) != first {
				t.Fatalf("%s: body %s differs from %s", name, r.Body, first)
			}
		}
		if got := actions(t, s, user(t, s, admin).ID); !contains(got, models.ActionLoginFailed) {
			t.Fatalf("failed login not audited: %v", got)
		}
		if n := countSessions(t, s); n != 0 {
			t.Fatalf("%d sessions after failed logins", n)
		}
	})
}

func TestLoginValidation(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	cases := []struct {
		name, body, msg string
		status          int
	}{
		{"invalid email", `{"email":"invalid","password":"x"}`, `Invalid payload. "email" must be a valid email.`, 400},
		{"no body", ``, `Invalid payload. "email" is required.`, 400},
		{"empty object", `{}`, `Invalid payload. "email" is required.`, 400},
		{"bad mode", `{"email":"a@b.com","password":"x","mode":"foo"}`, `Invalid payload. "mode" must be one of [cookie, json, session].`, 400},
		{"empty password", `{"email":"a@b.com","password":""}`, `Invalid payload. "password" is not allowed to be empty.`, 400},
		{"otp number", `{"email":"a@b.com","password":"x","otp":123}`, `Invalid payload. "otp" must be a string.`, 400},
		{"email number", `{"email":5,"password":"x"}`, `Invalid payload. "email" must be a string.`, 400},
		{"email null", `{"email":null,"password":"x"}`, `Invalid payload. "email" must be a string.`, 400},
		{"password missing", `{"email":"a@b.com"}`, `Invalid payload. "password" is required.`, 400},
		{"password object", `{"email":"a@b.com","password":{"$ne":1}}`, `Invalid payload. "password" must be a string.`, 400},
		{"array body", `[1,2]`, `Invalid payload. "value" must be of type object.`, 400},
		{"null body", `null`, `Invalid payload. "value" must be of type object.`, 400},
		// Issue 17: NUL is refused at the edge, with its own message.
		{"nul in email", "{\"email\":\"a\\u0000@b.com\",\"password\":\"x\"}", `Invalid payload. "email" must not contain NUL characters.`, 400},
		{"dotless domain", `{"email":"a@localhost","password":"x"}`, `Invalid payload. "email" must be a valid email.`, 400},
	}
	for _, c := range cases {
		r := s.Post("/auth/login", c.body)
		if r.StatusCode != c.status || r.Code() != "INVALID_PAYLOAD" || r.Message() != c.msg {
			t.Errorf("%s: got %d %s, want %d %q", c.name, r.StatusCode, r.Body, c.status, c.msg)
		}
	}
	// Parser errors: 400 with a fixed message (issue 19), never a 500.
	for name, body := range map[string]string{
		"truncated":        `{"email":"a@b.com","pass`,
		"trailing garbage": `{"email":"a@b.com","password":"x"} garbage`,
		"deep nesting":     strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		"deep object":      `{"a":` + strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat("}", 10002),
		"invalid utf8":     "{\"email\":\"\xff\xfe@b.com\",\"password\":\"x\"}",
	} {
		r := s.Post("/auth/login", body)
		if r.StatusCode != 400 || r.Code() != "INVALID_PAYLOAD" || !strings.HasPrefix(r.Message(), "Invalid payload. ") {
			t.Errorf("%s: got %d %s", name, r.StatusCode, r.Body)
		}
	}
	// a@b.local is valid here (no TLD list): it fails only as unknown credentials.
	wantError(t, s.Post("/auth/login", `{"email":"a@b.local","password":"x"}`), 401, "INVALID_CREDENTIALS", "")
	// Unknown keys are allowed, as in Directus.
	if r := s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW, "extra": true}); r.StatusCode != 200 {
		t.Fatalf("unknown key: %d %s", r.StatusCode, r.Body)
	}
	// Over MAX_PAYLOAD_SIZE → 413.
	big := `{"email":"a@b.com","password":"` + strings.Repeat("x", 1<<20) + `"}`
	wantError(t, s.Post("/auth/login", big), 413, "INVALID_PAYLOAD", "")
	if n := countSessions(t, s); n != 1 {
		t.Fatalf("bad input created sessions: %d", n)
	}
}

func TestLoginStall(t *testing.T) {
	s := apptest.New(t, "sqlite3", "LOGIN_STALL_TIME=150ms")
	for _, body := range []string{`{"email":"nobody@example.com","password":"x"}`, `{}`, `{"email":"` + admin + `","password":"` + adminPW + `"}`} {
		start := time.Now()
		s.Post("/auth/login", body)
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Fatalf("%s answered after %v, before the 150ms stall", body, d)
		}
	}
}

func TestLoginOTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: "Gatehouse", AccountName: admin})
		if err != nil {
			t.Fatal(err)
		}
		secret := key.Secret()
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("tfa_secret = ?", secret).
			Where("email_lower = ?", admin).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantError(t, s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW}), 401, "INVALID_OTP", "Invalid user OTP.")
		wantError(t, s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW, "otp": "000000x"}), 401, "INVALID_OTP", "")
		// A wrong password is still INVALID_CREDENTIALS, not an OTP error.
		wantError(t, s.Post("/auth/login", map[string]any{"email": admin, "password": "nope-nope"}), 401, "INVALID_CREDENTIALS", "")
		code, _ := totp.GenerateCode(secret, s.Clock.Now())
		s.Login(admin, adminPW, "otp", code)
		// The same code again is refused: each step is spent once.
		wantError(t, s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW, "otp": code}), 401, "INVALID_OTP", "")
		// The next step's code (clock drift) is accepted.
		next, _ := totp.GenerateCode(secret, s.Clock.Now().Add(30*time.Second))
		s.Login(admin, adminPW, "otp", next)
	})
}

func TestLoginSuspension(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("victim@example.com", "victim-password-1")
		bad := map[string]any{"email": "victim@example.com", "password": "guess-guess"}
		good := map[string]any{"email": "victim@example.com", "password": "victim-password-1"}
		wantError(t, s.Post("/auth/login", bad), 401, "INVALID_CREDENTIALS", "")
		wantError(t, s.Post("/auth/login", bad), 401, "INVALID_CREDENTIALS", "")
		// The attempt that exceeds the limit fails even with the right password.
		wantError(t, s.Post("/auth/login", good), 401, "INVALID_CREDENTIALS", "")
		u := user(t, s, "victim@example.com")
		if u.Status != models.StatusSuspended {
			t.Fatalf("status %s, want suspended", u.Status)
		}
		if !contains(actions(t, s, u.ID), models.ActionSuspend) {
			t.Fatal("suspension not audited")
		}
		wantError(t, s.Post("/auth/login", good), 401, "INVALID_CREDENTIALS", "")
	}, "AUTH_LOGIN_ATTEMPTS=2")
}

func TestLoginSuccessResetsAttempts(t *testing.T) {
	s := apptest.New(t, "sqlite3", "AUTH_LOGIN_ATTEMPTS=2")
	bad := map[string]any{"email": admin, "password": "guess-guess"}
	// A failure then a success, three times over: each success resets the
	// count, so the third failure in total does not trip the limit of two.
	for range 3 {
		s.Post("/auth/login", bad)
		s.Login(admin, adminPW)
	}
}

func TestLoginConcurrentGuessesCounted(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("target@example.com", "target-password-1")
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.Post("/auth/login", map[string]any{"email": "target@example.com", "password": "guess-guess"})
				if r.StatusCode != 401 {
					t.Errorf("guess: %d %s", r.StatusCode, r.Body)
				}
			}()
		}
		wg.Wait()
		if u := user(t, s, "target@example.com"); u.Status != models.StatusSuspended {
			t.Fatalf("20 concurrent guesses with limit 5: status %s", u.Status)
		}
	}, "AUTH_LOGIN_ATTEMPTS=5")
}

func TestLoginRehashesLegacyHashes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser("legacy@example.com", "legacy-password-1")
		h, _ := bcrypt.GenerateFromPassword([]byte("legacy-password-1"), bcrypt.MinCost)
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("password = ?", string(h)).
			Where("id = ?", u.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.Login("legacy@example.com", "legacy-password-1")
		if got := *user(t, s, "legacy@example.com").Password; !strings.HasPrefix(got, "$argon2id$v=19$m=256,t=1,p=1$") {
			t.Fatalf("hash after login: %s", got[:20])
		}
		s.Login("legacy@example.com", "legacy-password-1")
	})
}

func TestLoginHashCapacity(t *testing.T) {
	// One hash slot, no queue: of concurrent logins, some are turned away
	// with 503 rather than piling up memory.
	s := apptest.New(t, "sqlite3", "HASH_MAX_CONCURRENT=1", "HASH_QUEUE_TIMEOUT=1ms", "HASH_MEMORY_COST=8192", "HASH_TIME_COST=2")
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Post("/auth/login", map[string]any{"email": admin, "password": "wrong-password"})
			mu.Lock()
			got[r.StatusCode]++
			mu.Unlock()
			if r.StatusCode == 503 && (r.Code() != "SERVICE_UNAVAILABLE" || !strings.Contains(r.Message(), `Service "authentication" is unavailable.`)) {
				t.Errorf("503 body %s", r.Body)
			}
		}()
	}
	wg.Wait()
	if got[503] == 0 || got[401] == 0 || got[401]+got[503] != 12 {
		t.Fatalf("statuses %v: want a mix of 401 and 503 only", got)
	}
}

func TestLoginIgnoresStaleBearer(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	at := s.Login(admin, adminPW).Data()["access_token"].(string)
	s.Clock.Advance(time.Hour) // the token is now expired
	r := s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW}, "Authorization", "Bearer "+at)
	if r.StatusCode != 200 {
		t.Fatalf("login with an expired bearer: %d %s", r.StatusCode, r.Body)
	}
	r = s.Post("/auth/login?access_token=garbage", map[string]any{"email": admin, "password": adminPW})
	if r.StatusCode != 200 {
		t.Fatalf("login with a garbage access_token: %d %s", r.StatusCode, r.Body)
	}
}

func TestConcurrentCorrectLoginsDoNotSuspend(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW}); r.StatusCode != 200 {
					t.Errorf("correct login: %d %s", r.StatusCode, r.Body)
				}
			}()
		}
		wg.Wait()
		if u := user(t, s, admin); u.Status != models.StatusActive || u.FailedLogins != 0 {
			t.Fatalf("after 20 concurrent correct logins: status %s, failures %d", u.Status, u.FailedLogins)
		}
	}, "AUTH_LOGIN_ATTEMPTS=3")
}

func TestWrongOTPsCountTowardSuspension(t *testing.T) {
	s := apptest.New(t, "sqlite3", "AUTH_LOGIN_ATTEMPTS=2")
	key, _ := totp.Generate(totp.GenerateOpts{Issuer: "Gatehouse", AccountName: admin})
	if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("tfa_secret = ?", key.Secret()).
		Where("email_lower = ?", admin).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		wantError(t, s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW, "otp": "000000"}), 401, "INVALID_OTP", "")
	}
	code, _ := totp.GenerateCode(key.Secret(), s.Clock.Now())
	wantError(t, s.Post("/auth/login", map[string]any{"email": admin, "password": adminPW, "otp": code}), 401, "INVALID_CREDENTIALS", "")
	if u := user(t, s, admin); u.Status != models.StatusSuspended {
		t.Fatalf("status %s after OTP guessing", u.Status)
	}
}
