package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Ops holds the operational settings: rate limiters (Directus's
// RATE_LIMITER_* names, durations in seconds as Directus reads them), the
// Redis they may share, CORS (CORS_*), client-IP resolution (IP_*), metrics,
// request logging and HTTP server timeouts.
type Ops struct {
	// The per-IP limiter (Directus's).
	RateLimiterEnabled bool `env:"RATE_LIMITER_ENABLED" envDefault:"false"`
	// Requests per RATE_LIMITER_DURATION per client IP.
	RateLimiterPoints int `env:"RATE_LIMITER_POINTS" envDefault:"50" min:"1" max:"1000000000"`
	// Window of the per-IP limiter (a bare number counts seconds; 0 never expires).
	RateLimiterDuration Seconds `env:"RATE_LIMITER_DURATION" envDefault:"1" max:"3650d"`
	// `memory`, or `redis` to share the limits between instances.
	RateLimiterStore string `env:"RATE_LIMITER_STORE" envDefault:"memory"`
	// A limiter over all clients of this instance (of all instances with redis); needs RATE_LIMITER_ENABLED with a lower rate.
	RateLimiterGlobalEnabled bool `env:"RATE_LIMITER_GLOBAL_ENABLED" envDefault:"false"`
	// Requests per RATE_LIMITER_GLOBAL_DURATION over all clients.
	RateLimiterGlobalPoints int `env:"RATE_LIMITER_GLOBAL_POINTS" envDefault:"1000" min:"1" max:"1000000000"`
	// Window of the global limiter (seconds).
	RateLimiterGlobalDuration Seconds `env:"RATE_LIMITER_GLOBAL_DURATION" envDefault:"1" max:"3650d"`
	// Login attempts per account (keyed by email).
	RateLimiterLoginEnabled bool `env:"RATE_LIMITER_LOGIN_ENABLED" envDefault:"false"`
	// Login attempts per account per RATE_LIMITER_LOGIN_DURATION.
	RateLimiterLoginPoints int `env:"RATE_LIMITER_LOGIN_POINTS" envDefault:"25" min:"1" max:"1000000000"`
	// Window of the login limiter (seconds).
	RateLimiterLoginDuration Seconds `env:"RATE_LIMITER_LOGIN_DURATION" envDefault:"900" max:"3650d"`
	// Password-reset emails per account; over it the answer is still 204, and no mail goes.
	RateLimiterPasswordRequestEnabled bool `env:"RATE_LIMITER_PASSWORD_REQUEST_ENABLED" envDefault:"true"`
	// Reset emails per account per RATE_LIMITER_PASSWORD_REQUEST_DURATION.
	RateLimiterPasswordRequestPoints int `env:"RATE_LIMITER_PASSWORD_REQUEST_POINTS" envDefault:"5" min:"1" max:"1000000000"`
	// Window of the reset-email limiter (seconds).
	RateLimiterPasswordRequestDuration Seconds `env:"RATE_LIMITER_PASSWORD_REQUEST_DURATION" envDefault:"3600" max:"3650d"`
	// Registrations per IP (Directus's).
	RateLimiterRegistrationEnabled bool `env:"RATE_LIMITER_REGISTRATION_ENABLED" envDefault:"true"`
	// Registrations per IP per RATE_LIMITER_REGISTRATION_DURATION.
	RateLimiterRegistrationPoints int `env:"RATE_LIMITER_REGISTRATION_POINTS" envDefault:"5" min:"1" max:"1000000000"`
	// Window of the registration limiter (seconds).
	RateLimiterRegistrationDuration Seconds `env:"RATE_LIMITER_REGISTRATION_DURATION" envDefault:"60" max:"3650d"`

	// Redis for the limiters, a `redis://` or `rediss://` URL; else REDIS, else REDIS_HOST….
	RateLimiterRedis string `env:"RATE_LIMITER_REDIS" secret:"true"`
	// Redis URL (Directus's name).
	Redis string `env:"REDIS" secret:"true"`
	// Redis host, when no URL is given.
	RedisHost string `env:"REDIS_HOST"`
	// Redis port.
	RedisPort int `env:"REDIS_PORT" envDefault:"6379" min:"1" max:"65535"`
	// Redis user.
	RedisUsername string `env:"REDIS_USERNAME"`
	// Redis password.
	RedisPassword string `env:"REDIS_PASSWORD" secret:"true"`
	// Redis database number.
	RedisDB int `env:"REDIS_DB" envDefault:"0" min:"0" max:"100000"`
	// Prefix of the limiters' Redis keys.
	RateLimiterPrefix string `env:"RATE_LIMITER_KEY_PREFIX" envDefault:"gatehouse:rl:"`
	// When Redis fails, let requests through (logged) instead of refusing them.
	RateLimiterFailOpen bool `env:"RATE_LIMITER_FAIL_OPEN" envDefault:"true"`

	// CORS headers (Directus's names and defaults). Origins listed in CORS_ORIGIN are also trusted for cookie-authenticated requests.
	CORSEnabled bool `env:"CORS_ENABLED" envDefault:"false"`
	// `false`, `true` (reflect any origin) or a comma-separated list of origins such as `https://app.example.com`.
	CORSOrigin string `env:"CORS_ORIGIN" envDefault:"false"`
	// Allowed methods.
	CORSMethods []string `env:"CORS_METHODS" envSeparator:"," envDefault:"GET,POST,PATCH,DELETE"`
	// Allowed request headers.
	CORSAllowedHeaders []string `env:"CORS_ALLOWED_HEADERS" envSeparator:"," envDefault:"Content-Type,Authorization"`
	// Response headers exposed to scripts.
	CORSExposedHeaders []string `env:"CORS_EXPOSED_HEADERS" envSeparator:"," envDefault:"Content-Range"`
	// Access-Control-Allow-Credentials.
	CORSCredentials bool `env:"CORS_CREDENTIALS" envDefault:"true"`
	// Access-Control-Max-Age, seconds; -1 sends none.
	CORSMaxAge int `env:"CORS_MAX_AGE" envDefault:"18000" min:"-1" max:"2147483647"`

	// Which proxies' X-Forwarded-For to believe: `false`, `true`, a hop count, or a comma-separated list of addresses, CIDRs and `loopback`, `linklocal`, `uniquelocal`.
	IPTrustProxy string `env:"IP_TRUST_PROXY" envDefault:"false"`
	// `false`, or a header that carries the client IP (set by your proxy).
	IPCustomHeader string `env:"IP_CUSTOM_HEADER" envDefault:"false"`

	// Prometheus metrics at `/metrics` on METRICS_ADDR, never on the public port.
	MetricsEnabled bool `env:"METRICS_ENABLED" envDefault:"true"`
	// host:port of the metrics listener, loopback by default; set empty for no listener.
	MetricsAddr string `env:"METRICS_ADDR,keepempty" envDefault:"127.0.0.1:9464"`
	// Bearer tokens the metrics listener requires (comma-separated); unset requires none.
	MetricsTokens []string `env:"METRICS_TOKENS" envSeparator:"," secret:"true"`

	// One log line per request (tokens, passwords and `access_token` values redacted).
	LogHTTP bool `env:"LOG_HTTP" envDefault:"true"`
	// Paths not logged (comma-separated).
	LogHTTPIgnorePaths []string `env:"LOG_HTTP_IGNORE_PATHS" envSeparator:","`

	// Time to read a request's headers.
	ServerReadHeaderTimeout Duration `env:"SERVER_READ_HEADER_TIMEOUT" envDefault:"5s" min:"1ms" max:"1h"`
	// Time to read a whole request.
	ServerReadTimeout Duration `env:"SERVER_READ_TIMEOUT" envDefault:"30s" min:"1ms" max:"1h"`
	// Time to write a response.
	ServerWriteTimeout Duration `env:"SERVER_WRITE_TIMEOUT" envDefault:"60s" min:"1ms" max:"1h"`
	// How long an idle keep-alive connection stays open.
	ServerIdleTimeout Duration `env:"SERVER_IDLE_TIMEOUT" envDefault:"120s" min:"1ms" max:"1h"`
	// Largest request header block.
	ServerMaxHeaderBytes ByteSize `env:"SERVER_MAX_HEADER_BYTES" envDefault:"64kb" min:"1kb" max:"16mb"`
}

// Seconds is a Directus limiter duration: a bare number counts seconds
// (RATE_LIMITER_DURATION=1), an ms-style string ("500ms", "15m") is also
// accepted. Zero means "never expires".
type Seconds time.Duration

// D returns the value as a time.Duration.
func (s Seconds) D() time.Duration { return time.Duration(s) }

// UnmarshalText implements encoding.TextUnmarshaler for the env parser.
func (s *Seconds) UnmarshalText(b []byte) error {
	t := strings.TrimSpace(string(b))
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		if f < 0 || f > float64(1<<62)/float64(time.Second) {
			return fmt.Errorf("%q is not a number of seconds", t)
		}
		*s = Seconds(f * float64(time.Second))
		return nil
	}
	d, err := ParseDuration(t)
	if err != nil {
		return err
	}
	*s = Seconds(d)
	return nil
}

