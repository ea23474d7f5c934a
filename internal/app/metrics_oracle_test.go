package app_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// comparable keeps the series a request could move: Gatehouse's own and the
// database pool's. Runtime and process series change with every scrape
// whatever happens, and timing histograms (their sums and buckets) are
// compared by count only: how long a hash took is not an account property
// (the stall and the dummy hash keep it alike; timing is issue 17's item 11).
func comparable(scrape string) []string {
	var out []string
	for _, line := range strings.Split(scrape, "\n") {
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case !strings.HasPrefix(name, "gatehouse_") && !strings.HasPrefix(name, "go_sql_"):
		case strings.HasSuffix(name, "_seconds_sum"), strings.HasSuffix(name, "_seconds_bucket"),
			strings.HasSuffix(name, "_seconds_total"): // go_sql_wait_duration_seconds_total
		case name == "go_sql_in_use_connections", name == "go_sql_idle_connections":
			// The pool at the instant of the scrape, which races the scrape's
			// own outbox count (collectors run concurrently); their sum,
			// go_sql_open_connections, is compared.
		default:
			out = append(out, line)
		}
	}
	sort.Strings(out)
	return out
}

func diffScrapes(a, b []string) string {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range list {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var d []string
	for _, l := range a {
		if !mb[l] {
			d = append(d, "- "+l)
		}
	}
	for _, l := range b {
		if !ma[l] {
			d = append(d, "+ "+l)
		}
	}
	return strings.Join(d, "\n")
}

// Issue 17: no metric tells an existing email from an unknown one. Two
// servers with the same users receive the same requests, one naming
// existing accounts and the other unknown emails, for registration (an
// active and an unverified account), reset requests and logins; after
// every step the full scrapes (timing sums and buckets aside) are equal.
func TestMetricsTellNothingAboutEmails(t *testing.T) {
	env := []string{"PUBLIC_REGISTRATION=true", "REGISTER_STALL_TIME=0", "PASSWORD_RESET_STALL_TIME=0"}
	storetest.Each(t, func(t *testing.T, client string) {
		known, unknown := apptest.New(t, client, env...), apptest.New(t, client, env...)
		for _, s := range []*apptest.Server{known, unknown} {
			s.CreateUser("member@example.com", "member-password-1")
			r := s.Post("/users/register", map[string]any{"email": "pending@example.com", "password": "pending-password-1"})
			if r.StatusCode != http.StatusNoContent {
				t.Fatalf("setup register: %d %s", r.StatusCode, r.Body)
			}
		}
		if d := diffScrapes(comparable(known.Metrics()), comparable(unknown.Metrics())); d != "" {
			t.Fatalf("the two servers differ before the test:\n%s", d)
		}
		steps := []struct {
			name, path        string
			existing, missing map[string]any
			status            int
		}{
			{"register an active account's email", "/users/register",
				map[string]any{"email": "member@example.com", "password": "another-password-1"},
				map[string]any{"email": "new-1@example.com", "password": "another-password-1"}, http.StatusNoContent},
			{"register an unverified account's email", "/users/register",
				map[string]any{"email": "pending@example.com", "password": "another-password-1"},
				map[string]any{"email": "new-2@example.com", "password": "another-password-1"}, http.StatusNoContent},
			{"request a reset", "/auth/password/request",
				map[string]any{"email": "member@example.com"}, map[string]any{"email": "nobody@example.com"}, http.StatusNoContent},
			{"log in with a wrong password", "/auth/login",
				map[string]any{"email": "member@example.com", "password": "wrong-password-1"},
				map[string]any{"email": "nobody@example.com", "password": "wrong-password-1"}, http.StatusUnauthorized},
			{"log in to an unverified account", "/auth/login",
				map[string]any{"email": "pending@example.com", "password": "pending-password-1"},
				map[string]any{"email": "nobody-2@example.com", "password": "pending-password-1"}, http.StatusUnauthorized},
		}
		for _, st := range steps {
			a, b := known.Post(st.path, st.existing), unknown.Post(st.path, st.missing)
			if a.StatusCode != st.status || b.StatusCode != st.status || string(a.Body) != string(b.Body) {
				t.Fatalf("%s: answers %d %s / %d %s", st.name, a.StatusCode, a.Body, b.StatusCode, b.Body)
			}
			if d := diffScrapes(comparable(known.Metrics()), comparable(unknown.Metrics())); d != "" {
				t.Errorf("%s: metrics differ between an existing and an unknown email (- existing, + unknown):\n%s", st.name, d)
			}
		}
		// The comparison saw the series that matter.
		all := strings.Join(comparable(known.Metrics()), "\n")
		for _, want := range []string{"gatehouse_password_hash_duration_seconds_count", "gatehouse_outbox_retrying 0",
			`gatehouse_auth_logins_total{outcome="invalid_credentials"} 2`, fmt.Sprintf(`gatehouse_http_requests_total{code="%d",method="POST"}`, http.StatusNoContent)} {
			if !strings.Contains(all, want) {
				t.Errorf("scrape lacks %s:\n%s", want, all)
			}
		}
	})
}
