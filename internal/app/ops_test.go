package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/ratelimit/redistest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// opsServer runs a real Gatehouse (apptest, SQLite) behind an operational
// layer built from opsEnv, like the binary's.
type opsServer struct {
	*httptest.Server
	gh  *apptest.Server
	ops *app.Ops
	// metricsURL serves ops.MetricsHandler, as the METRICS_ADDR listener
	// does; "" when metrics are off.
	metricsURL string
}

func newOpsServer(t *testing.T, opsEnv ...string) *opsServer {
	t.Helper()
	return newOpsServerWith(t, nil, opsEnv...)
}

// newOpsServerWith also hands appEnv to the App's own configuration (whose
// Handler may already carry an operational layer with those settings).
func newOpsServerWith(t *testing.T, appEnv []string, opsEnv ...string) *opsServer {
	t.Helper()
	gh := apptest.New(t, "sqlite3", appEnv...)
	ops := buildOps(t, gh, opsEnv...)
	srv := httptest.NewServer(ops.Wrap(gh.App.Handler()))
	t.Cleanup(srv.Close)
	s := &opsServer{Server: srv, gh: gh, ops: ops}
	if h := ops.MetricsHandler(); h != nil {
		m := httptest.NewServer(h)
		t.Cleanup(m.Close)
		s.metricsURL = m.URL
	}
	return s
}

func buildOps(t *testing.T, gh *apptest.Server, opsEnv ...string) *app.Ops {
	t.Helper()
	cfg, err := config.Load(opsEnv)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := app.NewOps(cfg.Ops, app.OpsDeps{DB: gh.App.DB.DB, OutboxRetrying: gh.App.Store.OutboxRetrying,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ops.Close() })
	return ops
}

func redisEnv(t *testing.T) []string {
	t.Helper()
	c := redistest.Client(t) // skips without Redis unless CI=true
	return []string{"RATE_LIMITER_STORE=redis", "RATE_LIMITER_REDIS=" + redistest.URL(),
		"RATE_LIMITER_KEY_PREFIX=" + redistest.Prefix(t, c)}
}

type reply struct {
	*http.Response
	body []byte
}

func do(t *testing.T, base, method, path, body string, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res, b}
}

// check429 asserts Directus's REQUESTS_EXCEEDED answer for a limit of n
// points per window.
func check429(t *testing.T, r reply, n int, window time.Duration) {
	t.Helper()
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", r.StatusCode, r.body)
	}
	ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || ra < 1 || time.Duration(ra)*time.Second > window+time.Second {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	var body struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %s", r.body)
	}
	e := body.Errors[0]
	if !strings.HasPrefix(e.Message, "Too many requests, retry after ") || !strings.HasSuffix(e.Message, ".") {
		t.Fatalf("message %q", e.Message)
	}
	if e.Extensions["code"] != "REQUESTS_EXCEEDED" || e.Extensions["limit"] != float64(n) {
		t.Fatalf("extensions %v", e.Extensions)
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e.Extensions["reset"])); err != nil {
		t.Fatalf("reset %v: %v", e.Extensions["reset"], err)
	}
}

// The (N+1)th request from one client is refused, on memory and on Redis.
func TestIPLimiter(t *testing.T) {
	for _, store := range []string{"memory", "redis"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			env := []string{"RATE_LIMITER_ENABLED=true", "RATE_LIMITER_POINTS=3", "RATE_LIMITER_DURATION=60"}
			if store == "redis" {
				env = append(env, redisEnv(t)...)
			}
			s := newOpsServer(t, env...)
			for i := range 3 {
				if r := do(t, s.URL, "GET", "/server/ping", ""); r.StatusCode != 200 || string(r.body) != "pong" {
					t.Fatalf("request %d: %d %s", i+1, r.StatusCode, r.body)
				}
			}
			check429(t, do(t, s.URL, "GET", "/server/ping", ""), 3, time.Minute)
			// Logins are limited too, before any work is done.
			check429(t, do(t, s.URL, "POST", "/auth/login", `{"email":"a@b.test","password":"x"}`), 3, time.Minute)
			if m := do(t, s.metricsURL, "GET", "/metrics", ""); !strings.Contains(string(m.body), metrics.NameLimiterHits+`{limiter="ip"} 2`) {
				t.Fatalf("limiter hits not counted:\n%s", m.body)
			}
		})
	}
}