// DefaultMetricsAddr is where metrics are served when METRICS_ADDR is unset:
// loopback only, so reaching them takes access to the host (or a deliberate
// METRICS_ADDR).
const DefaultMetricsAddr = "127.0.0.1:9464"

// Validate checks the settings; each message names its variable, never a value
// that could be secret.
func (o *Ops) Validate() error {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, a...)...))
	}
	o.MetricsAddr = strings.TrimSpace(o.MetricsAddr)
	if o.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(o.MetricsAddr); err != nil || port == "" {
			bad("METRICS_ADDR", "must be host:port (e.g. 127.0.0.1:9464), or empty for no metrics listener")
		}
	}
	o.RateLimiterStore = strings.ToLower(strings.TrimSpace(o.RateLimiterStore))
	switch o.RateLimiterStore {
	case "memory":
	case "redis":
		if o.RedisURL() == "" {
			bad("RATE_LIMITER_STORE", "is redis but none of RATE_LIMITER_REDIS, REDIS or REDIS_HOST is set")
		}
	default:
		bad("RATE_LIMITER_STORE", "must be memory or redis, got %q", o.RateLimiterStore)
	}
	for _, l := range []struct {
		name   string
		points int
		dur    Seconds
	}{
		{"RATE_LIMITER", o.RateLimiterPoints, o.RateLimiterDuration},
		{"RATE_LIMITER_GLOBAL", o.RateLimiterGlobalPoints, o.RateLimiterGlobalDuration},
		{"RATE_LIMITER_LOGIN", o.RateLimiterLoginPoints, o.RateLimiterLoginDuration},
		{"RATE_LIMITER_PASSWORD_REQUEST", o.RateLimiterPasswordRequestPoints, o.RateLimiterPasswordRequestDuration},
		{"RATE_LIMITER_REGISTRATION", o.RateLimiterRegistrationPoints, o.RateLimiterRegistrationDuration},
	} {
		if l.points < 1 {
			bad(l.name+"_POINTS", "must be 1 or more")
		}
		if l.dur < 0 || (l.dur > 0 && l.dur.D() < time.Millisecond) {
			bad(l.name+"_DURATION", "must be 0 (never expires) or at least 1ms")
		}
	}
	if o.RateLimiterGlobalEnabled {
		// Directus refuses a global limiter without a stricter IP limiter.
		if !o.RateLimiterEnabled {
			bad("RATE_LIMITER_GLOBAL_ENABLED", "requires RATE_LIMITER_ENABLED")
		} else if rate(o.RateLimiterGlobalPoints, o.RateLimiterGlobalDuration) <= rate(o.RateLimiterPoints, o.RateLimiterDuration) {
			bad("RATE_LIMITER_GLOBAL_POINTS", "the global rate must be higher than the per-IP rate")
		}
	}
	if o.RateLimiterRedis != "" {
		if !validRedisURL(o.RateLimiterRedis) {
			bad("RATE_LIMITER_REDIS", "must be a redis:// or rediss:// URL")
		}
	} else if o.Redis != "" && !validRedisURL(o.Redis) {
		bad("REDIS", "must be a redis:// or rediss:// URL")
	}
	if o.RedisPort < 1 || o.RedisPort > 65535 {
		bad("REDIS_PORT", "must be a TCP port number")
	}
	switch strings.ToLower(strings.TrimSpace(o.CORSOrigin)) {
	case "", "false", "true", "*":
	default:
		for _, s := range strings.Split(o.CORSOrigin, ",") {
			if s = strings.TrimSpace(s); s != "" && !strings.Contains(s, "://") {
				bad("CORS_ORIGIN", "must be false, true or a comma-separated list of origins such as https://app.example.com, got %q", s)
				break
			}
		}
	}
	if o.CORSMaxAge < -1 {
		bad("CORS_MAX_AGE", "must be -1 (no header) or more")
	}
	if _, err := ParseTrustProxy(o.IPTrustProxy); err != nil {
		bad("IP_TRUST_PROXY", "%v", err)
	}
	for name, d := range map[string]Duration{"SERVER_READ_HEADER_TIMEOUT": o.ServerReadHeaderTimeout,
		"SERVER_READ_TIMEOUT": o.ServerReadTimeout, "SERVER_WRITE_TIMEOUT": o.ServerWriteTimeout, "SERVER_IDLE_TIMEOUT": o.ServerIdleTimeout} {
		if d <= 0 {
			bad(name, "must be longer than zero")
		}
	}
	if o.ServerMaxHeaderBytes < 1024 {
		bad("SERVER_MAX_HEADER_BYTES", "must be at least 1kb")
	}
	return errors.Join(errs...)
}

