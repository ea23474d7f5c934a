package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(w.Body)
	if w.Code != 200 {
		t.Fatalf("scrape: %d %s", w.Code, b)
	}
	return string(b)
}

func TestSeries(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := metrics.New()
	m.DBStats(db, "gatehouse")
	depth := 3
	m.OutboxRetrying(func(context.Context) (int, error) { return depth, nil })
	m.LoginOutcome("success")
	m.LoginOutcome("invalid_credentials")
	m.LoginOutcome("invalid_credentials")
	m.RefreshReuse()
	m.HashObserved(2*time.Millisecond, 40*time.Millisecond)
	m.LimiterHit("ip")
	m.HTTPRequest("POST", 200, time.Millisecond)
	m.HTTPRequest("BREW", 418, time.Millisecond)
	out := scrape(t, m)
	for _, want := range []string{
		`gatehouse_auth_logins_total{outcome="success"} 1`,
		`gatehouse_auth_logins_total{outcome="invalid_credentials"} 2`,
		`gatehouse_auth_refresh_reuse_total 1`,
		`gatehouse_password_hash_duration_seconds_count 1`,
		`gatehouse_password_hash_queue_wait_seconds_count 1`,
		`gatehouse_rate_limiter_hits_total{limiter="ip"} 1`,
		`gatehouse_outbox_retrying 3`,
		`gatehouse_http_requests_total{code="200",method="POST"} 1`,
		`gatehouse_http_requests_total{code="418",method="other"} 1`,
		`go_sql_open_connections{db_name="gatehouse"}`,
		`go_sql_max_open_connections{db_name="gatehouse"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	depth = 5
	if !strings.Contains(scrape(t, m), "gatehouse_outbox_retrying 5") {
		t.Error("outbox count not read at scrape time")
	}
}

func TestRegistryPerInstanceAndNilSafe(t *testing.T) {
	t.Parallel()
	a, b := metrics.New(), metrics.New() // no duplicate-registration panic: not the global registry
	a.LoginOutcome("success")
	if strings.Contains(scrape(t, b), `outcome="success"`) {
		t.Fatal("instances share a registry")
	}
	var n *metrics.Metrics
	n.LoginOutcome("x")
	n.RefreshReuse()
	n.HashObserved(0, 0)
	n.LimiterHit("ip")
	n.HTTPRequest("GET", 200, 0)
	n.OutboxRetrying(nil)
	n.DBStats(nil, "")
	c := metrics.New()
	c.OutboxRetrying(func(context.Context) (int, error) { return 0, errors.New("db down") })
	if !strings.Contains(scrape(t, c), "gatehouse_outbox_retrying -1") {
		t.Fatal("failing count read not reported as -1")
	}
}
