package ratelimit_test

import (
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// unreachable is a client to a port nothing listens on.
func unreachable(t *testing.T) *redis.Client {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}
