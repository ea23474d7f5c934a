package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// The tool's report is what BENCHMARKS.md quotes, so each scenario runs here
// against a real server: its requests must succeed, and a failing request
// must be reported as one.
func TestScenariosReportWhatTheServerAnswered(t *testing.T) {
	s := apptest.New(t, "sqlite3")
	base := config{url: s.URL, c: 2, d: 300 * time.Millisecond, warmup: 50 * time.Millisecond,
		email: apptest.AdminEmail, password: apptest.AdminPassword, pingRate: 20, pid: os.Getpid()}
	open := base
	open.rate = 40
	gql := base
	gql.api = apiGraphQL

	for _, tc := range []struct {
		scenario string
		cfg      config
	}{
		{"ping", base}, {"me", base}, {"refresh", base}, {"login", base}, {"me", open},
		{"me", gql}, {"refresh", gql}, {"login", gql},
	} {
		out := runScenario(t, tc.scenario, tc.cfg)
		ok, errs := statusCounts(t, out)
		if ok == 0 || errs != 0 {
			t.Errorf("%s (api %s, rate %d): ok %d, errors %d; want only successes\n%s", tc.scenario, tc.cfg.api, tc.cfg.rate, ok, errs, out)
		}
		if !rssPeak.MatchString(out) {
			t.Errorf("%s (rate %d): no sampled RSS peak\n%s", tc.scenario, tc.cfg.rate, out)
		}
	}

	// The flood: wrong guesses are 401s, the ping probe beside it succeeds,
	// and the RSS sampler reads this process, where the server runs.
	flood := base
	flood.rate, flood.flood = 40, "nobody@example.com"
	out := runScenario(t, "login-flood", flood)
	lines := okErrors.FindAllStringSubmatch(out, -1)
	if len(lines) != 2 || lines[0][1] != "0" || lines[0][2] == "0" || lines[1][1] == "0" || lines[1][2] != "0" ||
		!regexp.MustCompile(`401×\d+`).MatchString(out) || !rssPeak.MatchString(out) {
		t.Errorf("login-flood: want 401s only, pings all answered and a sampled RSS peak\n%s", out)
	}

	// latency: both APIs answer both operations, and the ratios are printed.
	out = runScenario(t, "latency", base)
	lines = okErrors.FindAllStringSubmatch(out, -1)
	if len(lines) != 4 || len(ratio.FindAllString(out, -1)) != 2 {
		t.Fatalf("latency: want four runs and two ratios\n%s", out)
	}
	for _, l := range lines {
		if l[1] == "0" || l[2] != "0" {
			t.Errorf("latency: want only successes\n%s", out)
		}
	}

	// A wrong password (last: the failures count towards suspending the
	// admin): every login is a 401, counted as an error; over
	// GraphQL it is a 200 carrying INVALID_CREDENTIALS, counted as an error too.
	wrong := base
	wrong.password = "not-the-password"
	out = runScenario(t, "login", wrong)
	if ok, errs := statusCounts(t, out); ok != 0 || errs == 0 || !regexp.MustCompile(`401×\d+`).MatchString(out) {
		t.Errorf("wrong password: ok %d, errors %d; want 401s only\n%s", ok, errs, out)
	}
	wrong.api = apiGraphQL
	out = runScenario(t, "login", wrong)
	if ok, errs := statusCounts(t, out); ok != 0 || errs == 0 || !regexp.MustCompile(`err:graphql INVALID_CREDENTIALS×\d+`).MatchString(out) {
		t.Errorf("wrong password over GraphQL: ok %d, errors %d; want INVALID_CREDENTIALS only\n%s", ok, errs, out)
	}

	// vegeta cannot tell a GraphQL error from a success: refused, not misreported.
	gql.rate = 40
	if err := run(context.Background(), "me", gql, io.Discard); err == nil {
		t.Error("-api graphql with -rate: want an error")
	}
}

func runScenario(t *testing.T, scenario string, cfg config) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), scenario, cfg, &out); err != nil {
		t.Fatalf("%s: %v", scenario, err)
	}
	return out.String()
}

var (
	okErrors = regexp.MustCompile(`\(ok (\d+), errors (\d+)\)`)
	rssPeak  = regexp.MustCompile(`peak sampled [1-9]`)
	ratio    = regexp.MustCompile(`GraphQL ÷ REST p50 = .* = \d+\.\d\d`)
)

func statusCounts(t *testing.T, out string) (ok, errs int) {
	t.Helper()
	m := okErrors.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no status line in\n%s", out)
	}
	ok, _ = strconv.Atoi(m[1])
	errs, _ = strconv.Atoi(m[2])
	return ok, errs
}
