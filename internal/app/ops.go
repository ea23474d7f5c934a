package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/httpmw"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// Ops is the operational layer around the HTTP surface: client-IP
// resolution, request logs, /metrics, CORS and the IP/global rate limiters,
// plus the per-account limiters and the metrics the auth service takes.
type Ops struct {
	Config  config.Ops
	Metrics *metrics.Metrics
	IP      *httpmw.IPResolver

	IPLimiter     ratelimit.Limiter // RATE_LIMITER_*; nil when disabled
	GlobalLimiter ratelimit.Limiter // RATE_LIMITER_GLOBAL_*; nil when disabled
	// Per-account limiters for the auth service, keyed by the lowered email
	// (stored hashed); nil when disabled.
	LoginLimiter           ratelimit.Limiter // RATE_LIMITER_LOGIN_*
	PasswordRequestLimiter ratelimit.Limiter // RATE_LIMITER_PASSWORD_REQUEST_*
	RegistrationLimiter    ratelimit.Limiter // RATE_LIMITER_REGISTRATION_*, keyed by client IP

	Redis redis.UniversalClient // nil with RATE_LIMITER_STORE=memory
	log   *slog.Logger
	now   func() time.Time
}

// OpsDeps are what the operational layer reads from the rest of the App.
type OpsDeps struct {
	DB             *sql.DB                                // pool stats; may be nil
	OutboxRetrying func(ctx context.Context) (int, error) // may be nil
	Log            *slog.Logger                           // nil = slog.Default()
	Now            func() time.Time                       // nil = time.Now
	Redis          redis.UniversalClient                  // overrides the configured Redis (tests); may be nil
}

// NewOps builds limiters, metrics and middleware from configuration.
func NewOps(cfg config.Ops, d OpsDeps) (*Ops, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	trust, _ := config.ParseTrustProxy(cfg.IPTrustProxy) // validated above
	o := &Ops{Config: cfg, Metrics: metrics.New(), IP: httpmw.NewIPResolver(trust, cfg.CustomIPHeader()), log: d.Log, now: d.Now}
	o.Metrics.DBStats(d.DB, "gatehouse")
	o.Metrics.OutboxRetrying(d.OutboxRetrying)

	if cfg.RateLimiterStore == "redis" {
		o.Redis = d.Redis
		if o.Redis == nil {
			opt, err := redis.ParseURL(cfg.RedisURL())
			if err != nil {
				return nil, fmt.Errorf("RATE_LIMITER_REDIS: not a valid Redis URL")
			}
			// Short timeouts: a stuck Redis must not hold requests.
			opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = 2*time.Second, time.Second, time.Second, 2*time.Second
			o.Redis = redis.NewClient(opt)
		}
	}
	build := func(enabled bool, points int, dur config.Seconds, prefix string) (ratelimit.Limiter, error) {
		if !enabled {
			return nil, nil
		}
		lo := ratelimit.Options{Points: points, Duration: dur.D(), Prefix: cfg.RateLimiterPrefix + prefix, Now: d.Now}
		if o.Redis != nil {
			return ratelimit.NewRedis(o.Redis, lo)
		}
		return ratelimit.NewMemory(lo)
	}
	var err error
	if o.IPLimiter, err = build(cfg.RateLimiterEnabled, cfg.RateLimiterPoints, cfg.RateLimiterDuration, "ip:"); err != nil {
		return nil, err
	}
	if o.GlobalLimiter, err = build(cfg.RateLimiterGlobalEnabled, cfg.RateLimiterGlobalPoints, cfg.RateLimiterGlobalDuration, "global:"); err != nil {
		return nil, err
	}
	if o.LoginLimiter, err = build(cfg.RateLimiterLoginEnabled, cfg.RateLimiterLoginPoints, cfg.RateLimiterLoginDuration, "login:"); err != nil {
		return nil, err
	}
	if o.PasswordRequestLimiter, err = build(cfg.RateLimiterPasswordRequestEnabled, cfg.RateLimiterPasswordRequestPoints,
		cfg.RateLimiterPasswordRequestDuration, "password-request:"); err != nil {
		return nil, err
	}
	if o.RegistrationLimiter, err = build(cfg.RateLimiterRegistrationEnabled, cfg.RateLimiterRegistrationPoints,
		cfg.RateLimiterRegistrationDuration, "register:"); err != nil {
		return nil, err
	}
	o.LoginLimiter = hashKeys(o.LoginLimiter)
	o.PasswordRequestLimiter = hashKeys(o.PasswordRequestLimiter)
	return o, nil
}

// Close releases the Redis client, if any.
func (o *Ops) Close() error {
	if o == nil || o.Redis == nil {
		return nil
	}
	return o.Redis.Close()
}

