package httpmw

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// LimitOptions configure RateLimit.
type LimitOptions struct {
	Name     string                       // for metrics and logs, e.g. "ip" or "global"
	Limiter  ratelimit.Limiter            // required
	Key      func(r *http.Request) string // nil = the client IP (see IPResolver.Middleware)
	Skip     func(r *http.Request) bool   // requests the limiter does not count; may be nil
	OnHit    func(name string)            // called for each refused request; may be nil
	FailOpen bool                         // a store error lets the request through (logged); else 503
	Now      func() time.Time             // nil = time.Now
	Log      *slog.Logger                 // nil = slog.Default()
}

// RateLimit consumes one point per request and answers Directus's 429
// REQUESTS_EXCEEDED when the key is over its limit.
func RateLimit(o LimitOptions) func(http.Handler) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Key == nil {
		o.Key = func(r *http.Request) string {
			if ip := ClientIP(r.Context()); ip != "" {
				return ip
			}
			return hostOnly(r.RemoteAddr)
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o.Skip != nil && o.Skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			res, err := o.Limiter.Allow(r.Context(), o.Key(r))
			if err != nil {
				o.Log.ErrorContext(r.Context(), "rate limiter unavailable", "limiter", o.Name, "err", err)
				if o.FailOpen {
					next.ServeHTTP(w, r)
					return
				}
				writeError(w, auth.ServiceUnavailable("ratelimiter", "Rate limiter store unreachable"))
				return
			}
			if !res.Allowed {
				if o.OnHit != nil {
					o.OnHit(o.Name)
				}
				WriteTooManyRequests(w, res, o.Now())
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WriteTooManyRequests writes Directus's answer to a tripped limiter:
// 429 with Retry-After (seconds, at least 1) and
// {"errors":[{"message":"Too many requests, retry after 59s.","extensions":{"limit":50,"reset":"<ISO date>","code":"REQUESTS_EXCEEDED"}}]}.
func WriteTooManyRequests(w http.ResponseWriter, res ratelimit.Result, now time.Time) {
	writeError(w, auth.RequestsExceeded(res, now))
}

// writeError writes e with httpio's envelope (the one REST and GraphQL use)
// and the headers REST's Wrap would add: a limiter answers before it runs.
func writeError(w http.ResponseWriter, e *auth.Error) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	httpio.WriteError(w, e)
}
