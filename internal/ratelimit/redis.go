package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// consume increments the key and starts its window on first use, atomically:
// every instance sharing the Redis sees one counter per key.
var consume = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
local d = tonumber(ARGV[1])
if d > 0 and ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], d)
  ttl = d
end
return {n, ttl}
`)

// Redis is a limiter whose counters live in Redis, shared by all instances
// that use the same server and prefix.
type Redis struct {
	c redis.UniversalClient
	o Options
}

// NewRedis builds a limiter over client.
func NewRedis(client redis.UniversalClient, o Options) (*Redis, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, fmt.Errorf("ratelimit: nil redis client")
	}
	return &Redis{c: client, o: o}, nil
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string) (Result, error) {
	v, err := consume.Run(ctx, r.c, []string{r.o.Prefix + key}, r.o.Duration.Milliseconds()).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if len(v) != 2 {
		return Result{}, fmt.Errorf("ratelimit: redis: unexpected reply %v", v)
	}
	var reset time.Time
	if v[1] >= 0 {
		reset = r.o.Now().Add(time.Duration(v[1]) * time.Millisecond)
	}
	return r.o.result(v[0], reset), nil
}

// Reset implements Limiter.
func (r *Redis) Reset(ctx context.Context, key string) error {
	if err := r.c.Del(ctx, r.o.Prefix+key).Err(); err != nil {
		return fmt.Errorf("ratelimit: redis: %w", err)
	}
	return nil
}