// Wrap puts the operational middleware around h, outermost first: client IP,
// request log and HTTP metrics, CORS (preflights end here), the IP limiter,
// then the global limiter (so one client refused by the IP limiter does not
// use up everyone's global budget). /metrics is not served here: see
// MetricsHandler.
func (o *Ops) Wrap(h http.Handler) http.Handler {
	cfg := o.Config
	onHit := func(name string) { o.Metrics.LimiterHit(name) }
	if o.GlobalLimiter != nil {
		h = httpmw.RateLimit(httpmw.LimitOptions{Name: "global", Limiter: o.GlobalLimiter, OnHit: onHit,
			Key: func(*http.Request) string { return "all" }, FailOpen: cfg.RateLimiterFailOpen, Now: o.now, Log: o.log})(h)
	}
	if o.IPLimiter != nil {
		h = httpmw.RateLimit(httpmw.LimitOptions{Name: "ip", Limiter: o.IPLimiter, OnHit: onHit,
			FailOpen: cfg.RateLimiterFailOpen, Now: o.now, Log: o.log})(h)
	}
	if cfg.CORSEnabled {
		reflectAny, list := cfg.CORSOriginMode()
		h = httpmw.CORS(httpmw.CORSOptions{ReflectAny: reflectAny, Origins: list, Methods: cfg.CORSMethods,
			AllowedHeaders: cfg.CORSAllowedHeaders, ExposedHeaders: cfg.CORSExposedHeaders,
			Credentials: cfg.CORSCredentials, MaxAge: cfg.CORSMaxAge, Log: o.log})(h)
	} else {
		h = httpmw.CORSDisabled(o.log)(h)
	}
	logger := o.log
	if !cfg.LogHTTP {
		logger = slog.New(slog.DiscardHandler)
	}
	h = httpmw.RequestLog(httpmw.LogOptions{Log: logger, IgnorePaths: cfg.LogHTTPIgnorePaths, Now: o.now,
		OnDone: func(r *http.Request, status int, d time.Duration) { o.Metrics.HTTPRequest(r.Method, status, d) }})(h)
	return o.IP.Middleware(h)
}

// MetricsHandler serves GET /metrics (behind METRICS_TOKENS when set) for
// the metrics listener, METRICS_ADDR; anything else there is 404. It is nil
// when METRICS_ENABLED is false. The public handler never serves metrics:
// they move per request (hash timings, logins by outcome), which is no
// business of anonymous internet clients.
func (o *Ops) MetricsHandler() http.Handler {
	if !o.Config.MetricsEnabled {
		return nil
	}
	serve := o.Metrics.Handler()
	var tokens [][]byte
	for _, t := range o.Config.MetricsTokens {
		if t = strings.TrimSpace(t); t != "" {
			tokens = append(tokens, []byte(t))
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		if len(tokens) > 0 {
			got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			ok := false
			for _, t := range tokens {
				ok = ok || subtle.ConstantTimeCompare([]byte(got), t) == 1
			}
			if !ok {
				httpio.WriteError(w, auth.ErrForbidden)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		serve.ServeHTTP(w, r)
	})
}

// Server is an http.Server for h with the SERVER_* timeouts, so slow clients
// (slowloris) are cut off.
func (o *Ops) Server(h http.Handler) *http.Server {
	cfg := o.Config
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ServerReadHeaderTimeout.D(),
		ReadTimeout:       cfg.ServerReadTimeout.D(),
		WriteTimeout:      cfg.ServerWriteTimeout.D(),
		IdleTimeout:       cfg.ServerIdleTimeout.D(),
		MaxHeaderBytes:    int(cfg.ServerMaxHeaderBytes),
		ErrorLog:          slog.NewLogLogger(httpmw.Redact(o.log.Handler()), slog.LevelWarn),
	}
}

// hashKeys stores per-account keys as hashes, so emails never reach Redis.
func hashKeys(l ratelimit.Limiter) ratelimit.Limiter {
	if l == nil {
		return nil
	}
	return hashedKeys{l}
}

type hashedKeys struct{ l ratelimit.Limiter }

func keyHash(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:16])
}

func (h hashedKeys) Allow(ctx context.Context, key string) (ratelimit.Result, error) {
	return h.l.Allow(ctx, keyHash(key))
}

func (h hashedKeys) Reset(ctx context.Context, key string) error { return h.l.Reset(ctx, keyHash(key)) }

// initOps builds the App's operational layer; build calls it before the
// auth service, which takes its limiters and metrics.
func (a *App) initOps(now func() time.Time) error {
	d := OpsDeps{Log: a.Log, Now: now}
	if a.DB != nil {
		d.DB = a.DB.DB
	}
	if a.Store != nil {
		d.OutboxRetrying = a.Store.OutboxRetrying
	}
	o, err := NewOps(a.Config.Ops, d)
	if err != nil {
		return err
	}
	a.Ops = o
	return nil
}