// LG-05/LG-07: one client spraying logins with a random X-Forwarded-For per
// attempt (untrusted peer) is still limited.
func TestSpoofedForwardedForStillLimited(t *testing.T) {
	t.Parallel()
	s := newOpsServer(t, "RATE_LIMITER_ENABLED=true", "RATE_LIMITER_POINTS=5", "RATE_LIMITER_DURATION=60")
	limited := 0
	for i := range 40 {
		r := do(t, s.URL, "POST", "/auth/login", fmt.Sprintf(`{"email":"user%d@example.com","password":"Password1!"}`, i),
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i), "X-Real-Ip", fmt.Sprintf("198.51.100.%d", i))
		if r.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 35 {
		t.Fatalf("%d of 40 limited, want 35", limited)
	}
}

// Two separately built instances on one Redis and prefix share the bucket.
func TestTwoInstancesShareRedisBucket(t *testing.T) {
	t.Parallel()
	env := append([]string{"RATE_LIMITER_ENABLED=true", "RATE_LIMITER_POINTS=4", "RATE_LIMITER_DURATION=60"}, redisEnv(t)...)
	a := newOpsServer(t, env...)
	b := newOpsServer(t, env...)
	for i := range 4 {
		base := []string{a.URL, b.URL}[i%2]
		if r := do(t, base, "GET", "/server/ping", ""); r.StatusCode != 200 {
			t.Fatalf("request %d: %d", i+1, r.StatusCode)
		}
	}
	check429(t, do(t, a.URL, "GET", "/server/ping", ""), 4, time.Minute)
	check429(t, do(t, b.URL, "GET", "/server/ping", ""), 4, time.Minute)
}