func rate(points int, d Seconds) float64 {
	if d <= 0 {
		return 0
	}
	return float64(points) / d.D().Seconds()
}

func validRedisURL(s string) bool {
	return strings.HasPrefix(s, "redis://") || strings.HasPrefix(s, "rediss://") || strings.HasPrefix(s, "unix://")
}

// RedisURL is the Redis the limiters use: RATE_LIMITER_REDIS, else REDIS,
// else a URL built from REDIS_HOST/PORT/USERNAME/PASSWORD/DB; "" when none.
func (o *Ops) RedisURL() string {
	switch {
	case o.RateLimiterRedis != "":
		return o.RateLimiterRedis
	case o.Redis != "":
		return o.Redis
	case o.RedisHost != "":
		u := "redis://"
		if o.RedisUsername != "" || o.RedisPassword != "" {
			u += urlUserinfo(o.RedisUsername, o.RedisPassword) + "@"
		}
		return fmt.Sprintf("%s%s:%d/%d", u, o.RedisHost, o.RedisPort, o.RedisDB)
	}
	return ""
}

// CORSOriginMode reads CORS_ORIGIN: reflect any origin (true or *), none
// (false or empty), or the listed origins.
func (o *Ops) CORSOriginMode() (reflectAny bool, list []string) {
	switch strings.ToLower(strings.TrimSpace(o.CORSOrigin)) {
	case "", "false":
		return false, nil
	case "true", "*":
		return true, nil
	}
	for _, s := range strings.Split(o.CORSOrigin, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	return false, list
}

// TrustProxy is a parsed IP_TRUST_PROXY.
type TrustProxy struct {
	All      bool           // true: trust every hop (the left-most X-Forwarded-For entry is the client)
	Hops     int            // > 0: trust this many hops next to the server
	Prefixes []netip.Prefix // trust these proxy addresses
}

// Enabled reports whether X-Forwarded-For is read at all.
func (t TrustProxy) Enabled() bool { return t.All || t.Hops > 0 || len(t.Prefixes) > 0 }

var namedNets = map[string][]string{
	"loopback":    {"127.0.0.1/8", "::1/128"},
	"linklocal":   {"169.254.0.0/16", "fe80::/10"},
	"uniquelocal": {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"},
}

// ParseTrustProxy reads IP_TRUST_PROXY as Express's "trust proxy" does:
// false, true, a hop count, or a CSV of addresses, CIDRs and the names
// loopback, linklocal, uniquelocal.
func ParseTrustProxy(s string) (TrustProxy, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "false", "0":
		return TrustProxy{}, nil
	case "true":
		return TrustProxy{All: true}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return TrustProxy{}, errors.New("a hop count must not be negative")
		}
		return TrustProxy{Hops: n}, nil
	}
	var t TrustProxy
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if nets, ok := namedNets[strings.ToLower(part)]; ok {
			for _, n := range nets {
				t.Prefixes = append(t.Prefixes, netip.MustParsePrefix(n))
			}
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			t.Prefixes = append(t.Prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return TrustProxy{}, fmt.Errorf("%q is not an IP address, CIDR, hop count, true or false", part)
		}
		a = a.Unmap()
		t.Prefixes = append(t.Prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return t, nil
}

// CustomIPHeader is IP_CUSTOM_HEADER, or "" when it is off.
func (o *Ops) CustomIPHeader() string {
	h := strings.TrimSpace(o.IPCustomHeader)
	if strings.EqualFold(h, "false") {
		return ""
	}
	return h
}

func urlUserinfo(user, password string) string {
	if password == "" {
		return url.User(user).String()
	}
	return url.UserPassword(user, password).String()
}
