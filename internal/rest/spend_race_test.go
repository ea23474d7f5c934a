package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
)

// These race one secret through many simultaneous requests. Hashing is made
// cheap and unqueued (HASH_MAX_CONCURRENT well above the racers), so the
// requests reach the spend together instead of one by one behind a hashing
// slot, which is what hid a non-atomic spend from the older tests.
// Each test races several secrets one after another (httpRounds), since a
// single burst does not always overlap.
const httpRacers, httpRounds = 24, 3

var raceEnv = []string{"HASH_MAX_CONCURRENT=64", "HASH_QUEUE_TIMEOUT=30s", "AUTH_LOGIN_ATTEMPTS=1000"}

type raced struct {
	status int
	body   []byte
}

// raceHTTP sends n copies of a POST at once (built first, released by a
// closed channel) and returns the answers.
func raceHTTP(t *testing.T, s *apptest.Server, n int, path string, body any, header ...string) []raced {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]raced, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", jsonCT)
		for j := 0; j+1 < len(header); j += 2 {
			req.Header.Set(header[j], header[j+1])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			out[i] = raced{res.StatusCode, b}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// wantOneWinner checks that exactly one answer has status win and every other
// one has status lose.
func wantOneWinner(t *testing.T, what string, got []raced, win, lose int) {
	t.Helper()
	wins := 0
	for i, r := range got {
		switch r.status {
		case win:
			wins++
		case lose:
		default:
			t.Errorf("%s: request %d: %d %s", what, i, r.status, r.body)
		}
	}
	if wins != 1 {
		t.Fatalf("%s: %d of %d simultaneous requests won, want exactly 1", what, wins, len(got))
	}
}

// tfaUser creates a user with TOTP on and returns its bearer header and
// secret, with the clock moved past the step that enabled it.
func tfaUser(t *testing.T, s *apptest.Server) ([]string, string) {
	t.Helper()
	s.CreateUser(tfaEmail, tfaPW)
	access, _ := accessToken(t, s, tfaEmail, tfaPW)
	auth := bearer(access)
	secret := enableTFA(t, s, auth, tfaPW)
	s.Clock.Advance(30 * time.Second)
	return auth, secret
}

func TestRaceTOTPCodeMintsRecoveryCodesOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		auth, secret := tfaUser(t, s)
		for range httpRounds {
			got := raceHTTP(t, s, httpRacers, "/users/me/tfa/recovery-codes", map[string]any{"otp": codeAt(t, secret, s.Clock.Now())}, auth...)
			wantOneWinner(t, "recovery-codes with one TOTP code", got, http.StatusOK, http.StatusBadRequest)
			s.Clock.Advance(30 * time.Second)
		}
	}, raceEnv...)
}

func TestRaceTOTPCodeLogsInOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		_, secret := tfaUser(t, s)
		for range httpRounds {
			got := raceHTTP(t, s, httpRacers, "/auth/login", map[string]any{"email": tfaEmail, "password": tfaPW, "otp": codeAt(t, secret, s.Clock.Now())})
			wantOneWinner(t, "logins with one TOTP code", got, http.StatusOK, http.StatusUnauthorized)
			s.Clock.Advance(30 * time.Second)
		}
	}, raceEnv...)
}

// recoveryCodes mints a fresh set for the TOTP user.
func recoveryCodes(t *testing.T, s *apptest.Server, auth []string, secret string) []string {
	t.Helper()
	r := s.Post("/users/me/tfa/recovery-codes", map[string]any{"otp": codeAt(t, secret, s.Clock.Now())}, auth...)
	wantStatus(t, r, http.StatusOK, "recovery-codes")
	s.Clock.Advance(30 * time.Second)
	var codes []string
	raw, _ := r.Data()["codes"].([]any)
	for _, c := range raw {
		codes = append(codes, c.(string))
	}
	if len(codes) == 0 {
		t.Fatalf("no recovery codes: %s", r.Body)
	}
	return codes
}

func TestRaceRecoveryCodeLogsInOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		auth, secret := tfaUser(t, s)
		codes := recoveryCodes(t, s, auth, secret)
		for r := range httpRounds {
			got := raceHTTP(t, s, httpRacers, "/auth/login", map[string]any{"email": tfaEmail, "password": tfaPW, "otp": codes[r]})
			wantOneWinner(t, "logins with one recovery code", got, http.StatusOK, http.StatusUnauthorized)
		}
		if n := remainingCodes(t, s, auth); n != float64(len(codes)-httpRounds) {
			t.Fatalf("remaining %v, want %d", n, len(codes)-httpRounds)
		}
	}, raceEnv...)
}

func TestRaceRecoveryCodeDisablesTFAOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		auth, secret := tfaUser(t, s)
		for r := range httpRounds {
			if r > 0 { // the last round turned 2FA off: on again
				secret = enableTFA(t, s, auth, tfaPW)
				s.Clock.Advance(30 * time.Second)
			}
			codes := recoveryCodes(t, s, auth, secret)
			got := raceHTTP(t, s, httpRacers, "/users/me/tfa/disable", map[string]any{"otp": codes[0]}, auth...)
			wantOneWinner(t, "tfa/disable with one recovery code", got, http.StatusNoContent, http.StatusBadRequest)
		}
	}, raceEnv...)
}

func TestRaceResetTokenSpentOnce(t *testing.T) {
	eachWithSink(t, func(t *testing.T, s *apptest.Server, sink *mailtest.Server) {
		for range httpRounds {
			tok := mailedToken(t, s, sink, admin)
			got := raceHTTP(t, s, httpRacers, "/auth/password/reset", map[string]any{"token": tok, "password": "parallel-passphrase-x"})
			wantOneWinner(t, "resets with one token", got, http.StatusNoContent, http.StatusForbidden)
		}
	}, raceEnv...)
}