// With IP_TRUST_PROXY naming the proxy, the forwarded client reaches the
// limiter key and the audit row.
func TestTrustedProxyClientIP(t *testing.T) {
	t.Parallel()
	s := newOpsServer(t, "IP_TRUST_PROXY=loopback", "RATE_LIMITER_ENABLED=true", "RATE_LIMITER_POINTS=2", "RATE_LIMITER_DURATION=60")
	r := do(t, s.URL, "POST", "/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, apptest.AdminEmail, apptest.AdminPassword),
		"X-Forwarded-For", "6.6.6.6, 198.51.100.23")
	if r.StatusCode != 200 {
		t.Fatalf("login %d %s", r.StatusCode, r.body)
	}
	ctx := context.Background()
	u, err := s.gh.App.Store.UserByEmail(ctx, apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := s.gh.App.Store.Activities(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range acts {
		if a.Action == "login" && a.IP != nil {
			found = true
			if *a.IP != "198.51.100.23" {
				t.Fatalf("audit ip %q, want the forwarded client", *a.IP)
			}
		}
	}
	if !found {
		t.Fatalf("no login activity: %+v", acts)
	}
	// Each forwarded client has its own bucket behind the trusted proxy.
	for i := range 3 {
		r := do(t, s.URL, "GET", "/server/ping", "", "X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i+1))
		if r.StatusCode != 200 {
			t.Fatalf("client %d: %d", i, r.StatusCode)
		}
	}
	do(t, s.URL, "GET", "/server/ping", "", "X-Forwarded-For", "192.0.2.1")
	check429(t, do(t, s.URL, "GET", "/server/ping", "", "X-Forwarded-For", "192.0.2.1"), 2, time.Minute)
}

// CK-03: a browser app on an allowed origin gets its preflight and cookie
// login answered with its exact origin; any other origin gets no ACAO.
func TestCORS(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.com"
	s := newOpsServer(t, "CORS_ENABLED=true", "CORS_ORIGIN="+app+",http://localhost:3000")
	r := do(t, s.URL, "OPTIONS", "/auth/login", "", "Origin", app, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type")
	if r.StatusCode != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != app ||
		r.Header.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Origin") ||
		r.Header.Get("Access-Control-Allow-Methods") != "GET,POST,PATCH,DELETE" ||
		r.Header.Get("Access-Control-Allow-Headers") != "Content-Type,Authorization" || r.Header.Get("Access-Control-Max-Age") != "18000" {
		t.Fatalf("preflight %d %v", r.StatusCode, r.Header)
	}
	login := fmt.Sprintf(`{"email":%q,"password":%q,"mode":"cookie"}`, apptest.AdminEmail, apptest.AdminPassword)
	r = do(t, s.URL, "POST", "/auth/login", login, "Origin", app)
	if r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != app || r.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		r.Header.Get("Access-Control-Expose-Headers") != "Content-Range" || len(r.Cookies()) == 0 {
		t.Fatalf("cross-origin login %d %v %s", r.StatusCode, r.Header, r.body)
	}
	r = do(t, s.URL, "OPTIONS", "/auth/login", "", "Origin", "https://evil.example.com", "Access-Control-Request-Method", "POST")
	if r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("disallowed origin got CORS headers: %v", r.Header)
	}
	// CORS off (Directus's default): no CORS headers at all.
	off := newOpsServer(t)
	r = do(t, off.URL, "OPTIONS", "/auth/login", "", "Origin", app, "Access-Control-Request-Method", "POST")
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS disabled but ACAO = %q", r.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	s := newOpsServer(t)
	s.gh.Login(apptest.AdminEmail, apptest.AdminPassword) // through the inner server
	r := do(t, s.URL, "POST", "/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, apptest.AdminEmail, apptest.AdminPassword))
	if r.StatusCode != 200 {
		t.Fatalf("login %d", r.StatusCode)
	}
	// The service reports these (wired in internal/app); here called as it would.
	s.ops.Metrics.LoginOutcome("success")
	s.ops.Metrics.RefreshReuse()
	s.ops.Metrics.HashObserved(time.Millisecond, 20*time.Millisecond)
	// Issue 17: metrics are not on the public port; the metrics listener has them.
	if r := do(t, s.URL, "GET", "/metrics", ""); r.StatusCode != http.StatusNotFound || strings.Contains(string(r.body), metrics.NameLogins) {
		t.Fatalf("public /metrics: %d %.200s", r.StatusCode, r.body)
	}
	m := do(t, s.metricsURL, "GET", "/metrics", "")
	if m.StatusCode != 200 || !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics %d %v", m.StatusCode, m.Header)
	}
	for _, want := range []string{
		metrics.NameLogins + `{outcome="success"} 1`, metrics.NameRefreshReuse + " 1",
		metrics.NameHashDuration + "_count 1", metrics.NameHashWait + "_count 1",
		metrics.NameOutboxRetrying + " 0", `go_sql_open_connections{db_name="gatehouse"}`,
		metrics.NameHTTPRequests + `{code="200",method="POST"} 1`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("missing %s", want)
		}
	}
	// METRICS_TOKENS guards the endpoint.
	g := newOpsServer(t, "METRICS_TOKENS=scrape-token-1,scrape-token-2")
	if r := do(t, g.metricsURL, "GET", "/metrics", ""); r.StatusCode != http.StatusForbidden {
		t.Fatalf("no token: %d", r.StatusCode)
	}
	if r := do(t, g.metricsURL, "GET", "/metrics", "", "Authorization", "Bearer scrape-token-2"); r.StatusCode != 200 {
		t.Fatalf("with token: %d", r.StatusCode)
	}
	if r := do(t, g.metricsURL, "GET", "/other", "", "Authorization", "Bearer scrape-token-2"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("metrics listener, another path: %d", r.StatusCode)
	}
	off := newOpsServerWith(t, []string{"METRICS_ENABLED=false"}, "METRICS_ENABLED=false")
	if r := do(t, off.URL, "GET", "/metrics", ""); r.StatusCode == 200 || off.metricsURL != "" {
		t.Fatal("metrics served while disabled")
	}
}

// RL-07: a client dribbling header bytes is cut off after
// SERVER_READ_HEADER_TIMEOUT, while normal requests still succeed.
func TestSlowlorisCutOff(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	gh := apptest.New(t, "sqlite3")
	ops := buildOps(t, gh, "SERVER_READ_HEADER_TIMEOUT=500ms")
	srv := ops.Server(ops.Wrap(gh.App.Handler()))
	if srv.ReadHeaderTimeout != timeout || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("server timeouts not set: %+v", srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	const slow = 20
	var wg sync.WaitGroup
	errs := make(chan error, slow)
	for i := range slow {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			start := time.Now()
			if _, err := io.WriteString(c, "POST /auth/login HTTP/1.1\r\n"); err != nil {
				errs <- err
				return
			}
			closed := make(chan time.Duration, 1)
			go func() {
				_, _ = io.Copy(io.Discard, c) // returns when the server closes
				closed <- time.Since(start)
			}()
			hdr := fmt.Sprintf("X-Slow-%d: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", i)
			for j := 0; ; j++ {
				select {
				case d := <-closed:
					if d > timeout+1500*time.Millisecond {
						errs <- fmt.Errorf("slow client %d cut off after %v", i, d)
					}
					return
				case <-time.After(50 * time.Millisecond):
				}
				if time.Since(start) > 5*time.Second {
					errs <- fmt.Errorf("slow client %d still connected after %v", i, time.Since(start))
					return
				}
				_, _ = c.Write([]byte{hdr[j%len(hdr)]}) // may fail once closed
			}
		})
	}
	// Meanwhile a normal request succeeds.
	time.Sleep(100 * time.Millisecond)
	res, err := http.Get("http://" + addr + "/server/ping")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "pong" {
		t.Fatalf("normal request: %d %s", res.StatusCode, b)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOpsConfig(t *testing.T) {
	t.Parallel()
	c, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Ops
	if o.RateLimiterEnabled || o.RateLimiterPoints != 50 || o.RateLimiterDuration.D() != time.Second || o.RateLimiterStore != "memory" ||
		o.CORSEnabled || o.CORSOrigin != "false" || !o.CORSCredentials || o.CORSMaxAge != 18000 ||
		strings.Join(o.CORSMethods, ",") != "GET,POST,PATCH,DELETE" || o.IPTrustProxy != "false" || o.CustomIPHeader() != "" ||
		o.ServerReadHeaderTimeout.D() != 5*time.Second || !o.MetricsEnabled {
		t.Fatalf("defaults: %+v", o)
	}
	c, err = config.Load([]string{"RATE_LIMITER_DURATION=15m", "RATE_LIMITER_LOGIN_DURATION=0", "REDIS_HOST=cache", "REDIS_PASSWORD=p@ss"})
	if err != nil {
		t.Fatal(err)
	}
	o = c.Ops
	if err != nil || o.RateLimiterDuration.D() != 15*time.Minute || o.RateLimiterLoginDuration.D() != 0 ||
		o.RedisURL() != "redis://:p%40ss@cache:6379/0" {
		t.Fatalf("%+v %v", o, err)
	}
	for env, name := range map[string]string{
		"RATE_LIMITER_STORE=mongo":         "RATE_LIMITER_STORE",
		"RATE_LIMITER_STORE=redis":         "RATE_LIMITER_STORE",
		"RATE_LIMITER_POINTS=0":            "RATE_LIMITER_POINTS",
		"RATE_LIMITER_DURATION=-1":         "RATE_LIMITER_DURATION",
		"IP_TRUST_PROXY=proxy.local":       "IP_TRUST_PROXY",
		"CORS_ORIGIN=app.example.com":      "CORS_ORIGIN",
		"SERVER_READ_HEADER_TIMEOUT=0":     "SERVER_READ_HEADER_TIMEOUT",
		"RATE_LIMITER_REDIS=localhost":     "RATE_LIMITER_REDIS",
		"RATE_LIMITER_GLOBAL_ENABLED=true": "RATE_LIMITER_GLOBAL_ENABLED",
	} {
		_, err := config.Load([]string{env})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", env, err)
		}
	}
	if _, err := config.Load([]string{"RATE_LIMITER_ENABLED=true", "RATE_LIMITER_GLOBAL_ENABLED=true", "RATE_LIMITER_GLOBAL_POINTS=10"}); err == nil {
		t.Error("global rate below the IP rate accepted")
	}
}

// A Redis that goes away fails open by default (logged), closed on request.
func TestRedisDownFailOpen(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "redis://" + ln.Addr().String() + "/0"
	ln.Close()
	base := []string{"RATE_LIMITER_ENABLED=true", "RATE_LIMITER_STORE=redis", "RATE_LIMITER_REDIS=" + dead}
	open := newOpsServer(t, base...)
	if r := do(t, open.URL, "GET", "/server/ping", ""); r.StatusCode != 200 {
		t.Fatalf("fail open: %d", r.StatusCode)
	}
	closed := newOpsServer(t, append(base, "RATE_LIMITER_FAIL_OPEN=false")...)
	if r := do(t, closed.URL, "GET", "/server/ping", ""); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("fail closed: %d", r.StatusCode)
	}
}

// Per-account limiters hash their keys and honour RATE_LIMITER_LOGIN_*.
func TestPerAccountLimiters(t *testing.T) {
	t.Parallel()
	gh := apptest.New(t, "sqlite3")
	ops := buildOps(t, gh, "RATE_LIMITER_LOGIN_ENABLED=true", "RATE_LIMITER_LOGIN_POINTS=2", "RATE_LIMITER_LOGIN_DURATION=60")
	if ops.LoginLimiter == nil || ops.PasswordRequestLimiter == nil || ops.IPLimiter != nil {
		t.Fatalf("limiters: %+v", ops)
	}
	ctx := context.Background()
	for i := range 3 {
		r, err := ops.LoginLimiter.Allow(ctx, "alice@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed != (i < 2) {
			t.Fatalf("attempt %d: %+v", i+1, r)
		}
	}
	if err := ops.LoginLimiter.Reset(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if r, _ := ops.LoginLimiter.Allow(ctx, "alice@example.com"); !r.Allowed {
		t.Fatal("reset did not clear the key")
	}
}

// The global limiter counts every client together; requests the IP limiter
// refuses do not use up the global budget.
func TestGlobalLimiter(t *testing.T) {
	t.Parallel()
	s := newOpsServer(t, "IP_TRUST_PROXY=loopback", "RATE_LIMITER_ENABLED=true", "RATE_LIMITER_POINTS=2", "RATE_LIMITER_DURATION=60",
		"RATE_LIMITER_GLOBAL_ENABLED=true", "RATE_LIMITER_GLOBAL_POINTS=4", "RATE_LIMITER_GLOBAL_DURATION=60s")
	ping := func(client string) reply { return do(t, s.URL, "GET", "/server/ping", "", "X-Forwarded-For", client) }
	for _, c := range []string{"192.0.2.1", "192.0.2.1", "192.0.2.2"} {
		if r := ping(c); r.StatusCode != 200 {
			t.Fatalf("%s: %d", c, r.StatusCode)
		}
	}
	check429(t, ping("192.0.2.1"), 2, time.Minute) // IP limit; not counted globally
	if r := ping("192.0.2.3"); r.StatusCode != 200 {
		t.Fatalf("4th global request: %d %s", r.StatusCode, r.body)
	}
	check429(t, ping("192.0.2.4"), 4, time.Minute) // global limit
	if m := do(t, s.metricsURL, "GET", "/metrics", ""); !strings.Contains(string(m.body), metrics.NameLimiterHits+`{limiter="global"} 1`) {
		t.Fatalf("global hit not counted:\n%s", m.body)
	}
}
