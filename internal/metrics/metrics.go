// Package metrics holds Gatehouse's Prometheus collectors on a registry of
// its own (one per App, never the global default), and serves them.
// Every method is safe on a nil *Metrics, which records nothing, so services
// can take a *Metrics that tests leave out.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Series names, for tests and dashboards.
const (
	NameLogins         = "gatehouse_auth_logins_total"
	NameRefreshReuse   = "gatehouse_auth_refresh_reuse_total"
	NameHashDuration   = "gatehouse_password_hash_duration_seconds"
	NameHashWait       = "gatehouse_password_hash_queue_wait_seconds"
	NameLimiterHits    = "gatehouse_rate_limiter_hits_total"
	NameOutboxRetrying = "gatehouse_outbox_retrying"
	NameHTTPRequests   = "gatehouse_http_requests_total"
	NameHTTPDuration   = "gatehouse_http_request_duration_seconds"
	NameDBConnections  = "go_sql_open_connections" // from the standard DB stats collector
)

// Metrics is one App's collectors.
type Metrics struct {
	reg          *prometheus.Registry
	logins       *prometheus.CounterVec
	refreshReuse prometheus.Counter
	hashDur      prometheus.Histogram
	hashWait     prometheus.Histogram
	limiterHits  *prometheus.CounterVec
	httpReqs     *prometheus.CounterVec
	httpDur      prometheus.Histogram
}

// New builds the collectors on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameLogins, Help: "Login attempts by outcome (success, invalid_credentials, invalid_otp, suspended, limited, unavailable, …).",
		}, []string{"outcome"}),
		refreshReuse: prometheus.NewCounter(prometheus.CounterOpts{
			Name: NameRefreshReuse, Help: "Refresh tokens presented again after rotation, past the grace period (the session is revoked).",
		}),
		hashDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: NameHashDuration, Help: "Time spent computing a password hash (argon2id/bcrypt).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		hashWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: NameHashWait, Help: "Time a password hash waited for a free slot (HASH_MAX_CONCURRENT).",
			Buckets: []float64{.0001, .001, .005, .01, .05, .1, .25, .5, 1, 2, 5},
		}),
		limiterHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameLimiterHits, Help: "Requests refused by a rate limiter, by limiter.",
		}, []string{"limiter"}),
		httpReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameHTTPRequests, Help: "HTTP requests by method and status code.",
		}, []string{"method", "code"}),
		httpDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: NameHTTPDuration, Help: "HTTP request latency.", Buckets: prometheus.DefBuckets,
		}),
	}
	m.reg.MustRegister(m.logins, m.refreshReuse, m.hashDur, m.hashWait, m.limiterHits, m.httpReqs, m.httpDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the collectors live on (to add more).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// LoginOutcome counts one login attempt with its outcome.
func (m *Metrics) LoginOutcome(outcome string) {
	if m != nil {
		m.logins.WithLabelValues(outcome).Inc()
	}
}

// RefreshReuse counts one refresh-token reuse.
func (m *Metrics) RefreshReuse() {
	if m != nil {
		m.refreshReuse.Inc()
	}
}

// HashObserved records one password hash: how long it waited for a slot and
// how long it took.
func (m *Metrics) HashObserved(wait, dur time.Duration) {
	if m != nil {
		m.hashWait.Observe(wait.Seconds())
		m.hashDur.Observe(dur.Seconds())
	}
}

// LimiterHit counts one request refused by the named limiter.
func (m *Metrics) LimiterHit(name string) {
	if m != nil {
		m.limiterHits.WithLabelValues(name).Inc()
	}
}

// HTTPRequest counts one finished request.
func (m *Metrics) HTTPRequest(method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // bounded label values
	}
	m.httpReqs.WithLabelValues(method, strconv.Itoa(code)).Inc()
	m.httpDur.Observe(d.Seconds())
}

// OutboxRetrying exposes the number of undelivered messages that failed at
// least once, read by count at each scrape (with a short timeout; a failing
// read reports -1). Not the whole queue: a queue depth would move with each
// reset or verification email, and so tell existing emails from unknown ones;
// this moves only while delivery fails, which is what an operator alerts on.
func (m *Metrics) OutboxRetrying(count func(ctx context.Context) (int, error)) {
	if m == nil || count == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: NameOutboxRetrying, Help: "Email messages whose delivery failed at least once and that are waiting for a retry.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := count(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

// DBStats exposes the connection pool's sql.DBStats (go_sql_* series).
func (m *Metrics) DBStats(db *sql.DB, name string) {
	if m == nil || db == nil {
		return
	}
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
