// Package ratelimit counts requests per key in fixed windows, with
// rate-limiter-flexible's points/duration semantics (what Directus uses): a
// key may consume Points points per Duration; the window starts at the key's
// first consumption and is not extended by later ones. A Duration of zero
// means the counter never expires (Directus's login-attempts limiter).
//
// Two stores: Memory (per process) and Redis (shared by every instance that
// uses the same Redis and prefix; atomic through a Lua script).
package ratelimit

import (
	"context"
	"errors"
	"time"
)

// Result is the state of a key after one consumption.
type Result struct {
	Allowed   bool      // the consumption fit within the limit
	Limit     int       // points per window
	Remaining int       // points left in the window (0 when not allowed)
	Reset     time.Time // when the window ends; zero when it never does
}

// RetryAfter is how long until the window ends, as seen at now (zero when
// the window never ends or already ended).
func (r Result) RetryAfter(now time.Time) time.Duration {
	if r.Reset.IsZero() || !r.Reset.After(now) {
		return 0
	}
	return r.Reset.Sub(now)
}

// Limiter consumes one point per call for key.
type Limiter interface {
	// Allow consumes one point for key and reports whether it was within
	// the limit. An error means the store could not answer; the caller
	// decides whether to fail open or closed.
	Allow(ctx context.Context, key string) (Result, error)
	// Reset forgets key (e.g. after a successful login).
	Reset(ctx context.Context, key string) error
}

// Options configure a limiter.
type Options struct {
	Points   int              // points per window; must be ≥ 1
	Duration time.Duration    // window length; 0 = never expires
	Prefix   string           // key prefix, so limiters sharing a store stay apart
	Now      func() time.Time // nil = time.Now
}

func (o *Options) check() error {
	if o.Points < 1 {
		return errors.New("ratelimit: points must be 1 or more")
	}
	if o.Duration < 0 {
		return errors.New("ratelimit: duration must not be negative")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

func (o *Options) result(n int64, reset time.Time) Result {
	r := Result{Allowed: n <= int64(o.Points), Limit: o.Points, Reset: reset}
	if r.Allowed {
		r.Remaining = o.Points - int(n)
	}
	return r
}
