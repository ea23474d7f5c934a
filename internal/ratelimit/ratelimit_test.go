package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/ratelimit/redistest"
	"github.com/gatehouse/gatehouse/internal/testclock"
)

type factory func(t *testing.T, o ratelimit.Options) ratelimit.Limiter

func stores(t *testing.T, fn func(t *testing.T, mk factory)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		fn(t, func(t *testing.T, o ratelimit.Options) ratelimit.Limiter {
			l, err := ratelimit.NewMemory(o)
			if err != nil {
				t.Fatal(err)
			}
			return l
		})
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		c := redistest.Client(t)
		prefix := redistest.Prefix(t, c)
		fn(t, func(t *testing.T, o ratelimit.Options) ratelimit.Limiter {
			o.Prefix = prefix + o.Prefix
			l, err := ratelimit.NewRedis(c, o)
			if err != nil {
				t.Fatal(err)
			}
			return l
		})
	})
}

func TestNPlusOneIsRefused(t *testing.T) {
	stores(t, func(t *testing.T, mk factory) {
		ctx := context.Background()
		l := mk(t, ratelimit.Options{Points: 5, Duration: time.Minute, Prefix: "ip:"})
		start := time.Now()
		for i := 1; i <= 5; i++ {
			r, err := l.Allow(ctx, "10.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			if !r.Allowed || r.Limit != 5 || r.Remaining != 5-i {
				t.Fatalf("request %d: %+v", i, r)
			}
		}
		r, err := l.Allow(ctx, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed || r.Remaining != 0 || r.Limit != 5 {
			t.Fatalf("6th request: %+v", r)
		}
		if ra := r.RetryAfter(start); ra <= 55*time.Second || ra > time.Minute+time.Second {
			t.Fatalf("retry after %v, want ≈1m", ra)
		}
		// Other keys are independent.
		if r, _ := l.Allow(ctx, "10.0.0.2"); !r.Allowed {
			t.Fatalf("other key refused: %+v", r)
		}
		// Reset forgets the key.
		if err := l.Reset(ctx, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if r, _ := l.Allow(ctx, "10.0.0.1"); !r.Allowed || r.Remaining != 4 {
			t.Fatalf("after reset: %+v", r)
		}
	})
}

func TestWindowExpires(t *testing.T) {
	stores(t, func(t *testing.T, mk factory) {
		ctx := context.Background()
		l := mk(t, ratelimit.Options{Points: 2, Duration: 300 * time.Millisecond})
		for range 2 {
			if r, _ := l.Allow(ctx, "k"); !r.Allowed {
				t.Fatal("refused within limit")
			}
		}
		if r, _ := l.Allow(ctx, "k"); r.Allowed {
			t.Fatal("allowed over limit")
		}
		time.Sleep(400 * time.Millisecond)
		if r, err := l.Allow(ctx, "k"); err != nil || !r.Allowed || r.Remaining != 1 {
			t.Fatalf("after window: %+v %v", r, err)
		}
	})
}

func TestZeroDurationNeverExpires(t *testing.T) {
	stores(t, func(t *testing.T, mk factory) {
		ctx := context.Background()
		l := mk(t, ratelimit.Options{Points: 1, Duration: 0})
		if r, _ := l.Allow(ctx, "k"); !r.Allowed || !r.Reset.IsZero() {
			t.Fatalf("first: %+v", r)
		}
		if r, _ := l.Allow(ctx, "k"); r.Allowed || !r.Reset.IsZero() || r.RetryAfter(time.Now()) != 0 {
			t.Fatalf("second: %+v", r)
		}
	})
}

func TestConcurrentConsumptionIsExact(t *testing.T) {
	stores(t, func(t *testing.T, mk factory) {
		ctx := context.Background()
		l := mk(t, ratelimit.Options{Points: 25, Duration: time.Minute})
		var allowed atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 100 {
			wg.Go(func() {
				<-start
				r, err := l.Allow(ctx, "k")
				if err != nil {
					t.Error(err)
					return
				}
				if r.Allowed {
					allowed.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := allowed.Load(); n != 25 {
			t.Fatalf("allowed %d of 100, want exactly 25", n)
		}
	})
}

// Two separately built limiters ("instances") on one Redis and prefix share
// one bucket.
func TestRedisInstancesShareBucket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c1 := redistest.Client(t)
	c2 := redistest.Client(t)
	prefix := redistest.Prefix(t, c1) + "ip:"
	a, err := ratelimit.NewRedis(c1, ratelimit.Options{Points: 4, Duration: time.Minute, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ratelimit.NewRedis(c2, ratelimit.Options{Points: 4, Duration: time.Minute, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		l := []ratelimit.Limiter{a, b}[i%2]
		if r, err := l.Allow(ctx, "192.0.2.7"); err != nil || !r.Allowed {
			t.Fatalf("request %d: %+v %v", i+1, r, err)
		}
	}
	for name, l := range map[string]ratelimit.Limiter{"a": a, "b": b} {
		if r, err := l.Allow(ctx, "192.0.2.7"); err != nil || r.Allowed {
			t.Fatalf("instance %s allowed the 5th request: %+v %v", name, r, err)
		}
	}
	// A different prefix is a different bucket.
	other, _ := ratelimit.NewRedis(c2, ratelimit.Options{Points: 4, Duration: time.Minute, Prefix: prefix + "x:"})
	if r, _ := other.Allow(ctx, "192.0.2.7"); !r.Allowed {
		t.Fatal("other prefix shares the bucket")
	}
}

func TestRedisUnreachableIsAnError(t *testing.T) {
	t.Parallel()
	c := redistest.Client(t) // only to honour the skip rule
	_ = c
	l, err := ratelimit.NewRedis(unreachable(t), ratelimit.Options{Points: 1, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := l.Allow(ctx, "k"); err == nil {
		t.Fatal("no error from an unreachable Redis")
	}
}

func TestMemoryBounded(t *testing.T) {
	t.Parallel()
	clk := testclock.New(time.Unix(1_700_000_000, 0))
	l, err := ratelimit.NewMemory(ratelimit.Options{Points: 1, Duration: time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		_, _ = l.Allow(context.Background(), fmt.Sprint(i))
	}
	clk.Advance(2 * time.Second)
	for i := range 1024 {
		_, _ = l.Allow(context.Background(), fmt.Sprint("n", i))
	}
	if n := l.Len(); n > 1100 {
		t.Fatalf("expired keys not swept: %d held", n)
	}
}

func TestOptionsValidated(t *testing.T) {
	t.Parallel()
	if _, err := ratelimit.NewMemory(ratelimit.Options{Points: 0, Duration: time.Second}); err == nil {
		t.Fatal("points 0 accepted")
	}
	if _, err := ratelimit.NewMemory(ratelimit.Options{Points: 1, Duration: -time.Second}); err == nil {
		t.Fatal("negative duration accepted")
	}
}
