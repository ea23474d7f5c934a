package rest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/models"
)

// compared counts the secret comparisons that failed for a user: each is
// audited as a failed login with what failed (a refusal without a
// comparison says "refused: …").
func compared(t *testing.T, s *apptest.Server, userID string) int {
	t.Helper()
	rows, err := s.App.Store.Activities(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range rows {
		if a.Action == models.ActionLoginFailed && a.Detail != nil && (*a.Detail == "credentials" || *a.Detail == "otp") {
			n++
		}
	}
	return n
}

// burst sends n copies of body to path at once and returns the statuses.
func burst(s *apptest.Server, n int, path string, body map[string]any, header ...string) map[int]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := s.Post(path, body, header...)
			mu.Lock()
			got[r.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

// A burst of guesses compares at most AUTH_LOGIN_ATTEMPTS of them, however
// the requests interleave; the rest fail without a comparison and the
// account ends suspended.
func TestLockoutBurstComparesAtMostTheLimit(t *testing.T) {
	apptest.Each(t, lockoutBurst, "AUTH_LOGIN_ATTEMPTS=5")
}

// lockoutBurst sends 40 wrong passwords for one account at once to a server
// with AUTH_LOGIN_ATTEMPTS=5.
func lockoutBurst(t *testing.T, s *apptest.Server) {
	u := s.CreateUser("target@example.com", "target-password-1")
	got := burst(s, 40, "/auth/login", map[string]any{"email": "target@example.com", "password": "guess-guess"})
	if got[401] != 40 {
		t.Fatalf("statuses %v, want 40 × 401", got)
	}
	if n := compared(t, s, u.ID); n != 5 {
		t.Fatalf("%d guesses were compared, want exactly the limit of 5", n)
	}
	if st := user(t, s, "target@example.com").Status; st != models.StatusSuspended {
		t.Fatalf("status %s, want suspended", st)
	}
}

// With the budget spent, a burst of right passwords gets no token at all:
// the attempt that finds it spent suspends, and the login write re-checks the
// account, so no request racing the suspension opens a session.
func TestLockoutSpentBudgetRightPasswordBurst(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		s.CreateUser("target@example.com", "target-password-1")
		for range 5 {
			wantError(t, s.Post("/auth/login", map[string]any{"email": "target@example.com", "password": "guess-guess"}), 401, "INVALID_CREDENTIALS", "")
		}
		got := burst(s, 40, "/auth/login", map[string]any{"email": "target@example.com", "password": "target-password-1"})
		if got[401] != 40 {
			t.Fatalf("statuses %v, want 40 × 401", got)
		}
		if st := user(t, s, "target@example.com").Status; st != models.StatusSuspended {
			t.Fatalf("status %s, want suspended", st)
		}
		if n := countSessions(t, s); n != 0 {
			t.Fatalf("%d sessions opened for a suspended account", n)
		}
	}, "AUTH_LOGIN_ATTEMPTS=5")
}

// The boundary: the limit's worth of failures is tolerated, the next
// attempt is the one that suspends.
func TestLockoutBoundary(t *testing.T) {
	s := apptest.New(t, "sqlite3", "AUTH_LOGIN_ATTEMPTS=3")
	s.CreateUser("edge@example.com", "edge-password-1")
	for range 2 {
		wantError(t, s.Post("/auth/login", map[string]any{"email": "edge@example.com", "password": "guess-guess"}), 401, "INVALID_CREDENTIALS", "")
	}
	// Two failures of three: a right password still works and resets the count.
	s.Login("edge@example.com", "edge-password-1")
	for range 3 {
		wantError(t, s.Post("/auth/login", map[string]any{"email": "edge@example.com", "password": "guess-guess"}), 401, "INVALID_CREDENTIALS", "")
	}
	if st := user(t, s, "edge@example.com").Status; st != models.StatusActive {
		t.Fatalf("after exactly the limit of failures: status %s, want active", st)
	}
	wantError(t, s.Post("/auth/login", map[string]any{"email": "edge@example.com", "password": "edge-password-1"}), 401, "INVALID_CREDENTIALS", "")
	if st := user(t, s, "edge@example.com").Status; st != models.StatusSuspended {
		t.Fatalf("after the attempt past the limit: status %s, want suspended", st)
	}
}

// AUTH_LOGIN_ATTEMPTS=0 means unlimited: no count, no suspension.
func TestLockoutUnlimited(t *testing.T) {
	s := apptest.New(t, "sqlite3", "AUTH_LOGIN_ATTEMPTS=0")
	s.CreateUser("free@example.com", "free-password-1")
	got := burst(s, 30, "/auth/login", map[string]any{"email": "free@example.com", "password": "guess-guess"})
	if got[401] != 30 {
		t.Fatalf("statuses %v", got)
	}
	s.Login("free@example.com", "free-password-1")
	if u := user(t, s, "free@example.com"); u.Status != models.StatusActive {
		t.Fatalf("status %s, want active", u.Status)
	}
}

// tfaSurface is one way to check a second factor or password outside login.
type tfaSurface struct {
	name string
	call func(s *apptest.Server, bearer, secret string) (status int, code string)
}

func restCall(path, field string) func(*apptest.Server, string, string) (int, string) {
	return func(s *apptest.Server, bearer, secret string) (int, string) {
		r := s.Post(path, map[string]any{field: secret}, "Authorization", "Bearer "+bearer)
		return r.StatusCode, r.Code()
	}
}

func gqlCall(endpoint, query, arg string) func(*apptest.Server, string, string) (int, string) {
	return func(s *apptest.Server, bearer, secret string) (int, string) {
		r := s.GraphQL(endpoint, query, map[string]any{arg: secret}, "Authorization", "Bearer "+bearer)
		if r.Code() == "" {
			return r.StatusCode, "OK"
		}
		return r.StatusCode, r.Code()
	}
}

// Every check of a password, OTP or recovery code outside login, on every
// surface, spends the same per-account budget as login: past it the account
// is suspended and the check refused, even with the right secret.
func TestSecretChecksOutsideLoginAreCounted(t *testing.T) {
	otpSurfaces := []tfaSurface{
		{"REST tfa/disable", restCall("/users/me/tfa/disable", "otp")},
		{"REST tfa/recovery-codes", restCall("/users/me/tfa/recovery-codes", "otp")},
		{"/graphql disableTfa", gqlCall("/graphql", `mutation($otp: String!) { disableTfa(otp: $otp) }`, "otp")},
		{"/graphql generateRecoveryCodes", gqlCall("/graphql", `mutation($otp: String!) { generateRecoveryCodes(otp: $otp) }`, "otp")},
		{"/graphql/system users_me_tfa_disable", gqlCall("/graphql/system", `mutation($otp: String!) { users_me_tfa_disable(otp: $otp) }`, "otp")},
	}
	pwSurfaces := []tfaSurface{
		{"REST tfa/generate", restCall("/users/me/tfa/generate", "password")},
		{"/graphql generateTfa", gqlCall("/graphql", `mutation($p: String!) { generateTfa(password: $p) { secret } }`, "p")},
		{"/graphql/system users_me_tfa_generate", gqlCall("/graphql/system", `mutation($p: String!) { users_me_tfa_generate(password: $p) { secret } }`, "p")},
	}
	for i, sf := range append(otpSurfaces, pwSurfaces...) {
		t.Run(sf.name, func(t *testing.T) {
			t.Parallel()
			s := apptest.New(t, "sqlite3", "AUTH_LOGIN_ATTEMPTS=3")
			email := fmt.Sprintf("tfa%d@example.com", i)
			u := s.CreateUser(email, "tfa-password-1")
			key, _ := totp.Generate(totp.GenerateOpts{Issuer: "Gatehouse", AccountName: email})
			isOTP := i < len(otpSurfaces)
			if isOTP {
				if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("tfa_secret = ?", key.Secret()).
					Where("id = ?", u.ID).Exec(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			login := map[string]any{"email": email, "password": "tfa-password-1"}
			if isOTP {
				code, _ := totp.GenerateCode(key.Secret(), s.Clock.Now())
				login["otp"] = code
			}
			at := s.Post("/auth/login", login).Data()["access_token"].(string)
			wrong, right := "wrong-password", "tfa-password-1"
			if isOTP {
				wrong = "000000"
				right, _ = totp.GenerateCode(key.Secret(), s.Clock.Now().Add(30e9)) // the next step: unspent
			}
			for n := range 3 {
				if status, code := sf.call(s, at, wrong); code == "OK" || status == 429 {
					t.Fatalf("wrong secret %d: %d %s", n, status, code)
				}
			}
			if n := compared(t, s, u.ID); n != 3 {
				t.Fatalf("%d failed checks audited, want 3", n)
			}
			status, code := sf.call(s, at, right)
			if code != "INVALID_CREDENTIALS" {
				t.Fatalf("right secret past the budget: %d %s, want INVALID_CREDENTIALS", status, code)
			}
			if st := user(t, s, email).Status; st != models.StatusSuspended {
				t.Fatalf("status %s, want suspended", st)
			}
		})
	}
}

// Parallel OTP guesses on tfa/disable are bounded like login guesses.
func TestSecretChecksBurst(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser("otp@example.com", "otp-password-1")
		key, _ := totp.Generate(totp.GenerateOpts{Issuer: "Gatehouse", AccountName: "otp@example.com"})
		at := s.Login("otp@example.com", "otp-password-1").Data()["access_token"].(string)
		if _, err := s.App.DB.NewUpdate().Model((*models.User)(nil)).Set("tfa_secret = ?", key.Secret()).
			Where("id = ?", u.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := burst(s, 40, "/users/me/tfa/disable", map[string]any{"otp": "000000"}, "Authorization", "Bearer "+at)
		if got[204] != 0 {
			t.Fatalf("statuses %v", got)
		}
		if n := compared(t, s, u.ID); n != 5 {
			t.Fatalf("%d OTP guesses compared, want the limit of 5", n)
		}
		if st := user(t, s, "otp@example.com").Status; st != models.StatusSuspended {
			t.Fatalf("status %s, want suspended", st)
		}
	}, "AUTH_LOGIN_ATTEMPTS=5")
}

// A right password inside a burst of guesses: every 200 came while the
// account was active, so a success resets the count and at most the limit of
// failures is compared around each; a suspended account keeps no session.
func TestLockoutMixedBurst(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		u := s.CreateUser("mixed@example.com", "mixed-password-1")
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[int]int{}
		start := make(chan struct{})
		for i := range 41 {
			pw := "guess-guess"
			if i == 20 {
				pw = "mixed-password-1"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := s.Post("/auth/login", map[string]any{"email": "mixed@example.com", "password": pw})
				mu.Lock()
				got[r.StatusCode]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if got[200]+got[401] != 41 || got[200] > 1 {
			t.Fatalf("statuses %v", got)
		}
		if n := compared(t, s, u.ID); n > 5*(1+got[200]) {
			t.Fatalf("%d failures compared with %d successes, limit 5", n, got[200])
		}
		if user(t, s, "mixed@example.com").Status == models.StatusSuspended && countSessions(t, s) != 0 {
			t.Fatal("a suspended account kept a session")
		}
	}, "AUTH_LOGIN_ATTEMPTS=5")
}
